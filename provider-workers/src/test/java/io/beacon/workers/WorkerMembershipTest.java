package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.DeploymentSpec;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.topics.Topics;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.RecordCodec;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deployments joining, changing and leaving a running worker (records of the deployments topic, offered as the
 * reader would), driven turn by turn with Kafka's mock clients and a scripted provider: a new deployment gets
 * jobs, a retired one gets none, its queued jobs fail over without a call, its calls in flight finish, and it
 * is reported RETIRED and then deleted from provider-status.
 */
class WorkerMembershipTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Topics topics = TestJobs.topics();
    private final String jobsTopic = topics.providerJobs(ProviderKind.GOLEM).name();
    private final TopicPartition p0 = new TopicPartition(jobsTopic, 0);
    private final DeploymentEndpoint nodeA = TestJobs.deployment("golem-a", ProviderKind.GOLEM,
            URI.create("http://127.0.0.1:1"), 2);
    private final DeploymentEndpoint nodeB = TestJobs.deployment("golem-b", ProviderKind.GOLEM,
            URI.create("http://127.0.0.1:2"), 2);
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();

    private MockConsumer<String, byte[]> consumer;
    private MockProducer<String, byte[]> producer;
    private ScriptedClient client;
    private ProviderWorker worker;

    /** Parses entries as the worker's own resolver does, with fixed defaults. */
    private static DeploymentEndpoint resolve(DeploymentSpec spec) {
        return DeploymentEndpoints.parse(ProviderKind.GOLEM, spec.getEntry(),
                DeploymentEndpoints.Defaults.of(Duration.ofSeconds(10)), "test").get(0);
    }

    @BeforeEach
    void startWorker() {
        consumer = new MockConsumer<>("earliest");
        producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        client = new ScriptedClient(ProviderKind.GOLEM);
        WorkerSettings settings = WorkerSettings.defaults(ProviderKind.GOLEM, "worker-test")
                .withIntervals(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(50));
        worker = new ProviderWorker(settings, List.of(nodeA, nodeB), client, consumer, producer,
                RecordCodec.of(topics, ProviderKind.GOLEM), Clock.systemUTC())
                .resolveDeploymentsWith(WorkerMembershipTest::resolve);
        worker.runOnce();
        consumer.rebalance(List.of(p0));
        consumer.updateBeginningOffsets(Map.of(p0, 0L));
        worker.runOnce();
    }

    @AfterEach
    void stopWorker() {
        worker.close(Duration.ofSeconds(1));
    }

    private static DeploymentSpec spec(String id, String entry, boolean retired) {
        return DeploymentSpec.newBuilder().setDeploymentId(id).setProvider(ProviderKind.GOLEM).setEntry(entry)
                .setRetired(retired).setUpdatedAt(Instant.now()).setUpdatedBy("test").build();
    }

    private void send(String jobId, String deploymentId) {
        DeploymentEndpoint target = TestJobs.deployment(deploymentId, ProviderKind.GOLEM, URI.create("http://x:1"), 1);
        long offset = nextOffset.merge(p0, 1L, Long::sum) - 1;
        consumer.addRecord(new ConsumerRecord<>(jobsTopic, 0, offset, jobId,
                TestJobs.encode(topics, TestJobs.promptJob(jobId, target, Instant.now().plusSeconds(60)))));
    }

    private void turnUntil(Callable<Boolean> condition) {
        await().atMost(WAIT).pollInSameThread().until(() -> {
            worker.runOnce();
            return condition.call();
        });
    }

    private Optional<JobAttempt> attempt(String jobId) {
        return producer.history().stream().filter(r -> r.topic().equals(topics.attempts().name()))
                .map(r -> TestJobs.decodeAttempt(topics, r.value())).filter(a -> a.getJobId().equals(jobId))
                .findFirst();
    }

    private List<ProducerRecord<String, byte[]>> statusRecords(String deploymentId) {
        return producer.history().stream().filter(r -> r.topic().equals(topics.status().name())
                && r.key().equals(deploymentId)).toList();
    }

    private Optional<ProviderStatus> lastStatus(String deploymentId) {
        List<ProducerRecord<String, byte[]>> records = statusRecords(deploymentId);
        return records.isEmpty() || records.get(records.size() - 1).value() == null ? Optional.empty()
                : Optional.of(TestJobs.decodeStatus(topics, records.get(records.size() - 1).value()));
    }

    @Test
    void shouldCallADeploymentThatJoinsWhileTheWorkerRuns() {
        // Given a job for a node the worker does not know yet: failed over, not lost
        send("early", "golem-c");
        turnUntil(() -> attempt("early").isPresent());
        assertThat(attempt("early").orElseThrow().getOutcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);

        // When the deployments topic adds it
        worker.offer("golem-c", spec("golem-c", "golem-c=http://127.0.0.1:3;region=us-west;capacity=3", false));
        worker.runOnce();

        // Then it serves, is heartbeated and accounted, and its jobs are called
        assertThat(worker.deployments()).extracting(DeploymentEndpoint::id).contains("golem-c");
        assertThat(worker.ledger().knows("golem-c")).isTrue();
        send("late", "golem-c");
        turnUntil(() -> client.started().contains("late"));
        turnUntil(() -> lastStatus("golem-c").isPresent());
        assertThat(lastStatus("golem-c").orElseThrow().getRegion()).isEqualTo("us-west");
        assertThat(lastStatus("golem-c").orElseThrow().getCapacity()).isEqualTo(3);
    }

    @Test
    void shouldFailQueuedJobsOverLetCallsInFlightFinishAndThenForgetARetiredDeployment() {
        // Given four jobs on node A (capacity 2): two called, two queued
        for (int i = 0; i < 4; i++) {
            send("job-" + i, "golem-a");
        }
        turnUntil(() -> client.started().size() == 2);

        // When the deployments topic retires node A
        worker.offer("golem-a", spec("golem-a", "golem-a=http://127.0.0.1:1", true));
        worker.runOnce();

        // Then the queued jobs fail over at once, without a call, saying why
        turnUntil(() -> attempt("job-2").isPresent() && attempt("job-3").isPresent());
        for (String queued : List.of("job-2", "job-3")) {
            JobAttempt a = attempt(queued).orElseThrow();
            assertThat(a.getOutcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
            assertThat(a.getError()).contains("golem-a left the fleet before the call started")
                    .contains("retired by the deployments topic");
        }
        // and a job that still names it is not called either
        send("job-after", "golem-a");
        turnUntil(() -> attempt("job-after").isPresent());
        assertThat(attempt("job-after").orElseThrow().getOutcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(client.started()).containsExactly("job-0", "job-1");
        assertThat(worker.deployments()).extracting(DeploymentEndpoint::id).containsExactly("golem-b");

        // and its heartbeats say RETIRED while its calls run
        turnUntil(() -> lastStatus("golem-a").map(s -> s.getCondition() == DeploymentCondition.RETIRED).orElse(false));
        ProviderStatus retired = lastStatus("golem-a").orElseThrow();
        assertThat(retired.getHealthy()).isFalse();
        assertThat(retired.getError()).contains("retired by the deployments topic");
        assertThat(retired.getInFlight()).isEqualTo(2);

        // When the calls in flight finish
        client.succeed("job-0");
        client.succeed("job-1");

        // Then their attempts are published as usual, and the deployment's status is deleted (a tombstone)
        turnUntil(() -> attempt("job-0").isPresent() && attempt("job-1").isPresent());
        assertThat(attempt("job-0").orElseThrow().getOutcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        turnUntil(() -> {
            List<ProducerRecord<String, byte[]>> records = statusRecords("golem-a");
            return records.get(records.size() - 1).value() == null;
        });
        int count = statusRecords("golem-a").size();
        for (int i = 0; i < 5; i++) {
            worker.runOnce();
        }
        assertThat(statusRecords("golem-a")).as("no heartbeat after the tombstone").hasSize(count);
        assertThat(worker.inFlight("golem-a")).isZero();
    }

    @Test
    void shouldBringBackTheEnvironmentsEntryWhenTheTopicsRecordIsDeleted() {
        worker.offer("golem-b", spec("golem-b", "golem-b=http://127.0.0.1:2", true));
        worker.runOnce();
        assertThat(worker.deployments()).extracting(DeploymentEndpoint::id).containsExactly("golem-a");

        worker.offer("golem-b", null);
        worker.runOnce();

        assertThat(worker.deployments()).extracting(DeploymentEndpoint::id).containsExactlyInAnyOrder("golem-a",
                "golem-b");
        send("job-b", "golem-b");
        turnUntil(() -> client.started().contains("job-b"));
    }

    @Test
    void shouldResizeAChangedDeploymentsLane() {
        for (int i = 0; i < 4; i++) {
            send("job-" + i, "golem-b");
        }
        turnUntil(() -> client.started().size() == 2);

        worker.offer("golem-b", spec("golem-b", "golem-b=http://127.0.0.1:2;capacity=4", false));
        worker.runOnce();

        turnUntil(() -> client.started().size() == 4);
        assertThat(worker.deployments()).filteredOn(d -> d.id().equals("golem-b")).singleElement()
                .satisfies(d -> assertThat(d.capacity()).isEqualTo(4));
    }

    @Test
    void shouldKeepTheCurrentEntryWhenTheWorkerRefusesTheTopicsRecord() {
        worker.offer("golem-b", spec("golem-b", "golem-b=ftp://127.0.0.1:2", false));
        worker.runOnce();

        assertThat(worker.deployments()).containsExactly(nodeA, nodeB);
    }
}
