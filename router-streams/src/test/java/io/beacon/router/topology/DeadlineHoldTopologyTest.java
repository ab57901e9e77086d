package io.beacon.router.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.dashboard.ResultStats;
import io.beacon.ops.metrics.InferenceMeters;
import io.beacon.ops.metrics.OpsMetrics;
import io.beacon.router.RouterConfig;
import io.beacon.router.RouterStreamsProperties;
import io.beacon.router.monitoring.RouterTelemetry;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.JobPhase;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.LatencyClass;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batch jobs held for the baseline tier on the real topology: held durably, released as capacity frees, released
 * to serverless when the baseline can no longer finish them in time, and kept across a restart.
 */
class DeadlineHoldTopologyTest {

    private static final Instant START = Instant.parse("2026-12-01T12:00:00Z");
    private static final String MODEL = "llama3.2:1b";
    private static final Duration BATCH_DEADLINE = Duration.ofMinutes(30);

    private Instant clock = START;
    private WireFormatSerdeProvider serdes;
    private Topics topics;
    private OpsMetrics metrics;
    private final ResultStats resultStats = new ResultStats();
    private TopologyTestDriver driver;
    private TestInputTopic<String, InferenceRequest> requests;
    private TestInputTopic<String, JobAttempt> attempts;
    private TestInputTopic<String, ProviderStatus> status;
    private TestOutputTopic<String, RoutedJob> golem;
    private TestOutputTopic<String, RoutedJob> modal;
    private TestOutputTopic<String, InferenceResult> results;
    private final List<String> rules = new ArrayList<>();

    @BeforeEach
    void start() {
        serdes = new WireFormatSerdeProvider();
        serdes.configure(Map.of("schema.registry.url", "mem://deadline-hold-test-" + UUID.randomUUID()));
        topics = Topics.create(TopicNames.defaults(), serdes);
        metrics = OpsMetrics.create("router");
        startDriver();
    }

    private void startDriver() {
        Properties props = RouterStreamsProperties.forTopology("router-test", "dummy:9092", topics, "at_least_once",
                100, null);
        RouterTelemetry telemetry = new RouterTelemetry(new InferenceMeters(metrics.registry()), resultStats,
                Clock.fixed(START, ZoneOffset.UTC));
        driver = new TopologyTestDriver(RouterTopology.build(RouterConfig.defaultSettings(), topics, serdes,
                kind -> java.util.Optional.empty(), new RoutingEvents() {
                    @Override
                    public void routed(RoutedJob job, String rule, ProviderKind failoverFrom) {
                        rules.add(job.getJobId() + " " + rule);
                    }

                    @Override
                    public void held(int partition, int jobs) {
                        telemetry.held(partition, jobs);
                    }
                }), props, clock);
        requests = driver.createInputTopic(topics.requests().name(), new StringSerializer(),
                topics.requests().valueSerde().serializer());
        attempts = driver.createInputTopic(topics.attempts().name(), new StringSerializer(),
                topics.attempts().valueSerde().serializer());
        status = driver.createInputTopic(topics.status().name(), new StringSerializer(),
                topics.status().valueSerde().serializer());
        golem = output(ProviderKind.GOLEM);
        modal = output(ProviderKind.MODAL);
        results = driver.createOutputTopic(topics.results().name(), topics.results().keySerde().deserializer(),
                topics.results().valueSerde().deserializer());
    }

    private TestOutputTopic<String, RoutedJob> output(ProviderKind kind) {
        return driver.createOutputTopic(topics.providerJobs(kind).name(), topics.providerJobs(kind).keySerde().deserializer(),
                topics.providerJobs(kind).valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
        metrics.close();
        serdes.close();
    }

    @Test
    void shouldHoldBatchJobsBeyondTheBaselinesShortQueueAndReleaseThemAsCapacityFrees() {
        // Given a Golem node with 2 slots and a free Modal deployment
        heartbeats(0);

        // When a benchmark run of 6 batch jobs arrives at once
        for (int i = 1; i <= 6; i++) {
            requests.pipeInput("job-" + i, batch("job-" + i).build(), clock);
        }

        // Then 2 take the free slots, 2 join the node's short queue (one wave), 2 are held; none goes to Modal
        assertThat(golem.readValuesToList()).extracting(RoutedJob::getJobId)
                .containsExactly("job-1", "job-2", "job-3", "job-4");
        assertThat(rules).containsExactly("job-1 baseline", "job-2 baseline", "job-3 baseline_queue",
                "job-4 baseline_queue");
        assertThat(modal.isEmpty()).isTrue();
        JobState held = job("job-5");
        assertThat(held.getPhase()).isEqualTo(JobPhase.HELD);
        assertThat(held.getHoldReason()).contains("held for the baseline", "predicted start on the baseline");
        assertThat(held.getPredictedStart()).isAfter(START);
        assertThat(held.getReleaseBy()).isBefore(START.plus(BATCH_DEADLINE).minusSeconds(60));
        assertThat(holdStore()).hasSize(2);
        assertThat(gauge()).isEqualTo(2.0);
        assertThat(resultStats.toJson(START.toEpochMilli()).get("totals").get("held").asLong()).isEqualTo(2);

        // When the node's next heartbeat shows its slots free again
        advance(Duration.ofSeconds(1));
        heartbeats(0);
        advance(Duration.ofSeconds(1));

        // Then the held jobs go to Golem, earliest deadline first, and the hold is empty
        assertThat(golem.readValuesToList()).extracting(RoutedJob::getJobId).containsExactly("job-5", "job-6");
        assertThat(job("job-5").getPhase()).isEqualTo(JobPhase.ROUTED);
        assertThat(job("job-5").getHeldAt()).isEqualTo(START);
        assertThat(holdStore()).isEmpty();
        assertThat(gauge()).isZero();
        assertThat(modal.isEmpty()).isTrue();
    }

    @Test
    void shouldReleaseAHeldJobToServerlessAtItsLatestRelease() {
        heartbeats(4);
        requests.pipeInput("job-1", batch("job-1").build(), clock);
        JobState held = job("job-1");
        assertThat(held.getPhase()).isEqualTo(JobPhase.HELD);

        // When the baseline stays full until the job's latest release
        advance(Duration.between(clock, held.getReleaseBy()).minusSeconds(2));
        heartbeats(4);
        advance(Duration.ofSeconds(3));

        // Then it goes to serverless, still before its deadline, and is no longer held
        RoutedJob routed = modal.readValue();
        assertThat(routed.getJobId()).isEqualTo("job-1");
        assertThat(routed.getReason()).contains("batch, the baseline cannot finish it in time");
        assertThat(clock).isBefore(held.getDeadline().minusSeconds(60));
        assertThat(job("job-1").getPhase()).isEqualTo(JobPhase.ROUTED);
        assertThat(holdStore()).isEmpty();
        assertThat(golem.isEmpty()).isTrue();
    }

    @Test
    void shouldReleaseHeldJobsToServerlessOnceTheBaselineCannotTakeThem() {
        heartbeats(4);
        requests.pipeInput("job-1", batch("job-1").build(), clock);
        requests.pipeInput("job-2", batch("job-2").build(), clock);
        assertThat(holdStore()).hasSize(2);

        // When the Golem node turns unhealthy
        advance(Duration.ofSeconds(1));
        heartbeat("golem-a", ProviderKind.GOLEM, 2, 4, false);
        heartbeat("modal-a", ProviderKind.MODAL, 8, 0, true);
        advance(Duration.ofSeconds(1));

        // Then both held jobs go to Modal at the next scan, not at their latest release
        assertThat(modal.readValuesToList()).extracting(RoutedJob::getJobId).containsExactly("job-1", "job-2");
        assertThat(holdStore()).isEmpty();
    }

    @Test
    void shouldNeverLoseAHeldJobWhoseDeadlinePassesWithNowhereToGo() {
        heartbeats(4);
        requests.pipeInput("job-1", batch("job-1").setDeadline(START.plusSeconds(75)).build(), clock);
        // 75 s deadline, 60 s margin: held only while the baseline is predicted to finish it within 15 s
        assertThat(job("job-1").getPhase()).isEqualTo(JobPhase.HELD);

        // When every heartbeat goes stale and the deadline passes
        for (int i = 0; i < 16; i++) {
            advance(Duration.ofSeconds(5));
        }

        // Then exactly one failed result says why
        List<InferenceResult> out = results.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getSuccess()).isFalse();
        assertThat(holdStore()).isEmpty();
    }

    @Test
    void shouldKeepHeldJobsAcrossARestartAndReleaseThemAfterIt() {
        heartbeats(4);
        requests.pipeInput("job-1", batch("job-1").build(), clock);
        requests.pipeInput("job-2", batch("job-2").build(), clock);
        assertThat(holdStore()).hasSize(2);

        // When the router restarts: the new instance's stores are restored from their changelog topics
        List<TestRecord<String, JobState>> jobLog = driver.createOutputTopic(changelog(RouterNames.JOB_STATE_STORE),
                new StringDeserializer(), serdes.valueSerde(JobState.class).deserializer()).readRecordsToList();
        List<TestRecord<String, String>> timerLog = driver.createOutputTopic(changelog(RouterNames.JOB_TIMER_STORE),
                new StringDeserializer(), new StringDeserializer()).readRecordsToList();
        List<TestRecord<String, String>> holdLog = driver.createOutputTopic(changelog(RouterNames.JOB_HOLD_STORE),
                new StringDeserializer(), new StringDeserializer()).readRecordsToList();
        assertThat(holdLog).extracting(TestRecord::value).containsExactly("job-1", "job-2");
        driver.close();
        gaugeReset();
        startDriver();
        restore(RouterNames.JOB_STATE_STORE, jobLog);
        restore(RouterNames.JOB_TIMER_STORE, timerLog);
        restore(RouterNames.JOB_HOLD_STORE, holdLog);

        // Then the held jobs are still held, counted once the task runs, and released when the baseline frees
        assertThat(holdStore()).hasSize(2);
        advance(Duration.ofSeconds(1));
        assertThat(gauge()).isEqualTo(2.0);
        assertThat(job("job-2").getPhase()).isEqualTo(JobPhase.HELD);
        assertThat(job("job-1").getPhase()).isEqualTo(JobPhase.HELD);
        advance(Duration.ofSeconds(1));
        heartbeats(0);
        advance(Duration.ofSeconds(1));
        assertThat(golem.readValuesToList()).extracting(RoutedJob::getJobId).containsExactly("job-1", "job-2");
        assertThat(holdStore()).isEmpty();
        assertThat(gauge()).isZero();
    }

    @Test
    void shouldFailAFailoverWithNoDeploymentLeftUnderTheMaxPrice() {
        heartbeats(0);
        requests.pipeInput("job-1", request("job-1").setMaxPricePerInferenceUsd(0.0002).build(), clock);
        RoutedJob first = golem.readValue();

        // When the Golem attempt fails and only Modal, over the job's max price when cold, is left
        attempts.pipeInput("job-1", JobAttempt.newBuilder().setJobId("job-1").setDeploymentId(first.getDeploymentId())
                .setProvider(first.getProvider()).setRegion(first.getRegion()).setAttempt(1)
                .setOutcome(AttemptOutcome.RETRYABLE_FAILURE).setError("connection reset")
                .setStartedAt(clock).setFinishedAt(clock).setProviderTimeMs(10).setBilledSeconds(0.01)
                .setCostEstimateUsd(0.000001).setWorkerId("w").build(), clock);

        // Then the job fails at once, saying the max price held across the fallback
        List<InferenceResult> out = results.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getError()).contains("no deployment left under the job's max price", "connection reset");
        assertThat(modal.isEmpty()).isTrue();
    }

    private static String changelog(String store) {
        return "router-test-" + store + "-changelog";
    }

    /** What Streams' restore does for a restarted task: the changelog replayed into the empty store. */
    private <V> void restore(String store, List<TestRecord<String, V>> log) {
        KeyValueStore<String, V> target = driver.getKeyValueStore(store);
        for (TestRecord<String, V> entry : log) {
            if (entry.value() == null) {
                target.delete(entry.key());
            } else {
                target.put(entry.key(), entry.value());
            }
        }
    }

    /** A restarted instance starts its gauge afresh. */
    private void gaugeReset() {
        metrics.close();
        metrics = OpsMetrics.create("router");
    }

    private JobState job(String id) {
        return driver.<String, JobState>getKeyValueStore(RouterNames.JOB_STATE_STORE).get(id);
    }

    private List<String> holdStore() {
        KeyValueStore<String, String> holds = driver.getKeyValueStore(RouterNames.JOB_HOLD_STORE);
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<String, String> all = holds.all()) {
            all.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    private double gauge() {
        return metrics.registry().get(InferenceMeters.JOBS_HELD).gauge().value();
    }

    private void heartbeats(int golemInFlight) {
        heartbeat("golem-a", ProviderKind.GOLEM, 2, golemInFlight, true);
        heartbeat("modal-a", ProviderKind.MODAL, 8, 0, true);
    }

    private void heartbeat(String id, ProviderKind kind, int capacity, int inFlight, boolean healthy) {
        status.pipeInput(id, ProviderStatus.newBuilder().setDeploymentId(id).setProvider(kind).setRegion("eu-central")
                .setModels(List.of(MODEL)).setPricePerSecondUsd(kind == ProviderKind.GOLEM ? 0.0001 : 0.000164)
                .setCapacity(capacity).setInFlight(inFlight).setHealthy(healthy).setObservedAt(clock)
                .setWorkerId("w").build(), clock);
    }

    private InferenceRequest.Builder batch(String id) {
        return request(id).setLatencyClass(LatencyClass.BATCH).setDeadline(clock.plus(BATCH_DEADLINE));
    }

    private InferenceRequest.Builder request(String id) {
        return InferenceRequest.newBuilder().setJobId(id).setModel(MODEL).setPrompt("Is this sentence biased?")
                .setCreatedAt(clock);
    }

    private void advance(Duration duration) {
        clock = clock.plus(duration);
        driver.advanceWallClockTime(duration);
    }
}
