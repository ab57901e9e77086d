package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.RecordCodec;
import io.beacon.workers.resilience.CircuitSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The delivery loop, driven turn by turn on the test thread with Kafka's mock clients and a scripted provider. */
class ProviderWorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Topics topics = TestJobs.topics();
    private final String jobsTopic = topics.providerJobs(ProviderKind.GOLEM).name();
    private final TopicPartition p0 = new TopicPartition(jobsTopic, 0);
    private final TopicPartition p1 = new TopicPartition(jobsTopic, 1);
    private final DeploymentEndpoint nodeA = TestJobs.deployment("golem-a", ProviderKind.GOLEM,
            URI.create("http://127.0.0.1:1"), 2);
    private final DeploymentEndpoint nodeB = TestJobs.deployment("golem-b", ProviderKind.GOLEM,
            URI.create("http://127.0.0.1:2"), 8);

    /** Remembers every commit: MockConsumer answers 0 for partitions no longer assigned, and nothing once closed. */
    private static final class RecordingConsumer extends MockConsumer<String, byte[]> {
        private final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();

        RecordingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             OffsetCommitCallback callback) {
            offsets.forEach((tp, meta) -> commits.put(tp, meta.offset()));
            super.commitAsync(offsets, callback);
        }

        Long lastCommit(TopicPartition tp) {
            return commits.get(tp);
        }
    }

    private RecordingConsumer consumer;
    private MockProducer<String, byte[]> producer;
    private ScriptedClient client;
    private ProviderWorker worker;
    private WorkerObserver observer = WorkerObserver.NONE;
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();

    @BeforeEach
    void setUp() {
        consumer = new RecordingConsumer();
        producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        client = new ScriptedClient(ProviderKind.GOLEM);
    }

    @AfterEach
    void tearDown() {
        if (worker != null) {
            worker.close(Duration.ofSeconds(1));
        }
    }

    private void startWorker(WorkerSettings settings) {
        worker = new ProviderWorker(settings, List.of(nodeA, nodeB), client, consumer, producer,
                RecordCodec.of(topics, ProviderKind.GOLEM), Clock.systemUTC(), observer);
        worker.runOnce();
        consumer.rebalance(List.of(p0, p1));
        consumer.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
        worker.runOnce();
    }

    private void startWorker() {
        startWorker(WorkerSettings.defaults(ProviderKind.GOLEM, "worker-test"));
    }

    private RoutedJob send(TopicPartition tp, String jobId, DeploymentEndpoint d, Instant deadline) {
        RoutedJob job = TestJobs.promptJob(jobId, d, deadline);
        sendBytes(tp, jobId, TestJobs.encode(topics, job));
        return job;
    }

    private RoutedJob send(TopicPartition tp, String jobId) {
        return send(tp, jobId, nodeB, Instant.now().plusSeconds(60));
    }

    private void sendBytes(TopicPartition tp, String key, byte[] value) {
        long offset = nextOffset.merge(tp, 1L, Long::sum) - 1;
        consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), offset, key, value));
    }

    /** Turns the loop until {@code condition} holds. */
    private void turnUntil(Callable<Boolean> condition) {
        await().atMost(WAIT).pollInSameThread().until(() -> {
            worker.runOnce();
            return condition.call();
        });
    }

    private List<JobAttempt> attempts() {
        return producer.history().stream().filter(r -> r.topic().equals(topics.attempts().name()))
                .map(r -> TestJobs.decodeAttempt(topics, r.value())).toList();
    }

    private List<ProducerRecord<String, byte[]>> statusRecords() {
        return producer.history().stream().filter(r -> r.topic().equals(topics.status().name())).toList();
    }

    private Long committed(TopicPartition tp) {
        return consumer.lastCommit(tp);
    }

    @Test
    void shouldPublishOneAttemptPerJobAndCommitPastThemOnceAcknowledged() {
        // Given a worker with jobs on two partitions
        startWorker();
        send(p0, "job-1");
        send(p0, "job-2");
        send(p1, "job-3");

        // When every call succeeds
        turnUntil(() -> client.started().size() == 3);
        client.started().forEach(client::succeed);
        turnUntil(() -> attempts().size() == 3 && Long.valueOf(2).equals(committed(p0)));

        // Then one SUCCEEDED attempt per job is published, keyed by job id, and both partitions are committed
        assertThat(attempts()).extracting(JobAttempt::getJobId).containsExactlyInAnyOrder("job-1", "job-2", "job-3");
        assertThat(attempts()).allSatisfy(a -> {
            assertThat(a.getOutcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
            assertThat(a.getWorkerId()).isEqualTo("worker-test");
            assertThat(a.getResponse()).isEqualTo("text of " + a.getJobId());
            assertThat(a.getCostEstimateUsd()).isNotNegative();
        });
        // One ATTEMPT cost-ledger entry per attempt, with the attempt's amount, keyed by deployment
        assertThat(producer.history()).filteredOn(r -> r.topic().equals(topics.costLedger().name()))
                .extracting(r -> TestJobs.decodeCost(topics, r.value()))
                .filteredOn(e -> e.getKind() == io.beacon.schemas.avro.CostKind.ATTEMPT)
                .hasSize(3)
                .allSatisfy(e -> assertThat(e.getAmountUsd()).isEqualTo(attempts().stream()
                        .filter(a -> a.getJobId().equals(e.getJobId())).findFirst().orElseThrow().getCostEstimateUsd()));
        assertThat(producer.history()).filteredOn(r -> r.topic().equals(topics.attempts().name()))
                .allSatisfy(r -> assertThat(r.key()).isEqualTo(TestJobs.decodeAttempt(topics, r.value()).getJobId()));
        turnUntil(() -> Long.valueOf(1).equals(committed(p1)));
        assertThat(worker.outstanding()).isZero();
    }

    @Test
    void shouldCommitOnlyUpToTheLowestJobWhoseAttemptIsNotAcknowledgedWhenCallsFinishOutOfOrder() {
        // Given three jobs on one partition, all called
        startWorker();
        send(p0, "job-0");
        send(p0, "job-1");
        send(p0, "job-2");
        turnUntil(() -> client.started().size() == 3);

        // When the later two finish first
        client.succeed("job-2");
        client.succeed("job-1");
        turnUntil(() -> attempts().size() == 2);
        worker.runOnce();

        // Then nothing past the first job is committed
        assertThat(committed(p0)).isNull();

        // When the first finishes too
        client.succeed("job-0");

        // Then the commit jumps past all three
        turnUntil(() -> Long.valueOf(3).equals(committed(p0)));
    }

    @Test
    void shouldNotCommitAJobUntilTheBrokerAcknowledgesItsAttempt() {
        // Given a producer whose sends the test acknowledges by hand
        producer = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        startWorker();
        send(p0, "job-0");
        turnUntil(() -> client.started().size() == 1);

        // When the call finishes and its attempt is sent but not acknowledged
        client.succeed("job-0");
        turnUntil(() -> attempts().size() == 1);
        worker.runOnce();

        // Then the job's offset is not committed
        assertThat(committed(p0)).isNull();
        assertThat(worker.outstanding()).isEqualTo(1);

        // When the broker acknowledges every record sent so far (the attempt and any heartbeats)
        while (producer.completeNext()) {
            // acknowledging in send order
        }

        // Then the offset after the job is committed
        turnUntil(() -> Long.valueOf(1).equals(committed(p0)));
        assertThat(worker.outstanding()).isZero();
    }

    @Test
    void shouldPauseEveryPartitionAboveMaxOutstandingAndResumeBelowTheLowWaterMark() {
        // Given a worker that may have at most 4 jobs outstanding (resuming at 2)
        startWorker(WorkerSettings.defaults(ProviderKind.GOLEM, "worker-test").withMaxOutstanding(4));
        consumer.setMaxPollRecords(2);
        for (int i = 0; i < 10; i++) {
            send(i % 2 == 0 ? p0 : p1, "job-" + i);
        }

        // When it has taken 4 jobs whose calls hang
        turnUntil(() -> worker.isPaused());

        // Then it pauses all assigned partitions and stops taking jobs, without blocking its loop
        assertThat(consumer.paused()).containsExactlyInAnyOrder(p0, p1);
        int taken = client.started().size();
        for (int i = 0; i < 5; i++) {
            worker.runOnce();
        }
        assertThat(client.started()).hasSize(taken);
        assertThat(worker.outstanding()).isBetween(4, 5);

        // When enough calls finish to fall to the low-water mark
        List.copyOf(client.started()).forEach(client::succeed);

        // Then it resumes and takes the rest
        turnUntil(() -> !worker.isPaused() || client.started().size() > taken);
        turnUntil(() -> client.started().size() == 10 || worker.isPaused());
        assertThat(client.started().size()).isGreaterThan(taken);
    }

    @Test
    void shouldRunAtMostCapacityCallsAtOnceAgainstOneDeployment() {
        // Given a deployment with capacity 2 and five jobs for it
        startWorker();
        for (int i = 0; i < 5; i++) {
            send(p0, "job-" + i, nodeA, Instant.now().plusSeconds(60));
        }

        // When the worker has taken them all
        turnUntil(() -> worker.outstanding() == 5);

        // Then only two calls run; the rest wait in the worker's queue
        assertThat(client.started()).containsExactly("job-0", "job-1");
        assertThat(worker.inFlight("golem-a")).isEqualTo(2);

        // When one finishes, the next waiting job starts
        client.succeed("job-0");
        turnUntil(() -> client.started().size() == 3);
        assertThat(client.started()).containsExactly("job-0", "job-1", "job-2");
    }

    @Test
    void shouldPublishAPermanentFailureForARecordThatDoesNotDecodeAndMoveOn() {
        // Given garbage followed by a good job on the same partition
        startWorker();
        sendBytes(p0, "job-garbage", new byte[] {1, 2, 3});
        send(p0, "job-good");

        // When the worker reads them
        turnUntil(() -> client.started().contains("job-good"));
        client.succeed("job-good");
        turnUntil(() -> attempts().size() == 2 && Long.valueOf(2).equals(committed(p0)));

        // Then the garbage gets a PERMANENT_FAILURE attempt keyed by its record key, and the partition moves on
        JobAttempt garbage = attempts().stream().filter(a -> a.getJobId().equals("job-garbage")).findFirst().orElseThrow();
        assertThat(garbage.getOutcome()).isEqualTo(AttemptOutcome.PERMANENT_FAILURE);
        assertThat(garbage.getError()).contains("is not a RoutedJob").contains(jobsTopic + "-0@0");
        assertThat(client.started()).doesNotContain("job-garbage");
    }

    @Test
    void shouldFailAJobPastItsDeadlineWithoutCallingTheProvider() {
        // Given a job whose deadline has passed
        startWorker();
        send(p0, "job-late", nodeB, Instant.now().minusSeconds(1));

        // When the worker takes it
        turnUntil(() -> attempts().size() == 1);

        // Then it publishes a permanent failure and never calls
        JobAttempt attempt = attempts().get(0);
        assertThat(attempt.getOutcome()).isEqualTo(AttemptOutcome.PERMANENT_FAILURE);
        assertThat(attempt.getError()).isEqualTo("deadline passed before the call started");
        assertThat(client.started()).isEmpty();
        turnUntil(() -> Long.valueOf(1).equals(committed(p0)));
    }

    @Test
    void shouldAnswerARetryableFailureNamingADeploymentTheWorkerDoesNotKnow() {
        // Given a job for a deployment this worker does not serve
        startWorker();
        RoutedJob job = TestJobs.promptJob("job-x", TestJobs.deployment("golem-elsewhere", ProviderKind.GOLEM,
                URI.create("http://127.0.0.1:3"), 1), Instant.now().plusSeconds(60));
        sendBytes(p0, "job-x", TestJobs.encode(topics, job));

        // When the worker takes it
        turnUntil(() -> attempts().size() == 1);

        // Then the attempt is retryable and names the deployment
        JobAttempt attempt = attempts().get(0);
        assertThat(attempt.getOutcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(attempt.getError()).contains("golem-elsewhere").contains("not served");
        assertThat(attempt.getDeploymentId()).isEqualTo("golem-elsewhere");
    }

    @Test
    void shouldFailOverAtOnceWithoutACallAJobForAModelTheDeploymentDoesNotServe() {
        // Given a worker whose node serves llama3.2:1b, and a job routed there for another model (an old heartbeat)
        startWorker();
        RoutedJob job = TestJobs.job("job-mistral", nodeB.id(), ProviderKind.GOLEM,
                io.beacon.schemas.avro.InferenceRequest.newBuilder(TestJobs.request("job-mistral", "Hi", List.of()))
                        .setModel("mistral:7b").build(), Instant.now().plusSeconds(60));
        sendBytes(p0, "job-mistral", TestJobs.encode(topics, job));

        // When the worker takes it
        turnUntil(() -> attempts().size() == 1);

        // Then no call is made and the attempt is retryable, naming the model and what the node serves
        JobAttempt attempt = attempts().get(0);
        assertThat(attempt.getOutcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(attempt.getError()).isEqualTo("deployment golem-b does not serve model mistral:7b (it serves "
                + TestJobs.MODEL + ")");
        assertThat(client.started()).isEmpty();
    }

    @Test
    void shouldCommitWhatIsSafeAndForgetPendingJobsWhenPartitionsAreRevoked() {
        // Given a finished job and a hanging one on partition 0, and a job on partition 1
        startWorker();
        send(p0, "job-done");
        send(p0, "job-hanging");
        send(p1, "job-other");
        turnUntil(() -> client.started().size() == 3);
        client.succeed("job-done");
        turnUntil(() -> attempts().size() == 1);

        // When partition 0 is revoked
        consumer.rebalance(List.of(p1));
        worker.runOnce();

        // Then the commit on revocation covers the finished job but not the hanging one
        assertThat(committed(p0)).isEqualTo(1L);

        // When the hanging job finishes after the revocation
        client.succeed("job-hanging");
        turnUntil(() -> attempts().size() == 2);
        worker.runOnce();

        // Then its attempt is still published (the router absorbs duplicates) but nothing is committed on p0
        assertThat(committed(p0)).isEqualTo(1L);
        client.succeed("job-other");
        turnUntil(() -> Long.valueOf(1).equals(committed(p1)));
    }

    @Test
    void shouldNotCallAJobStillQueuedWhenItsPartitionIsRevoked() {
        // Given a deployment with capacity 2 busy with two jobs, and a third job from partition 0 waiting
        startWorker();
        send(p1, "job-busy-1", nodeA, Instant.now().plusSeconds(60));
        send(p1, "job-busy-2", nodeA, Instant.now().plusSeconds(60));
        turnUntil(() -> client.started().size() == 2);
        send(p0, "job-waiting", nodeA, Instant.now().plusSeconds(60));
        turnUntil(() -> worker.outstanding() == 3);

        // When partition 0 is revoked and then a slot frees up
        consumer.rebalance(List.of(p1));
        worker.runOnce();
        client.succeed("job-busy-1");

        // Then the waiting job is left to the partition's new owner: never called, no attempt, not outstanding
        turnUntil(() -> worker.outstanding() == 1);
        assertThat(client.started()).containsExactly("job-busy-1", "job-busy-2");
        assertThat(attempts()).extracting(JobAttempt::getJobId).containsExactly("job-busy-1");
    }

    @Test
    void shouldPublishOneHeartbeatPerDeploymentWithItsLoad() {
        // Given two deployments, one with a call in flight
        startWorker(WorkerSettings.defaults(ProviderKind.GOLEM, "worker-test")
                .withIntervals(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(500)));
        send(p0, "job-1", nodeA, Instant.now().plusSeconds(60));
        turnUntil(() -> client.started().size() == 1);

        // When heartbeats are due
        turnUntil(() -> statusRecords().stream().map(r -> TestJobs.decodeStatus(topics, r.value()))
                .anyMatch(s -> s.getDeploymentId().equals("golem-a") && s.getInFlight() == 1 && s.getHealthy()));

        // Then each deployment has heartbeats keyed by its id, with price, capacity, models and worker id
        List<ProviderStatus> statuses = statusRecords().stream().map(r -> TestJobs.decodeStatus(topics, r.value())).toList();
        assertThat(statusRecords()).allSatisfy(r -> assertThat(r.key()).isIn("golem-a", "golem-b"));
        ProviderStatus a = statuses.stream().filter(s -> s.getDeploymentId().equals("golem-a") && s.getHealthy())
                .reduce((x, y) -> y).orElseThrow();
        assertThat(a.getCapacity()).isEqualTo(2);
        assertThat(a.getPricePerSecondUsd()).isEqualTo(0.0002);
        assertThat(a.getModels()).containsExactly(TestJobs.MODEL);
        assertThat(a.getWorkerId()).isEqualTo("worker-test");
        assertThat(a.getProbeLatencyMs()).isEqualTo(3L);
        assertThat(statuses).anyMatch(s -> s.getDeploymentId().equals("golem-b"));
    }

    @Test
    void shouldOpenTheCircuitOfAFailingDeploymentRefuseItsJobsWithoutCallingAndReportItUnhealthy() {
        // Given a healthy deployment whose circuit judges the last 10 calls once it has 3
        startWorker(WorkerSettings.defaults(ProviderKind.GOLEM, "worker-test")
                .withIntervals(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(500))
                .withCircuit(new CircuitSettings(CircuitSettings.WindowType.COUNT, 10, 3, 50f, Duration.ofSeconds(60), 1)));
        turnUntil(() -> worker.health("golem-b").healthy());

        // When three calls in a row fail with retryable errors
        for (int i = 0; i < 3; i++) {
            send(p0, "job-" + i);
        }
        turnUntil(() -> client.started().size() == 3);
        client.started().forEach(id -> client.fail(id, AttemptOutcome.RETRYABLE_FAILURE, "HTTP 503"));
        turnUntil(() -> attempts().size() == 3);

        // Then its circuit is open and its health false with a reason, while the other deployment is fine
        assertThat(worker.health("golem-b").circuitState()).isEqualTo(CircuitState.OPEN);
        assertThat(worker.health("golem-b").healthy()).isFalse();
        assertThat(worker.health("golem-b").error()).contains("circuit open").contains("HTTP 503");
        assertThat(worker.health("golem-a").healthy()).isTrue();
        assertThat(worker.health("golem-a").circuitState()).isEqualTo(CircuitState.CLOSED);

        // When another job for it arrives
        send(p0, "job-after");
        turnUntil(() -> attempts().size() == 4);

        // Then it is refused at once without a call: a retryable failure, so the router fails over
        assertThat(client.started()).doesNotContain("job-after");
        JobAttempt refused = attempts().get(3);
        assertThat(refused.getJobId()).isEqualTo("job-after");
        assertThat(refused.getOutcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(refused.getError()).isEqualTo("circuit open for golem-b");

        // And a heartbeat says so
        turnUntil(() -> statusRecords().stream().map(r -> TestJobs.decodeStatus(topics, r.value()))
                .anyMatch(st -> st.getDeploymentId().equals("golem-b") && st.getCircuitState() == CircuitState.OPEN
                        && !st.getHealthy()));
    }

    @Test
    void shouldWaitForCallsInFlightPublishTheirAttemptsAndCommitWhenClosed() {
        // Given a call in flight
        startWorker();
        send(p0, "job-1");
        turnUntil(() -> client.started().size() == 1);

        // When the worker closes while the call finishes shortly after
        Thread finisher = new Thread(() -> client.succeed("job-1"));
        finisher.start();
        worker.close(Duration.ofSeconds(5));

        // Then the attempt was published, the offset committed and the clients closed
        assertThat(attempts()).extracting(JobAttempt::getJobId).containsExactly("job-1");
        assertThat(committed(p0)).isEqualTo(1L);
        assertThat(consumer.closed()).isTrue();
        assertThat(producer.closed()).isTrue();
        assertThat(client.closed()).isTrue();
        worker = null;
    }

    /** Remembers what the worker tells its observer. */
    private static final class RecordingObserver implements WorkerObserver {
        private final List<ProviderStatus> statuses = new CopyOnWriteArrayList<>();
        private final List<JobAttempt> attempts = new CopyOnWriteArrayList<>();

        @Override
        public void statusPublished(ProviderStatus status) {
            statuses.add(status);
        }

        @Override
        public void attemptWritten(JobAttempt attempt) {
            attempts.add(attempt);
        }
    }

    @Test
    void shouldTellTheObserverOfEachHeartbeatAndOfAnAttemptOnlyOnceTheBrokerAcknowledgedIt() {
        // Given a worker whose producer acknowledges only when told, and a call in flight on node A
        RecordingObserver recording = new RecordingObserver();
        observer = recording;
        producer = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        startWorker(WorkerSettings.defaults(ProviderKind.GOLEM, "worker-test")
                .withIntervals(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(500)));
        send(p0, "job-1", nodeA, Instant.now().plusSeconds(60));
        turnUntil(() -> client.started().size() == 1);

        // Then heartbeats reach the observer with the deployment's load
        turnUntil(() -> recording.statuses.stream()
                .anyMatch(st -> st.getDeploymentId().equals("golem-a") && st.getInFlight() == 1));
        assertThat(recording.statuses).extracting(ProviderStatus::getDeploymentId).contains("golem-a", "golem-b");

        // When the call finishes and its attempt is sent but not yet acknowledged
        client.succeed("job-1");
        turnUntil(() -> attempts().size() == 1);

        // Then the observer has not been told of it
        assertThat(recording.attempts).isEmpty();

        // When the broker acknowledges everything sent so far
        while (producer.completeNext()) {
            // heartbeats and the attempt, in the order sent
        }
        turnUntil(() -> !recording.attempts.isEmpty());

        // Then the observer is told once, with the attempt as written
        assertThat(recording.attempts).singleElement().satisfies(a -> {
            assertThat(a.getJobId()).isEqualTo("job-1");
            assertThat(a.getDeploymentId()).isEqualTo("golem-a");
            assertThat(a.getOutcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        });
    }

    @Test
    void shouldKeepDeliveringWhenTheObserverFails() {
        // Given an observer that throws on everything
        observer = new WorkerObserver() {
            @Override
            public void statusPublished(ProviderStatus status) {
                throw new IllegalStateException("broken observer");
            }

            @Override
            public void attemptWritten(JobAttempt attempt) {
                throw new IllegalStateException("broken observer");
            }
        };
        startWorker();

        // When a job runs
        send(p0, "job-1");
        turnUntil(() -> client.started().size() == 1);
        client.succeed("job-1");

        // Then its attempt is still published and its offset committed
        turnUntil(() -> attempts().size() == 1 && Long.valueOf(1).equals(committed(p0)));
        assertThat(worker.failure()).isEmpty();
    }

    @Test
    void shouldPutTheJobIdInTheMdcOfAJobsLogLinesAndLeaveNoneBehind() {
        // Given the worker's log lines captured
        Logger logger = (Logger) LoggerFactory.getLogger(ProviderWorker.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            startWorker();

            // When one job is taken and its call finishes, and a record that is no job arrives
            send(p0, "job-1");
            turnUntil(() -> client.started().size() == 1);
            client.succeed("job-1");
            sendBytes(p1, "job-garbled", new byte[] {1, 2, 3});
            turnUntil(() -> attempts().size() == 2);

            // Then each of their log lines carries its job id under job_id
            List<ILoggingEvent> events = List.copyOf(appender.list);
            assertThat(events).filteredOn(e -> e.getFormattedMessage().startsWith("job taken"))
                    .singleElement().satisfies(e -> assertThat(e.getMDCPropertyMap()).containsEntry("job_id", "job-1"));
            assertThat(events).filteredOn(e -> e.getFormattedMessage().startsWith("attempt finished"))
                    .singleElement().satisfies(e -> assertThat(e.getMDCPropertyMap()).containsEntry("job_id", "job-1"));
            assertThat(events).filteredOn(e -> e.getFormattedMessage().startsWith("undecodable job record"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getMDCPropertyMap()).containsEntry("job_id", "job-garbled"));
            // and the worker's other lines, and this thread afterwards, carry none
            assertThat(events).filteredOn(e -> e.getFormattedMessage().startsWith("partitions assigned"))
                    .isNotEmpty().allSatisfy(e -> assertThat(e.getMDCPropertyMap()).doesNotContainKey("job_id"));
            assertThat(MDC.get("job_id")).isNull();
        } finally {
            logger.detachAppender(appender);
        }
    }
}
