package io.beacon.router.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.router.RouterConfig;
import io.beacon.dashboard.ResultStats;
import io.beacon.ops.metrics.InferenceMeters;
import io.beacon.ops.metrics.OpsMetrics;
import io.beacon.router.RouterStreamsProperties;
import io.beacon.router.monitoring.RouterTelemetry;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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

class RouterTopologyTest {

    private static final Instant START = Instant.parse("2026-11-27T12:00:00Z");
    private static final String MODEL = "llama3.2:1b";

    private Instant clock = START;
    private WireFormatSerdeProvider serdes;
    private Topics topics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, InferenceRequest> requests;
    private TestInputTopic<String, JobAttempt> attempts;
    private TestInputTopic<String, ProviderStatus> status;
    private TestInputTopic<String, CostEntry> ledger;
    private OpsMetrics metrics;
    private final ResultStats resultStats = new ResultStats();
    private RouterTelemetry telemetry;
    private TestInputTopic<String, byte[]> rawRequests;
    private Map<ProviderKind, TestOutputTopic<String, RoutedJob>> routed;
    private TestOutputTopic<String, InferenceResult> results;
    private TestOutputTopic<byte[], byte[]> dlq;
    /** Provider kinds whose worker groups the test declares behind, with the reason. */
    private final Map<ProviderKind, String> behind = new ConcurrentHashMap<>();
    /** What the lifecycle told its listener, one line per event. */
    private final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void startDriver() {
        serdes = new WireFormatSerdeProvider();
        serdes.configure(Map.of("schema.registry.url", "mem://router-topology-test-" + UUID.randomUUID()));
        topics = Topics.create(TopicNames.defaults(), serdes);
        RouterSettings settings = RouterConfig.defaultSettings();
        Properties props = RouterStreamsProperties.forTopology("router-test", "dummy:9092", topics,
                "at_least_once", 100, null);
        metrics = OpsMetrics.create("router");
        telemetry = new RouterTelemetry(new InferenceMeters(metrics.registry()), resultStats,
                Clock.fixed(START, java.time.ZoneOffset.UTC));
        driver = new TopologyTestDriver(RouterTopology.build(settings, topics, serdes,
                kind -> Optional.ofNullable(behind.get(kind)), new RoutingEvents() {
                    @Override
                    public void routed(RoutedJob job, String rule, ProviderKind failoverFrom) {
                        events.add("routed " + job.getJobId() + " to " + job.getDeploymentId() + " by " + rule
                                + (failoverFrom == null ? "" : " from " + failoverFrom));
                        telemetry.routed(job, rule, failoverFrom);
                    }

                    @Override
                    public void finished(InferenceResult result, long durationMs) {
                        events.add("finished " + result.getJobId() + " " + (result.getSuccess() ? "ok" : "failed")
                                + " after " + durationMs + " ms");
                        telemetry.finished(result, durationMs);
                    }

                    @Override
                    public void spent(CostEntry entry) {
                        telemetry.spent(entry);
                    }
                }), props, START);
        ledger = driver.createInputTopic(topics.costLedger().name(), new StringSerializer(),
                topics.costLedger().valueSerde().serializer());
        requests = driver.createInputTopic(topics.requests().name(), new StringSerializer(),
                topics.requests().valueSerde().serializer());
        attempts = driver.createInputTopic(topics.attempts().name(), new StringSerializer(),
                topics.attempts().valueSerde().serializer());
        status = driver.createInputTopic(topics.status().name(), new StringSerializer(),
                topics.status().valueSerde().serializer());
        rawRequests = driver.createInputTopic(topics.requests().name(), new StringSerializer(), new ByteArraySerializer());
        routed = Map.of(
                ProviderKind.GOLEM, output(ProviderKind.GOLEM),
                ProviderKind.MODAL, output(ProviderKind.MODAL),
                ProviderKind.RUNPOD, output(ProviderKind.RUNPOD));
        results = driver.createOutputTopic(topics.results().name(), topics.results().keySerde().deserializer(),
                topics.results().valueSerde().deserializer());
        dlq = driver.createOutputTopic(topics.requestsDlq().name(), topics.requestsDlq().keySerde().deserializer(),
                topics.requestsDlq().valueSerde().deserializer());
    }

    private TestOutputTopic<String, RoutedJob> output(ProviderKind kind) {
        return driver.createOutputTopic(topics.providerJobs(kind).name(), topics.providerJobs(kind).keySerde().deserializer(),
                topics.providerJobs(kind).valueSerde().deserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
        metrics.close();
        serdes.close();
    }

    @Test
    void shouldRouteToTheCheapestBaselineDeploymentWhileItHasHeadroom() {
        // Given a Golem node and a Modal endpoint, both healthy
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);

        // When a cost-priority job arrives
        requests.pipeInput("job-1", request("job-1").build(), now());

        // Then it goes to the Golem topic with the decision explained
        RoutedJob job = routed.get(ProviderKind.GOLEM).readValue();
        assertThat(job.getDeploymentId()).isEqualTo("golem-eu-1");
        assertThat(job.getAttempt()).isEqualTo(1);
        assertThat(job.getReason()).contains("baseline");
        assertThat(job.getCandidates()).hasSize(2);
        assertThat(routed.get(ProviderKind.MODAL).isEmpty()).isTrue();
    }

    @Test
    void shouldOverflowToBurstWhenBaselineIsAtCapacity() {
        // Given a Golem node whose worker reports it full
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 2, 2);
        heartbeat("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00016, 8, 0);

        // When a job arrives
        requests.pipeInput("job-1", request("job-1").build(), now());

        // Then it overflows to the burst tier
        assertThat(routed.get(ProviderKind.RUNPOD).readValue().getReason()).contains("baseline tier full");
    }

    @Test
    void shouldCountJobsRoutedSinceTheLastHeartbeatTowardsCapacity() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 2, 0);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);

        for (int i = 0; i < 3; i++) {
            requests.pipeInput("job-" + i, request("job-" + i).build(), now());
        }

        assertThat(routed.get(ProviderKind.GOLEM).readValuesToList()).hasSize(2);
        assertThat(routed.get(ProviderKind.MODAL).readValuesToList()).hasSize(1);
    }

    @Test
    void shouldWriteOneSuccessfulResultAndAbsorbADuplicateAttempt() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob job = routed.get(ProviderKind.GOLEM).readValue();

        // When the worker reports success twice (re-delivered after a crash)
        JobAttempt success = attempt(job, AttemptOutcome.SUCCEEDED, "an answer", null);
        attempts.pipeInput("job-1", success, now());
        attempts.pipeInput("job-1", success, now());

        // Then exactly one result, with the runner's fields
        List<InferenceResult> out = results.readValuesToList();
        assertThat(out).hasSize(1);
        InferenceResult result = out.get(0);
        assertThat(result.getSuccess()).isTrue();
        assertThat(result.getResponse()).isEqualTo("an answer");
        assertThat(result.getProviderUsed()).isEqualTo("golem-eu-1");
        assertThat(result.getInferenceTime()).isEqualTo(1.2);
        assertThat(result.getCostEstimate()).isEqualTo(0.00012);
        assertThat(result.getAttempts()).isEqualTo(1);
    }

    @Test
    void shouldFailOverToTheNextDeploymentOnARetryableFailure() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();

        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.RETRYABLE_FAILURE, null, "503 queue full"), now());

        RoutedJob second = routed.get(ProviderKind.MODAL).readValue();
        assertThat(second.getAttempt()).isEqualTo(2);
        assertThat(results.isEmpty()).isTrue();
        attempts.pipeInput("job-1", attempt(second, AttemptOutcome.SUCCEEDED, "ok", null), now());
        InferenceResult result = results.readValue();
        assertThat(result.getProviderUsed()).isEqualTo("modal-us-east");
        assertThat(result.getRoute()).containsExactly("golem-eu-1", "modal-us-east");
        assertThat(result.getAttempts()).isEqualTo(2);
    }

    @Test
    void shouldWaitAndRetryTheSameDeploymentWhenNoOtherCanTakeAFailedJob() {
        // Given a model only one deployment serves
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();

        // When its attempt fails retryably, the job waits instead of failing
        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.RETRYABLE_FAILURE, null, "503 busy"), now());
        assertThat(results.isEmpty()).isTrue();
        assertThat(routed.get(ProviderKind.GOLEM).isEmpty()).isTrue();

        // Then after the back-off it is tried again there, and succeeds
        advance(Duration.ofSeconds(1));
        RoutedJob second = routed.get(ProviderKind.GOLEM).readValue();
        assertThat(second.getAttempt()).isEqualTo(2);
        attempts.pipeInput("job-1", attempt(second, AttemptOutcome.SUCCEEDED, "ok", null), now());
        assertThat(results.readValue().getAttempts()).isEqualTo(2);
    }

    @Test
    void shouldFailWithoutRetryOnAPermanentFailure() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();

        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.PERMANENT_FAILURE, null, "model not found"), now());

        InferenceResult result = results.readValue();
        assertThat(result.getSuccess()).isFalse();
        assertThat(result.getError()).contains("failed permanently").contains("model not found");
        assertThat(routed.get(ProviderKind.MODAL).isEmpty()).isTrue();
    }

    @Test
    void shouldAnswerAnInvalidRequestWithAFailureNamingTheField() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);

        requests.pipeInput("job-1", request("job-1").setTemperature(7.5).build(), now());
        requests.pipeInput("job-2", request("job-2").setPrompt("").build(), now());
        requests.pipeInput("job-3", request("job-3").setMaxTokens(0).build(), now());

        assertThat(results.readValuesToList()).extracting(InferenceResult::getError)
                .satisfiesExactly(
                        e -> assertThat(e).startsWith("invalid request: temperature"),
                        e -> assertThat(e).startsWith("invalid request: prompt"),
                        e -> assertThat(e).startsWith("invalid request: max_tokens"));
        assertThat(routed.get(ProviderKind.GOLEM).isEmpty()).isTrue();
    }

    @Test
    void shouldSendUndecodableBytesToTheDeadLetterTopicAndKeepRunning() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);

        rawRequests.pipeInput("bad-1", "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8), now());
        requests.pipeInput("job-1", request("job-1").build(), now());

        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("bad-1");
        assertThat(dead.headers().toArray()).extracting(Header::key).contains("__streams.errors.exception");
        assertThat(routed.get(ProviderKind.GOLEM).readValue().getJobId()).isEqualTo("job-1");
    }

    @Test
    void shouldWaitForACandidateAndRouteWhenOneAppears() {
        // Given no deployment at all
        requests.pipeInput("job-1", request("job-1").build(), now());
        assertThat(results.isEmpty()).isTrue();

        // When a deployment starts heartbeating and the back-off elapses
        advance(Duration.ofSeconds(1));
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        advance(Duration.ofSeconds(2));

        // Then the waiting job is routed
        assertThat(routed.get(ProviderKind.GOLEM).readValue().getJobId()).isEqualTo("job-1");
    }

    @Test
    void shouldTimeOutARoutedJobAtItsDeadline() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        requests.pipeInput("job-1", request("job-1").setDeadline(now().plusSeconds(5)).build(), now());
        routed.get(ProviderKind.GOLEM).readValue();

        advance(Duration.ofSeconds(6));

        InferenceResult result = results.readValue();
        assertThat(result.getSuccess()).isFalse();
        assertThat(result.getError()).contains("timed out").contains("golem-eu-1");
    }

    @Test
    void shouldSkipADeploymentWhoseHeartbeatIsStale() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        advance(Duration.ofSeconds(30));
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);

        requests.pipeInput("job-1", request("job-1").build(), now());

        assertThat(routed.get(ProviderKind.MODAL).readValue().getCandidates())
                .anySatisfy(c -> assertThat(c.getNote()).contains("heartbeat stale"));
    }

    @Test
    void shouldSendAJobToItsPreferredProviderAheadOfTheCheaperBaseline() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00016, 8, 0);

        requests.pipeInput("job-1", request("job-1").setProviderPreference(List.of(ProviderKind.RUNPOD)).build(), now());

        assertThat(routed.get(ProviderKind.RUNPOD).readValue().getReason()).contains("preferred provider runpod");
    }

    @Test
    void shouldWaitRatherThanFallBackWhenFallbacksAreNotAllowed() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);

        requests.pipeInput("job-1", request("job-1").setProviderPreference(List.of(ProviderKind.MODAL))
                .setAllowFallbacks(false).setDeadline(now().plusSeconds(3)).build(), now());
        advance(Duration.ofSeconds(4));

        assertThat(routed.get(ProviderKind.GOLEM).isEmpty()).isTrue();
        assertThat(results.readValue().getError()).contains("fallbacks are not allowed");
    }

    @Test
    void shouldFallBackToAnotherProviderWhenAllowed() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);

        requests.pipeInput("job-1", request("job-1").setProviderPreference(List.of(ProviderKind.MODAL)).build(), now());

        assertThat(routed.get(ProviderKind.GOLEM).readValue().getReason()).contains("falling back");
    }

    @Test
    void shouldRouteToTheRequestedRegionFirst() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("golem-us-1", ProviderKind.GOLEM, "us-east", 0.00011, 4, 0);

        requests.pipeInput("job-1", request("job-1").setRegionPreference("us-east").build(), now());

        assertThat(routed.get(ProviderKind.GOLEM).readValue().getDeploymentId()).isEqualTo("golem-us-1");
    }

    @Test
    void shouldNotRouteOverTheJobsPriceCap() {
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);

        requests.pipeInput("job-1", request("job-1").setMaxPricePerInferenceUsd(0.0001)
                .setDeadline(now().plusSeconds(2)).build(), now());
        advance(Duration.ofSeconds(3));

        assertThat(routed.get(ProviderKind.MODAL).isEmpty()).isTrue();
        assertThat(results.readValue().getError()).contains("expected to cost more than the job's max price");
    }

    @Test
    void shouldPickTheFastestDeploymentForAJobWithoutCostPriority() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 4);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 1);

        requests.pipeInput("job-1", request("job-1").setCostPriority(false).build(), now());

        assertThat(routed.get(ProviderKind.MODAL).readValue().getReason()).contains("speed priority");
    }

    @Test
    void shouldOpenTheRouterCircuitOfADeploymentThatKeepsFailing() {
        // Given one Golem node (the baseline, so tried first while it has headroom) that fails every time
        heartbeat("golem-a", ProviderKind.GOLEM, "eu-central", 0.0001, 50, 0);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 50, 0);
        for (int i = 0; i < 5; i++) {
            requests.pipeInput("job-" + i, request("job-" + i).build(), now());
            RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();
            attempts.pipeInput(first.getJobId(), attempt(first, AttemptOutcome.RETRYABLE_FAILURE, null, "503"), now());
            RoutedJob failover = routed.get(ProviderKind.MODAL).readValue();
            attempts.pipeInput(failover.getJobId(), attempt(failover, AttemptOutcome.SUCCEEDED, "ok", null), now());
        }

        // When the next job arrives
        requests.pipeInput("job-next", request("job-next").build(), now());

        // Then the router's circuit keeps it off golem-a, and every earlier job succeeded by failover
        RoutedJob next = routed.get(ProviderKind.MODAL).readValue();
        assertThat(next.getAttempt()).isEqualTo(1);
        assertThat(next.getCandidates()).anySatisfy(c -> assertThat(c.getNote()).contains("router circuit open"));
        assertThat(routed.get(ProviderKind.GOLEM).isEmpty()).isTrue();
        assertThat(results.readValuesToList()).hasSize(5).allSatisfy(r -> assertThat(r.getSuccess()).isTrue());
    }

    @Test
    void shouldLearnToPreferTheDeploymentThatFailsLess() {
        heartbeat("golem-a", ProviderKind.GOLEM, "eu-central", 0.00009, 50, 0);
        heartbeat("golem-b", ProviderKind.GOLEM, "eu-central", 0.0001, 50, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();
        assertThat(first.getDeploymentId()).isEqualTo("golem-a");

        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.RETRYABLE_FAILURE, null, "503"), now());
        routed.get(ProviderKind.GOLEM).readValue();
        requests.pipeInput("job-2", request("job-2").build(), now());

        assertThat(routed.get(ProviderKind.GOLEM).readValue().getDeploymentId()).isEqualTo("golem-b");
    }

    @Test
    void shouldPutTheCostOfAFailedGolemAttemptOnGolemWhenTheJobSucceedsOnModal() {
        // Given a job that fails on golem and then succeeds on modal
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();
        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.RETRYABLE_FAILURE, null, "503"), now());
        RoutedJob second = routed.get(ProviderKind.MODAL).readValue();
        attempts.pipeInput("job-1", attempt(second, AttemptOutcome.SUCCEEDED, "an answer", null), now());

        // When the workers' ledger bills each attempt on the deployment that ran it
        ledger.pipeInput("golem-eu-1", attemptCost(first, AttemptOutcome.RETRYABLE_FAILURE, 0.0003), now());
        ledger.pipeInput("modal-us-east", attemptCost(second, AttemptOutcome.SUCCEEDED, 0.0005), now());

        // Then golem's money stays on golem: in the metric, on the dashboard and in its learned figures
        String scrape = metrics.scrape(null);
        assertThat(scrape)
                .contains("hybrid_cost_total{application=\"router\",provider=\"golem\",region=\"eu-central\"} 3.0E-4")
                .contains("hybrid_cost_total{application=\"router\",provider=\"modal\",region=\"us-east\"} 5.0E-4")
                .contains("beacon_cost_usd_total{application=\"router\",kind=\"attempt\",provider=\"golem\","
                        + "region=\"eu-central\"} 3.0E-4");
        JsonNode totals = resultStats.toJson(START.toEpochMilli()).get("totals");
        assertThat(totals.get("cost_usd").doubleValue()).isCloseTo(0.0008, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(totals.get("cost_per_inference_usd").doubleValue())
                .isCloseTo(0.0008, org.assertj.core.api.Assertions.within(1e-12));
        DeploymentStats golem = stats("golem-eu-1");
        assertThat(golem.getCostUsdTotal()).as("the ledger's money, not the attempt's estimate").isEqualTo(0.0003);
        assertThat(golem.getAttempts()).isEqualTo(1);
        assertThat(golem.getRetryableFailures()).isEqualTo(1);
        DeploymentStats modal = stats("modal-us-east");
        assertThat(modal.getCostUsdTotal()).isEqualTo(0.0005);
        assertThat(modal.getAttemptCostEwmaUsd()).isEqualTo(0.0005);
        assertThat(modal.getAttemptCostSamples()).isEqualTo(1);
        assertThat(modal.getBilledSecondsEwma()).as("still learned from the attempts").isEqualTo(1.2);
    }

    @Test
    void shouldCountIdleProbeAndFeeMoneyOfADeploymentThatServedNothing() {
        // Given a Modal deployment kept warm by probes and idle, and a Golem lease's start fee
        ledger.pipeInput("modal-us-east", cost("modal-us-east", ProviderKind.MODAL, "us-east", CostKind.IDLE, 0.0133), now());
        ledger.pipeInput("modal-us-east", cost("modal-us-east", ProviderKind.MODAL, "us-east", CostKind.PROBE, 0.0002), now());
        ledger.pipeInput("golem-eu-1", cost("golem-eu-1", ProviderKind.GOLEM, "eu-central", CostKind.FEE, 0.01), now());

        // Then it is money billed, counted by kind, and in the deployment's totals
        String scrape = metrics.scrape(null);
        assertThat(scrape)
                .contains("hybrid_cost_total{application=\"router\",provider=\"modal\",region=\"us-east\"} 0.0135")
                .contains("beacon_cost_usd_total{application=\"router\",kind=\"idle\",provider=\"modal\","
                        + "region=\"us-east\"} 0.0133")
                .contains("beacon_cost_usd_total{application=\"router\",kind=\"fee\",provider=\"golem\","
                        + "region=\"eu-central\"} 0.01");
        DeploymentStats modal = stats("modal-us-east");
        assertThat(modal.getCostUsdTotal()).isCloseTo(0.0135, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(modal.getIdleCostUsdTotal()).isEqualTo(0.0133);
        assertThat(modal.getAttempts()).isZero();
        assertThat(stats("golem-eu-1").getIdleCostUsdTotal()).isZero();
        assertThat(resultStats.toJson(START.toEpochMilli()).get("totals").get("idle_cost_usd").doubleValue())
                .isEqualTo(0.0133);
    }

    @Test
    void shouldCountTheLedgerEntryOfALateDuplicateAttempt() {
        // Given a job that succeeded, then a late duplicate of its attempt (a second call the worker paid for)
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob job = routed.get(ProviderKind.GOLEM).readValue();
        JobAttempt success = attempt(job, AttemptOutcome.SUCCEEDED, "an answer", null);
        attempts.pipeInput("job-1", success, now());
        ledger.pipeInput("golem-eu-1", attemptCost(job, AttemptOutcome.SUCCEEDED, 0.0001), now());
        attempts.pipeInput("job-1", success, now());
        ledger.pipeInput("golem-eu-1", attemptCost(job, AttemptOutcome.SUCCEEDED, 0.0001), now());

        // Then one result, and both calls' money
        assertThat(results.readValuesToList()).hasSize(1);
        assertThat(metrics.scrape(null))
                .contains("hybrid_cost_total{application=\"router\",provider=\"golem\",region=\"eu-central\"} 2.0E-4")
                .contains("hybrid_requests_total{application=\"router\",provider=\"golem\",region=\"eu-central\","
                        + "status=\"success\"} 1.0");
        assertThat(stats("golem-eu-1").getCostUsdTotal()).isEqualTo(0.0002);
        assertThat(resultStats.toJson(START.toEpochMilli()).get("totals").get("cost_per_inference_usd").doubleValue())
                .isEqualTo(0.0002);
    }

    @Test
    void shouldTellItsListenerOfEachRoutingAndTheFinalResult() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();
        advance(Duration.ofMillis(1500));
        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.RETRYABLE_FAILURE, null, "503"), now());
        RoutedJob second = routed.get(ProviderKind.MODAL).readValue();
        advance(Duration.ofMillis(500));
        attempts.pipeInput("job-1", attempt(second, AttemptOutcome.SUCCEEDED, "an answer", null), now());

        assertThat(events).containsExactly(
                "routed job-1 to golem-eu-1 by baseline",
                "routed job-1 to modal-us-east by burst_overflow from GOLEM",
                "finished job-1 ok after 2000 ms");
    }

    @Test
    void shouldAvoidAProviderWhoseWorkersFallBehindWhileAnotherCanTakeTheJob() {
        // Given a cheap Golem node with headroom whose worker group has stalled, and a RunPod endpoint
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00016, 8, 0);
        behind.put(ProviderKind.GOLEM, "group beacon-worker-golem STALLED, 120 s behind");

        // When a cost-priority job arrives
        requests.pipeInput("job-1", request("job-1").build(), now());

        // Then it goes to RunPod, saying why
        RoutedJob job = routed.get(ProviderKind.RUNPOD).readValue();
        assertThat(job.getReason()).contains("avoiding providers falling behind").contains("STALLED");
        assertThat(routed.get(ProviderKind.GOLEM).isEmpty()).isTrue();

        // And once the group flows again, Golem takes new jobs
        behind.clear();
        requests.pipeInput("job-2", request("job-2").build(), now());
        assertThat(routed.get(ProviderKind.GOLEM).readValue().getJobId()).isEqualTo("job-2");
    }

    @Test
    void shouldStillUseAProviderFallingBehindWhenNoOtherCanTakeTheJob() {
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        behind.put(ProviderKind.GOLEM, "group beacon-worker-golem 45 s behind");

        requests.pipeInput("job-1", request("job-1").build(), now());

        assertThat(routed.get(ProviderKind.GOLEM).readValue().getReason())
                .contains("every candidate provider is falling behind");
    }

    @Test
    void shouldForgetAFinishedJobAfterTheRetentionAndAbsorbDuplicatesUntilThen() {
        // Given a job that succeeded
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        requests.pipeInput("job-1", request("job-1").build(), now());
        RoutedJob job = routed.get(ProviderKind.GOLEM).readValue();
        attempts.pipeInput("job-1", attempt(job, AttemptOutcome.SUCCEEDED, "an answer", null), now());
        assertThat(results.readValuesToList()).hasSize(1);
        KeyValueStore<String, JobState> jobs = driver.getKeyValueStore(RouterNames.JOB_STATE_STORE);
        KeyValueStore<String, String> timers = driver.getKeyValueStore(RouterNames.JOB_TIMER_STORE);

        // When most of the retention has passed, a late duplicate is still absorbed
        advance(RouterConfig.defaultSettings().finishedRetention().minusSeconds(10));
        attempts.pipeInput("job-1", attempt(job, AttemptOutcome.SUCCEEDED, "an answer", null), now());
        assertThat(results.isEmpty()).isTrue();
        assertThat(jobs.get("job-1")).isNotNull();

        // Then after the retention the job and its timer are gone
        advance(Duration.ofSeconds(20));
        assertThat(jobs.get("job-1")).isNull();
        try (KeyValueIterator<String, String> left = timers.all()) {
            assertThat(left.hasNext()).isFalse();
        }
    }

    @Test
    void shouldKeepExactlyOneTimerPerJobAsItMovesThroughItsLifecycle() {
        // Given a job that waits for a candidate, is routed, fails over and is still running
        requests.pipeInput("job-1", request("job-1").build(), now());
        heartbeat("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        heartbeat("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0);
        advance(Duration.ofSeconds(2));
        RoutedJob first = routed.get(ProviderKind.GOLEM).readValue();
        attempts.pipeInput("job-1", attempt(first, AttemptOutcome.RETRYABLE_FAILURE, null, "503"), now());
        assertThat(routed.get(ProviderKind.MODAL).readValue().getAttempt()).isEqualTo(2);

        // Then the timer store holds one entry for it: its deadline
        KeyValueStore<String, String> timers = driver.getKeyValueStore(RouterNames.JOB_TIMER_STORE);
        JobState state = driver.<String, JobState>getKeyValueStore(RouterNames.JOB_STATE_STORE).get("job-1");
        try (KeyValueIterator<String, String> all = timers.all()) {
            assertThat(all.next().key).isEqualTo(JobTimers.key(state.getDeadline().toEpochMilli(), "job-1"));
            assertThat(all.hasNext()).isFalse();
        }
    }

    /** The driver's wall clock, which the router reads for deadlines and heartbeat freshness. */
    private Instant now() {
        return clock;
    }

    private void advance(Duration duration) {
        clock = clock.plus(duration);
        driver.advanceWallClockTime(duration);
    }

    private void heartbeat(String id, ProviderKind kind, String region, double price, int capacity, int inFlight) {
        ProviderStatus s = ProviderStatus.newBuilder().setDeploymentId(id).setProvider(kind).setRegion(region)
                .setModels(List.of(MODEL)).setPricePerSecondUsd(price).setCapacity(capacity).setInFlight(inFlight)
                .setHealthy(true).setObservedAt(now()).setWorkerId("test-worker").build();
        status.pipeInput(id, s, now());
    }

    private InferenceRequest.Builder request(String id) {
        return InferenceRequest.newBuilder().setJobId(id).setModel(MODEL).setPrompt("Is this sentence biased?")
                .setCreatedAt(now());
    }

    private DeploymentStats stats(String deploymentId) {
        KeyValueStore<String, DeploymentStats> store = driver.getKeyValueStore(RouterNames.DEPLOYMENT_STATS_STORE);
        DeploymentStats stats = store.get(deploymentId);
        assertThat(stats).as("statistics of " + deploymentId).isNotNull();
        return stats;
    }

    private CostEntry cost(String deploymentId, ProviderKind kind, String region, CostKind what, double amount) {
        return CostEntry.newBuilder().setDeploymentId(deploymentId).setProvider(kind).setRegion(region).setKind(what)
                .setPeriodStart(now().minusSeconds(60)).setPeriodEnd(now()).setUnitSeconds(60).setAmountUsd(amount)
                .setWorkerId("w").build();
    }

    private CostEntry attemptCost(RoutedJob job, AttemptOutcome outcome, double amount) {
        return CostEntry.newBuilder(cost(job.getDeploymentId(), job.getProvider(), job.getRegion(), CostKind.ATTEMPT,
                        amount)).setJobId(job.getJobId()).setAttempt(job.getAttempt()).setOutcome(outcome)
                .setUnit("lease").setUnitSeconds(1.2).build();
    }

    private static JobAttempt attempt(RoutedJob job, AttemptOutcome outcome, String response, String error) {
        return JobAttempt.newBuilder().setJobId(job.getJobId()).setDeploymentId(job.getDeploymentId())
                .setProvider(job.getProvider()).setRegion(job.getRegion()).setAttempt(job.getAttempt())
                .setOutcome(outcome).setResponse(response).setError(error)
                .setStartedAt(job.getRoutedAt()).setFinishedAt(job.getRoutedAt().plusMillis(1200))
                .setProviderTimeMs(1200).setBilledSeconds(1.2).setCostEstimateUsd(0.00012).setWorkerId("w").build();
    }
}
