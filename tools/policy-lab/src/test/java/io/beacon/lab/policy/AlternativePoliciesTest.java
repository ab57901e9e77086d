package io.beacon.lab.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.beacon.router.policy.Decision;
import io.beacon.router.policy.DeploymentSnapshot;
import io.beacon.router.policy.ProviderBacklog;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.router.topology.RouterProcessors;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AlternativePoliciesTest {

    private static final Instant NOW = Instant.parse("2026-01-05T00:10:00Z");
    private static final Duration STALENESS = Duration.ofSeconds(5);
    private static final double EXPECTED_SECONDS = 1.5;

    private final InferenceRequest job = InferenceRequest.newBuilder().setJobId("j1").setModel("llama3.2:1b")
            .setPrompt("hello").setCreatedAt(NOW).build();

    @Test
    void shouldOfferEveryPolicyOfTheLabWithBeaconAsTheRoutersOwn() {
        assertThat(LabPolicy.names()).containsExactly("beacon", "beacon-no-deadline", "static-70-30", "round-robin",
                "cheapest-first", "least-busy", "latency-based", "price-sort-fallback");
        assertThat(LabPolicy.all().get(0).decider()).as("beacon is built by the router itself").isEmpty();
        assertThat(LabPolicy.all().get(1).deadlines()).as("beacon-no-deadline sends no deadline").isFalse();
        RoutingDecider production = RouterProcessors.productionPolicy(RouterConfig.defaultSettings());
        assertThat(production.getClass().getSimpleName()).isEqualTo("RoutingPolicy");
    }

    @Test
    void shouldLeaveOutWhatCannotTakeTheJobWhateverThePolicy() {
        List<DeploymentSnapshot> fleet = List.of(
                golem("golem-stale", 0.00001, 0, NOW.minusSeconds(30), true),
                golem("golem-sick", 0.00001, 0, NOW, false),
                withOpenCircuit(golem("golem-open", 0.00001, 0, NOW, true)),
                golem("golem-tried", 0.00001, 0, NOW, true),
                serverless("modal-ok", ProviderKind.MODAL, 0.0002, 0));
        for (RoutingDecider policy : alternatives()) {
            Decision decision = policy.decide(job, Set.of("golem-tried"), fleet, NOW, ProviderBacklog.NONE);
            assertThat(decision.chosen()).as(policy.getClass().getSimpleName()).map(DeploymentSnapshot::id)
                    .contains("modal-ok");
        }
    }

    @Test
    void shouldSayNoneWhenNothingServesTheModel() {
        InferenceRequest other = InferenceRequest.newBuilder(job).setModel("mistral:7b").build();
        for (RoutingDecider policy : alternatives()) {
            assertThat(policy.decide(other, Set.of(), List.of(golem("g", 0.0001, 0, NOW, true)), NOW,
                    ProviderBacklog.NONE).chosen()).as(policy.getClass().getSimpleName()).isEmpty();
        }
    }

    @Test
    void shouldSendToTheCheapestEvenWhenItIsFull() {
        CheapestFirstPolicy policy = new CheapestFirstPolicy(STALENESS, EXPECTED_SECONDS);

        Decision decision = policy.decide(job, Set.of(), List.of(golem("golem-full", 0.00009, 40, NOW, true),
                golem("golem-idle", 0.00011, 0, NOW, true)), NOW, ProviderBacklog.NONE);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).contains("golem-full");
    }

    @Test
    void shouldSkipAFullDeploymentInPriceOrderAndQueueAtTheCheapestWhenAllAreFull() {
        PriceSortFallbackPolicy policy = new PriceSortFallbackPolicy(STALENESS, EXPECTED_SECONDS);
        DeploymentSnapshot cheapFull = golem("golem-full", 0.00009, 4, NOW, true);
        DeploymentSnapshot dearer = serverless("runpod-free", ProviderKind.RUNPOD, 0.00016, 0);

        assertThat(policy.decide(job, Set.of(), List.of(cheapFull, dearer), NOW, ProviderBacklog.NONE).chosen())
                .map(DeploymentSnapshot::id).contains("runpod-free");
        assertThat(policy.decide(job, Set.of(), List.of(cheapFull, serverless("runpod-full", ProviderKind.RUNPOD,
                0.00016, 8)), NOW, ProviderBacklog.NONE).chosen()).map(DeploymentSnapshot::id).contains("golem-full");
    }

    @Test
    void shouldTakeEachDeploymentInTurn() {
        RoundRobinPolicy policy = new RoundRobinPolicy(STALENESS, EXPECTED_SECONDS);
        List<DeploymentSnapshot> fleet = List.of(golem("a", 0.0001, 0, NOW, true), golem("b", 0.0001, 0, NOW, true),
                golem("c", 0.0001, 0, NOW, true));

        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            chosen.add(policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen().orElseThrow().id());
        }

        assertThat(chosen).containsExactly("a", "b", "c", "a", "b", "c");
    }

    @Test
    void shouldSplitSeventyThirtyBetweenBaselineAndServerless() {
        StaticSplitPolicy policy = new StaticSplitPolicy(0.7, 1, STALENESS, EXPECTED_SECONDS);
        List<DeploymentSnapshot> fleet = List.of(golem("golem-1", 0.0001, 0, NOW, true),
                golem("golem-2", 0.0001, 0, NOW, true), serverless("modal-1", ProviderKind.MODAL, 0.0002, 0),
                serverless("runpod-1", ProviderKind.RUNPOD, 0.0002, 0));

        int baseline = 0;
        for (int i = 0; i < 10_000; i++) {
            if (policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen().orElseThrow().provider()
                    == ProviderKind.GOLEM) {
                baseline++;
            }
        }

        assertThat(baseline / 10_000.0).isCloseTo(0.7, within(0.02));
    }

    @Test
    void shouldSendToTheDeploymentWithTheFewestOfItsOwnRequestsInFlight() {
        LeastBusyPolicy policy = new LeastBusyPolicy(STALENESS, EXPECTED_SECONDS);
        List<DeploymentSnapshot> fleet = List.of(golem("a", 0.0001, 0, NOW, true), golem("b", 0.0001, 0, NOW, true));
        Map<String, RoutedJob> sent = new HashMap<>();

        for (int i = 0; i < 3; i++) {
            String id = policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen().orElseThrow().id();
            RoutedJob routed = routed("j" + i, id, NOW);
            sent.put("j" + i, routed);
            policy.routed(routed);
        }
        // a has 2 in flight, b has 1; two answers from a make a the least busy.
        assertThat(sent.values()).extracting(RoutedJob::getDeploymentId).containsExactlyInAnyOrder("a", "a", "b");
        sent.values().stream().filter(r -> r.getDeploymentId().equals("a"))
                .forEach(r -> policy.answered(r, attempt(r, AttemptOutcome.SUCCEEDED, NOW.plusSeconds(1), null)));

        assertThat(policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen()).map(DeploymentSnapshot::id)
                .contains("a");
    }

    @Test
    void shouldTryEveryUnusedDeploymentThenPreferTheLowestLatencyPerToken() {
        LatencyBasedPolicy policy = new LatencyBasedPolicy(3, STALENESS, EXPECTED_SECONDS);
        List<DeploymentSnapshot> fleet = List.of(golem("slow", 0.0001, 0, NOW, true), golem("fast", 0.0001, 0, NOW, true));

        // Both unused: a random one first; after its answer, the other (still at 0) comes next.
        String first = policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen().orElseThrow().id();
        RoutedJob firstJob = routed("j1", first, NOW);
        policy.answered(firstJob, attempt(firstJob, AttemptOutcome.SUCCEEDED,
                NOW.plusMillis(first.equals("slow") ? 3000 : 1000), null));
        String second = policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen().orElseThrow().id();
        assertThat(second).isNotEqualTo(first);
        RoutedJob secondJob = routed("j2", second, NOW);
        policy.answered(secondJob, attempt(secondJob, AttemptOutcome.SUCCEEDED,
                NOW.plusMillis(second.equals("slow") ? 3000 : 1000), null));

        assertThat(policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen())
                .map(DeploymentSnapshot::id).contains("fast");

        // A time-out costs "fast" LiteLLM's 1000 s penalty.
        RoutedJob timedOut = routed("j3", "fast", NOW);
        policy.answered(timedOut, attempt(timedOut, AttemptOutcome.RETRYABLE_FAILURE, NOW.plusSeconds(60),
                "timed out after 60000 ms"));
        assertThat(policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen())
                .map(DeploymentSnapshot::id).contains("slow");
    }

    @Test
    void shouldKeepLiteLlmsFirstNineLatenciesOnceItsListIsFull() {
        LatencyBasedPolicy policy = new LatencyBasedPolicy(3, STALENESS, EXPECTED_SECONDS);
        List<DeploymentSnapshot> fleet = List.of(golem("a", 0.0001, 0, NOW, true), golem("b", 0.0001, 0, NOW, true));
        // a: ten quick answers; b: ten answers twice as slow.
        for (int i = 0; i < 10; i++) {
            answer(policy, "a", 1000);
            answer(policy, "b", 2000);
        }
        // Then a turns three times slower than it was, slower than b: a rolling window of its last ten would
        // now prefer b, but only the last of a's ten entries changes, so a stays ahead.
        for (int i = 0; i < 20; i++) {
            answer(policy, "a", 3000);
        }

        assertThat(policy.decide(job, Set.of(), fleet, NOW, ProviderBacklog.NONE).chosen())
                .map(DeploymentSnapshot::id).contains("a");
    }

    private static void answer(LatencyBasedPolicy policy, String id, long millis) {
        RoutedJob r = routed("x", id, NOW);
        policy.answered(r, attempt(r, AttemptOutcome.SUCCEEDED, NOW.plusMillis(millis), null));
    }

    private static List<RoutingDecider> alternatives() {
        return List.of(new StaticSplitPolicy(0.7, 1, STALENESS, EXPECTED_SECONDS),
                new RoundRobinPolicy(STALENESS, EXPECTED_SECONDS), new CheapestFirstPolicy(STALENESS, EXPECTED_SECONDS),
                new LeastBusyPolicy(STALENESS, EXPECTED_SECONDS), new LatencyBasedPolicy(1, STALENESS, EXPECTED_SECONDS),
                new PriceSortFallbackPolicy(STALENESS, EXPECTED_SECONDS));
    }

    private static DeploymentSnapshot golem(String id, double price, int inFlight, Instant observedAt, boolean healthy) {
        return new DeploymentSnapshot(status(id, ProviderKind.GOLEM, price, 4, inFlight, observedAt, healthy), 0);
    }

    private static DeploymentSnapshot serverless(String id, ProviderKind kind, double price, int inFlight) {
        return new DeploymentSnapshot(status(id, kind, price, 8, inFlight, NOW, true), 0);
    }

    private static DeploymentSnapshot withOpenCircuit(DeploymentSnapshot d) {
        return new DeploymentSnapshot(d.status(), 0, DeploymentStats.newBuilder().setDeploymentId(d.id())
                .setUpdatedAt(NOW).setConsecutiveFailures(5).setOpenUntil(NOW.plusSeconds(10)).build());
    }

    private static ProviderStatus status(String id, ProviderKind kind, double price, int capacity, int inFlight,
                                         Instant observedAt, boolean healthy) {
        return ProviderStatus.newBuilder().setDeploymentId(id).setProvider(kind).setRegion("eu-central")
                .setModels(List.of("llama3.2:1b")).setPricePerSecondUsd(price).setCapacity(capacity)
                .setInFlight(Math.min(inFlight, capacity)).setQueued(Math.max(0, inFlight - capacity))
                .setHealthy(healthy).setObservedAt(observedAt).setWorkerId("w").build();
    }

    private static RoutedJob routed(String jobId, String deploymentId, Instant at) {
        InferenceRequest request = InferenceRequest.newBuilder().setJobId(jobId).setModel("llama3.2:1b")
                .setPrompt("hello").setCreatedAt(at).build();
        return RoutedJob.newBuilder().setJobId(jobId).setRequest(request).setDeploymentId(deploymentId)
                .setProvider(ProviderKind.GOLEM).setRegion("eu-central").setAttempt(1).setReason("test")
                .setExpectedCostUsd(0).setExpectedLatencyMs(1000).setRoutedAt(at).setDeadline(at.plusSeconds(120))
                .setCandidates(List.of()).setJobPartition(0).build();
    }

    private static JobAttempt attempt(RoutedJob job, AttemptOutcome outcome, Instant finishedAt, String error) {
        return JobAttempt.newBuilder().setJobId(job.getJobId()).setDeploymentId(job.getDeploymentId())
                .setProvider(job.getProvider()).setRegion(job.getRegion()).setAttempt(job.getAttempt())
                .setOutcome(outcome).setResponse(outcome == AttemptOutcome.SUCCEEDED ? "ok" : null).setError(error)
                .setStartedAt(job.getRoutedAt()).setFinishedAt(finishedAt).setProviderTimeMs(0).setQueueTimeMs(0)
                .setBilledSeconds(0).setCostEstimateUsd(0).setPromptTokens(10)
                .setCompletionTokens(outcome == AttemptOutcome.SUCCEEDED ? 50 : 0).setWorkerId("w").build();
    }
}
