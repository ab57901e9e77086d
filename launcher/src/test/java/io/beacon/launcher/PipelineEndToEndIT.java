package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.topics.Topics;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The whole pipeline on a real broker: Avro requests produced through the serde come back as exactly one final
 * result each, over real HTTP calls to the simulators; garbage in the middle goes to the dead-letter topic and
 * does not stop anything. It runs on the shared embedded broker and, when a Docker engine is present, once more on
 * an {@code apache/kafka} container through Testcontainers' Kafka module (the image the container stack runs), so
 * nothing in the pipeline leans on how our embedded broker is configured.
 */
class PipelineEndToEndIT {

    /** The image docker-compose.yml runs. */
    static final String KAFKA_IMAGE = "apache/kafka:4.3.1";

    @Test
    void shouldAnswerEveryAvroRequestOnceAndDeadLetterGarbage() throws Exception {
        try (IsolatedRun run = IsolatedRun.start("e2e")) {
            answersEveryRequestOnce(run);
        }
    }

    @Test
    void shouldDoTheSameOnAnApacheKafkaContainer() throws Exception {
        boolean docker = DockerClientFactory.instance().isDockerAvailable();
        String reason = "no Docker engine found (Testcontainers looked for DOCKER_HOST, the default socket and its"
                + " other strategies): the end-to-end test on an " + KAFKA_IMAGE + " container is skipped";
        if (!docker) {
            // In the report (the assumption's message) and on the build's console, so a run without Docker says
            // what it did not test: the test JVM's System.err goes to the report's output file, its own standard
            // error stream reaches the console.
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8)
                    .println("[WARNING] PipelineEndToEndIT.shouldDoTheSameOnAnApacheKafkaContainer skipped: " + reason);
        }
        assumeTrue(docker, reason);
        try (KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))) {
            kafka.start();
            try (IsolatedRun run = IsolatedRun.named("e2e-container").bootstrapServers(kafka.getBootstrapServers()).start()) {
                answersEveryRequestOnce(run);
            }
        }
    }

    private static void answersEveryRequestOnce(IsolatedRun run) throws Exception {
        LocalPipeline pipeline = TestPipelines.startReady(run.settings());
        try {
            answersEveryRequestOnce(run, run.topics());
        } finally {
            pipeline.close();
        }
    }

    private static void answersEveryRequestOnce(IsolatedRun run, Topics topics) throws Exception {
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
