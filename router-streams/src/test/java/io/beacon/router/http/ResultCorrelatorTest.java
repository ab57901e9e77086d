package io.beacon.router.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResultCorrelatorTest {

    private static final String TOPIC = "inference-results";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final WireFormatSerdeProvider serdes = new WireFormatSerdeProvider();
    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("latest");
    private final AtomicInteger decoded = new AtomicInteger();
    private Serializer<InferenceResult> serializer;
    private ResultCorrelator correlator;

    @BeforeEach
    void setUp() {
        serdes.configure(Map.of("schema.registry.url", "mem://correlator-" + UUID.randomUUID()));
        serializer = serdes.valueSerde(InferenceResult.class).serializer();
        Deserializer<InferenceResult> real = serdes.valueSerde(InferenceResult.class).deserializer();
        Deserializer<InferenceResult> counting = new Deserializer<>() {
            @Override
            public InferenceResult deserialize(String topic, byte[] data) {
                decoded.incrementAndGet();
                return real.deserialize(topic, data);
            }

            @Override
            public InferenceResult deserialize(String topic, Headers headers, byte[] data) {
                return deserialize(topic, data);
            }
        };
        consumer.updatePartitions(TOPIC, List.of(partition(0), partition(1)));
        consumer.updateEndOffsets(Map.of(P0, 5L, P1, 0L));
        correlator = new ResultCorrelator(consumer, TOPIC, counting, Duration.ofHours(1));
    }

    @AfterEach
    void tearDown() {
        correlator.close();
        serdes.close();
    }

    @Test
    void shouldStartAtTheEndOfEveryPartitionOnceReady() {
        assertThat(correlator.ready()).isNotDone();

        boolean initialized = correlator.initialize();

        assertThat(initialized).isTrue();
        assertThat(correlator.ready()).isDone();
        assertThat(consumer.assignment()).containsExactlyInAnyOrder(P0, P1);
        assertThat(consumer.position(P0)).isEqualTo(5L);
        assertThat(consumer.position(P1)).isZero();
    }

    @Test
    void shouldWaitUntilTheTopicHasPartitions() {
        MockConsumer<String, byte[]> empty = new MockConsumer<>("latest");
        try (ResultCorrelator waiting = new ResultCorrelator(empty, "not-created-yet", (t, d) -> null, Duration.ofHours(1))) {
            assertThat(waiting.initialize()).isFalse();
            assertThat(waiting.ready()).isNotDone();
        }
    }

    @Test
    void shouldCompleteTheFutureOfTheJobWhoseResultArrivesOnAnyPartition() throws Exception {
        correlator.initialize();
        CompletableFuture<InferenceResult> mine = correlator.expect("job-a");

        consumer.addRecord(record(P1, 0, "someone-else"));
        consumer.addRecord(record(P0, 5, "job-a"));
        correlator.pollOnce(Duration.ZERO);

        assertThat(mine.get(1, TimeUnit.SECONDS).getJobId()).isEqualTo("job-a");
        assertThat(correlator.pending()).isZero();
        assertThat(decoded).as("results nobody here waits for are not decoded").hasValue(1);
    }

    @Test
    void shouldForgetAWaitThatTimedOut() {
        correlator.initialize();
        CompletableFuture<InferenceResult> waiting = correlator.expect("job-b");
        waiting.orTimeout(10, TimeUnit.MILLISECONDS);

        await().atMost(Duration.ofSeconds(2)).until(waiting::isDone);

        assertThatThrownBy(waiting::get).hasCauseInstanceOf(TimeoutException.class);
        assertThat(correlator.pending()).isZero();
    }

    @Test
    void shouldRefuseToWaitTwiceForOneJob() {
        correlator.expect("job-c");

        assertThatThrownBy(() -> correlator.expect("job-c")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldFailTheWaitWhenTheResultCannotBeDecoded() {
        correlator.initialize();
        CompletableFuture<InferenceResult> waiting = correlator.expect("job-d");

        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 5, "job-d", new byte[] {1, 2, 3}));
        correlator.pollOnce(Duration.ZERO);

        assertThatThrownBy(waiting::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ResultCorrelator.UndecodableResult.class);
    }

    @Test
    void shouldReadPartitionsAddedAfterStartFromTheirBeginning() throws Exception {
        // Same consumer as the fixture's correlator, which closes it; this one looks for partitions every poll.
        ResultCorrelator refreshing = new ResultCorrelator(consumer, TOPIC,
                serdes.valueSerde(InferenceResult.class).deserializer(), Duration.ZERO);
        refreshing.initialize();
        TopicPartition p2 = new TopicPartition(TOPIC, 2);
        consumer.updatePartitions(TOPIC, List.of(partition(0), partition(1), partition(2)));
        consumer.updateBeginningOffsets(Map.of(p2, 0L));

        refreshing.pollOnce(Duration.ZERO);
        CompletableFuture<InferenceResult> waiting = refreshing.expect("job-e");
        consumer.addRecord(record(p2, 0, "job-e"));
        refreshing.pollOnce(Duration.ZERO);

        assertThat(consumer.assignment()).contains(p2);
        assertThat(waiting.get(1, TimeUnit.SECONDS).getJobId()).isEqualTo("job-e");
    }

    @Test
    void shouldFailEveryWaitWhenClosed() {
        CompletableFuture<InferenceResult> waiting = correlator.expect("job-f");

        correlator.close();

        assertThat(waiting).isCompletedExceptionally();
        assertThat(consumer.closed()).isTrue();
    }

    private ConsumerRecord<String, byte[]> record(TopicPartition partition, long offset, String jobId) {
        InferenceResult result = InferenceResult.newBuilder().setJobId(jobId).setSuccess(true).setResponse("ok")
                .setProviderUsed("golem-1").setInferenceTime(1.0).setCostEstimate(0.0001).setAttempts(1)
                .setCreatedAt(Instant.EPOCH).setCompletedAt(Instant.EPOCH).build();
        return new ConsumerRecord<>(TOPIC, partition.partition(), offset, jobId, serializer.serialize(TOPIC, result));
    }

    private static PartitionInfo partition(int number) {
        Node node = new Node(0, "localhost", 9092);
        return new PartitionInfo(TOPIC, number, node, new Node[] {node}, new Node[] {node});
    }
}
