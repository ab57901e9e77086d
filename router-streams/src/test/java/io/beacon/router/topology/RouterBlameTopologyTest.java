package io.beacon.router.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.dashboard.ResultStats;
import io.beacon.ops.metrics.InferenceMeters;
import io.beacon.ops.metrics.OpsMetrics;
import io.beacon.router.RouterConfig;
import io.beacon.router.RouterStreamsProperties;
import io.beacon.router.monitoring.RouterTelemetry;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CandidateScore;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.Topics;
import io.beacon.testsupport.PrometheusText;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whose fault a failed attempt was decides what the router does: a deployment's fault (misconfigured: credentials
 * refused, model missing; or unhealthy) fails the job over and counts against the deployment, the request's fault
 * ends the job with the reason; a deployment whose heartbeat says MISCONFIGURED or RETIRED gets no jobs; a request
 * without a value is dead-lettered with a reason instead of vanishing.
 */
class RouterBlameTopologyTest {

    private static final Instant START = Instant.parse("2026-12-01T09:00:00Z");
    private static final String MODEL = "llama3.2:1b";

    private Instant clock = START;
    private WireFormatSerdeProvider serdes;
    private OpsMetrics metrics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, InferenceRequest> requests;
    private TestInputTopic<String, byte[]> rawRequests;
    private TestInputTopic<String, JobAttempt> attempts;
    private TestInputTopic<String, ProviderStatus> status;
    private Map<ProviderKind, TestOutputTopic<String, RoutedJob>> routed;
    private TestOutputTopic<String, InferenceResult> results;
    private TestOutputTopic<byte[], byte[]> dlq;

    @BeforeEach
    void startDriver() {
        serdes = new WireFormatSerdeProvider();
        serdes.configure(Map.of("schema.registry.url", "mem://router-blame-test-" + UUID.randomUUID()));
        Topics topics = Topics.create(TopicNames.defaults(), serdes);
        Properties props = RouterStreamsProperties.forTopology("router-blame-test", "dummy:9092", topics,
                "at_least_once", 100, null);
        metrics = OpsMetrics.create("router");
        RouterTelemetry telemetry = new RouterTelemetry(new InferenceMeters(metrics.registry()), new ResultStats(),
                Clock.fixed(START, ZoneOffset.UTC));
        driver = new TopologyTestDriver(RouterTopology.build(RouterConfig.defaultSettings(), topics, serdes,
                kind -> java.util.Optional.empty(), telemetry), props, START);
        requests = driver.createInputTopic(topics.requests().name(), new StringSerializer(),
                topics.requests().valueSerde().serializer());
        rawRequests = driver.createInputTopic(topics.requests().name(), new StringSerializer(), new ByteArraySerializer());
        attempts = driver.createInputTopic(topics.attempts().name(), new StringSerializer(),
                topics.attempts().valueSerde().serializer());
        status = driver.createInputTopic(topics.status().name(), new StringSerializer(),
                topics.status().valueSerde().serializer());
        routed = Map.of(
                ProviderKind.GOLEM, driver.createOutputTopic(topics.providerJobs(ProviderKind.GOLEM).name(),
                        topics.providerJobs(ProviderKind.GOLEM).keySerde().deserializer(),
                        topics.providerJobs(ProviderKind.GOLEM).valueSerde().deserializer()),
                ProviderKind.MODAL, driver.createOutputTopic(topics.providerJobs(ProviderKind.MODAL).name(),
                        topics.providerJobs(ProviderKind.MODAL).keySerde().deserializer(),
                        topics.providerJobs(ProviderKind.MODAL).valueSerde().deserializer()));
        results = driver.createOutputTopic(topics.results().name(), topics.results().keySerde().deserializer(),
                topics.results().valueSerde().deserializer());
        dlq = driver.createOutputTopic(topics.requestsDlq().name(), topics.requestsDlq().keySerde().deserializer(),
                topics.requestsDlq().valueSerde().deserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
        metrics.close();
        serdes.close();
    }

    @Test
    void shouldFailOverWhenTheDeploymentIsMisconfiguredAndOpenTheRoutersCircuitAtOnce() {
        // Given a Golem node and a Modal endpoint, both serving
        heartbeat("golem-eu-1", ProviderKind.GOLEM, DeploymentCondition.SERVING, null);
        heartbeat("modal-us-east", ProviderKind.MODAL, DeploymentCondition.SERVING, null);
        requests.pipeInput("job-1", request("job-1"), now());
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();

        // When the node answers that it does not have the model (the deployment's set-up, not the job's)
        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.RETRYABLE_FAILURE, FailureBlame.MISCONFIGURED,
                "deployment misconfigured (model not found on this deployment): ollama returned HTTP 404: model"
                        + " \"llama3.2:1b\" not found, try pulling it first"), now());

        // Then the job fails over to the other provider and succeeds there
        RoutedJob second = routed.get(ProviderKind.MODAL).readValue();
        assertThat(second.getAttempt()).isEqualTo(2);
        assertThat(results.isEmpty()).isTrue();
        attempts.pipeInput("job-1", attempt(second, AttemptOutcome.SUCCEEDED, null, null), now());
        InferenceResult result = results.readValue();
        assertThat(result.getSuccess()).isTrue();
        assertThat(result.getRoute()).containsExactly("golem-eu-1", "modal-us-east");

        // And the router counts the failure against the node and closes its own circuit on it at once
        DeploymentStats stats = driver.<String, DeploymentStats>getKeyValueStore(RouterNames.DEPLOYMENT_STATS_STORE)
                .get("golem-eu-1");
        assertThat(stats.getRetryableFailures()).isEqualTo(1);
        assertThat(stats.getPermanentFailures()).isZero();
        assertThat(stats.getErrorRate()).isPositive();
        assertThat(stats.getOpenUntil()).as("one misconfigured answer opens the router's circuit").isAfter(now());
        assertThat(sample("beacon_attempt_failures_total", Map.of("provider", "golem", "blame", "misconfigured")))
                .isEqualTo(1.0);
    }

    @Test
    void shouldEndTheJobWithTheReasonWhenTheRequestIsAtFault() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, DeploymentCondition.SERVING, null);
        heartbeat("modal-us-east", ProviderKind.MODAL, DeploymentCondition.SERVING, null);
        requests.pipeInput("job-1", request("job-1"), now());
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();

        // When the deployment rejects the request itself: it is longer than the model's context
        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.PERMANENT_FAILURE, FailureBlame.REQUEST,
                "request rejected (context length exceeded): modal returned HTTP 400: This model's maximum context"
                        + " length is 2048 tokens"), now());

        // Then the job ends at once with the reason, and no other deployment is tried
        InferenceResult result = results.readValue();
        assertThat(result.getSuccess()).isFalse();
        assertThat(result.getError()).contains("the request's fault").contains("context length exceeded");
        assertThat(routed.get(ProviderKind.MODAL).isEmpty()).isTrue();
        // And the deployment is not blamed for it
        DeploymentStats stats = driver.<String, DeploymentStats>getKeyValueStore(RouterNames.DEPLOYMENT_STATS_STORE)
                .get("golem-eu-1");
        assertThat(stats.getPermanentFailures()).isEqualTo(1);
        assertThat(stats.getErrorRate()).isZero();
        assertThat(stats.getOpenUntil()).isNull();
        assertThat(sample("beacon_attempt_failures_total", Map.of("provider", "golem", "blame", "request")))
                .isEqualTo(1.0);
    }

    @Test
    void shouldRouteNoJobToAMisconfiguredOrRetiredDeploymentAndSayWhy() {
        // Given a node out for its credentials (its worker's heartbeat says so, even were it to claim healthy),
        // a retired node, and a serving Modal endpoint
        heartbeat("golem-eu-1", ProviderKind.GOLEM, DeploymentCondition.MISCONFIGURED,
                "deployment misconfigured (credentials refused): HTTP 401", true);
        heartbeat("golem-eu-2", ProviderKind.GOLEM, DeploymentCondition.RETIRED, "removed from the fleet");
        heartbeat("modal-us-east", ProviderKind.MODAL, DeploymentCondition.SERVING, null);

        // When a cost-priority job arrives (Golem would be preferred)
        requests.pipeInput("job-1", request("job-1"), now());

        // Then it goes to Modal, and the candidates say why the nodes were passed over
        RoutedJob job = routed.get(ProviderKind.MODAL).readValue();
        assertThat(routed.get(ProviderKind.GOLEM).isEmpty()).isTrue();
        Map<String, String> notes = job.getCandidates().stream()
                .collect(java.util.stream.Collectors.toMap(CandidateScore::getDeploymentId, CandidateScore::getNote));
        assertThat(notes.get("golem-eu-1")).startsWith("misconfigured: ").contains("credentials refused");
        assertThat(notes.get("golem-eu-2")).isEqualTo("retired: removed from the fleet");
        // And the condition gauges show both out
        assertThat(sample("beacon_deployment_condition", Map.of("deployment", "golem-eu-1", "provider", "golem",
                "condition", "misconfigured"))).isEqualTo(1.0);
        assertThat(sample("beacon_deployment_condition", Map.of("deployment", "golem-eu-1", "provider", "golem",
                "condition", "serving"))).isEqualTo(0.0);
        assertThat(sample("beacon_deployment_condition", Map.of("deployment", "golem-eu-2", "provider", "golem",
                "condition", "retired"))).isEqualTo(1.0);
        assertThat(sample("beacon_deployment_condition", Map.of("deployment", "modal-us-east", "provider", "modal",
                "condition", "serving"))).isEqualTo(1.0);
    }

    @Test
    void shouldTakeAMisconfiguredDeploymentBackWhenItsHeartbeatSaysItServesAgain() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, DeploymentCondition.MISCONFIGURED, "credentials refused");
        requests.pipeInput("job-1", request("job-1"), now());
        assertThat(routed.get(ProviderKind.GOLEM).isEmpty()).as("waits: nothing else serves the model").isTrue();

        // When a probe showed it fixed and the worker says so
        advance(Duration.ofMillis(200));
        heartbeat("golem-eu-1", ProviderKind.GOLEM, DeploymentCondition.SERVING, null);
        advance(Duration.ofSeconds(1));

        // Then the waiting job goes there
        assertThat(routed.get(ProviderKind.GOLEM).readValue().getJobId()).isEqualTo("job-1");
    }

    @Test
    void shouldDeadLetterARequestWithoutAValueWithTheReasonAndKeepRouting() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, DeploymentCondition.SERVING, null);

        // When a null value arrives on inference-requests between two good requests
        requests.pipeInput("job-1", request("job-1"), now());
        rawRequests.pipeInput(new TestRecord<>("job-null", null, now()));
        requests.pipeInput("job-2", request("job-2"), now());

        // Then it is in the dead-letter topic under its key, with the reason and where it came from
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("job-null");
        assertThat(dead.value()).isNull();
        assertThat(header(dead, "__streams.errors.exception")).isEqualTo(RequestTagger.NO_VALUE);
        assertThat(header(dead, "__streams.errors.message")).contains("has no value");
        assertThat(header(dead, "__streams.errors.topic")).isEqualTo("inference-requests");
        assertThat(header(dead, "__streams.errors.partition")).isEqualTo("0");
        assertThat(header(dead, "__streams.errors.offset")).isEqualTo("1");
        assertThat(dlq.isEmpty()).isTrue();
        // And the good requests around it are routed, and no result is made up for it
        assertThat(routed.get(ProviderKind.GOLEM).readValuesToList()).extracting(RoutedJob::getJobId)
                .containsExactly("job-1", "job-2");
        assertThat(results.isEmpty()).isTrue();
        KeyValueStore<String, ?> jobs = driver.getKeyValueStore(RouterNames.JOB_STATE_STORE);
        assertThat(jobs.get("job-null")).isNull();
    }

    @Test
    void shouldDeadLetterEmptyBytesThroughTheDeserializationHandler() {
        rawRequests.pipeInput(new TestRecord<>("job-empty", new byte[0], now()));

        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("job-empty");
        assertThat(dead.value()).isEmpty();
        assertThat(header(dead, "__streams.errors.exception")).isNotBlank();
        assertThat(header(dead, "__streams.errors.message")).isNotBlank();
    }

    private double sample(String name, Map<String, String> labels) {
        return PrometheusText.parse(metrics.scrape(null)).samples().stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(PrometheusText.Sample::value).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels));
    }

    private static String header(TestRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private Instant now() {
        return clock;
    }

    private void advance(Duration duration) {
        clock = clock.plus(duration);
        driver.advanceWallClockTime(duration);
    }

    private void heartbeat(String id, ProviderKind kind, DeploymentCondition condition, String error) {
        heartbeat(id, kind, condition, error, condition == DeploymentCondition.SERVING);
    }

    private void heartbeat(String id, ProviderKind kind, DeploymentCondition condition, String error, boolean healthy) {
        status.pipeInput(id, ProviderStatus.newBuilder().setDeploymentId(id).setProvider(kind).setRegion("eu-central")
                .setModels(List.of(MODEL)).setPricePerSecondUsd(kind == ProviderKind.GOLEM ? 0.0001 : 0.000164)
                .setCapacity(4).setInFlight(0).setHealthy(healthy).setCondition(condition).setError(error)
                .setObservedAt(now()).setWorkerId("test-worker").build(), now());
    }

    private InferenceRequest request(String id) {
        return InferenceRequest.newBuilder().setJobId(id).setModel(MODEL).setPrompt("Is this sentence biased?")
                .setCreatedAt(now()).build();
    }

    private static JobAttempt attempt(RoutedJob job, AttemptOutcome outcome, FailureBlame blame, String error) {
        return JobAttempt.newBuilder().setJobId(job.getJobId()).setDeploymentId(job.getDeploymentId())
                .setProvider(job.getProvider()).setRegion(job.getRegion()).setAttempt(job.getAttempt())
                .setOutcome(outcome).setResponse(outcome == AttemptOutcome.SUCCEEDED ? "an answer" : null)
                .setError(error).setBlame(blame)
                .setStartedAt(job.getRoutedAt()).setFinishedAt(job.getRoutedAt().plusMillis(900))
                .setProviderTimeMs(900).setBilledSeconds(0.9).setCostEstimateUsd(0.00009).setWorkerId("w").build();
    }
}
