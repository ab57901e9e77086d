package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.topics.Topics;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on the shared real broker: Avro requests produced through the serde come back as
 * exactly one final result each, over real HTTP calls to the simulators; garbage in the middle goes to
 * the dead-letter topic and does not stop anything.
 */
class PipelineEndToEndIT {

    private IsolatedRun run;
    private LocalPipeline pipeline;
    private Topics topics;

    @BeforeEach
    void startPipeline() throws Exception {
        run = IsolatedRun.start("e2e");
        pipeline = TestPipelines.startReady(run.settings());
        topics = run.topics();
    }

    @AfterEach
    void stopPipeline() {
        pipeline.close();
        run.close();
    }

    @Test
    void shouldAnswerEveryAvroRequestOnceAndDeadLetterGarbage() throws Exception {
        int jobs = 30;
        try (KafkaProducer<String, InferenceRequest> producer = run.producer(topics.requests());
             KafkaProducer<byte[], byte[]> raw = run.producer(IsolatedRun.bytesOf(topics.requests()))) {
            for (int i = 0; i < jobs; i++) {
                if (i == jobs / 2) {
                    raw.send(new ProducerRecord<>(topics.requests().name(), "garbage".getBytes(StandardCharsets.UTF_8),
                            new byte[] {0, 0, 0, 0, 99, 1, 2, 3})).get();
                }
                String id = "e2e-" + i;
                producer.send(new ProducerRecord<>(topics.requests().name(), id, InferenceRequest.newBuilder()
                        .setJobId(id).setModel("llama3.2:1b").setPrompt("Describe a typical day of a nurse.")
                        .setRegionPreference(i % 2 == 0 ? "us-east" : "eu-central").setCreatedAt(Instant.now())
                        .setMetadata(Map.of("runner_job_id", "runner-" + i)).build()));
            }
            producer.flush();
        }

        Map<String, InferenceResult> results = new HashMap<>();
        int[] duplicates = {0};
        try (TopicReader<String, InferenceResult> reader = run.reader(topics.results())) {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                for (ConsumerRecord<String, InferenceResult> r : reader.poll(Duration.ofMillis(200))) {
                    if (results.put(r.key(), r.value()) != null) {
                        duplicates[0]++;
                    }
                }
                return results.size() >= jobs;
            });
        }

        assertThat(results).hasSize(jobs);
        assertThat(duplicates[0]).isZero();
        assertThat(results.values()).allSatisfy(r -> {
            assertThat(r.getSuccess()).as("job %s: %s", r.getJobId(), r.getError()).isTrue();
            assertThat(r.getResponse()).isNotBlank();
            assertThat(r.getProviderUsed()).isNotBlank();
            assertThat(r.getInferenceTime()).isPositive();
            assertThat(r.getCostEstimate()).isPositive();
            assertThat(r.getMetadata()).containsKey("runner_job_id");
        });
        try (TopicReader<byte[], byte[]> dlq = run.reader(topics.requestsDlq())) {
            List<ConsumerRecord<byte[], byte[]>> dead = dlq.awaitAtLeast(1, Duration.ofSeconds(20));
            assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("garbage");
            assertThat(new String(dead.get(0).headers().lastHeader("__streams.errors.message").value(),
                    StandardCharsets.UTF_8)).isNotBlank();
        }
    }
}
