package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on the shared real broker: Avro requests produced through the serde come back as
 * exactly one final result each, over real HTTP calls to the simulators; garbage in the middle goes to
 * the dead-letter topic and does not stop anything.
 */
class PipelineEndToEndIT {

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private LocalPipeline pipeline;
    private Topics topics;

    @BeforeEach
    void startPipeline() throws Exception {
        Map<String, String> settings = TestPipelines.isolatedSettings("e2e", suffix);
        pipeline = TestPipelines.startReady(settings);
        topics = pipeline.topics();
    }

    @AfterEach
    void stopPipeline() {
        pipeline.close();
    }

    @Test
    void shouldAnswerEveryAvroRequestOnceAndDeadLetterGarbage() throws Exception {
        int jobs = 30;
        Properties producerProps = new Properties();
        producerProps.put("bootstrap.servers", pipeline.bootstrapServers());
        producerProps.put("acks", "all");
        try (KafkaProducer<String, InferenceRequest> producer = new KafkaProducer<>(producerProps,
                topics.requests().keySerde().serializer(), topics.requests().valueSerde().serializer());
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(producerProps, new ByteArraySerializer(),
                     new ByteArraySerializer())) {
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
        try (KafkaConsumer<String, InferenceResult> consumer = new KafkaConsumer<>(consumerProps(),
                topics.results().keySerde().deserializer(), topics.results().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.results().name()));
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                for (ConsumerRecord<String, InferenceResult> r : consumer.poll(Duration.ofMillis(200))) {
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
        try (KafkaConsumer<byte[], byte[]> dlq = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            dlq.subscribe(List.of(topics.requestsDlq().name()));
            List<ConsumerRecord<byte[], byte[]>> dead = new java.util.ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                dlq.poll(Duration.ofMillis(200)).forEach(dead::add);
                return !dead.isEmpty();
            });
            assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("garbage");
            assertThat(new String(dead.get(0).headers().lastHeader("__streams.errors.message").value(),
                    StandardCharsets.UTF_8)).isNotBlank();
        }
    }

    private Properties consumerProps() {
        Properties props = new Properties();
        props.put("bootstrap.servers", pipeline.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }
}
