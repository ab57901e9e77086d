package io.beacon.router.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.BillingModel;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class RoutingPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private final RoutingPolicy policy = new RoutingPolicy(Duration.ofSeconds(5), 1.5);

    private final List<DeploymentSnapshot> fleet = List.of(
            deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0),
            deployment("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0),
            deployment("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00016, 8, 0));

    @Test
    void shouldPreferTheFirstPreferredProviderThatCanServe() {
        Decision decision = policy.decide(request().setProviderPreference(List.of(ProviderKind.MODAL)).build(),
                Set.of(), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("modal-us-east");
        assertThat(decision.reason()).contains("preferred provider modal");
    }

    @Test
    void shouldRefuseOtherProvidersWhenFallbacksAreNotAllowed() {
        List<DeploymentSnapshot> noModal = fleet.stream().filter(d -> d.provider() != ProviderKind.MODAL).toList();

        Decision decision = policy.decide(request().setProviderPreference(List.of(ProviderKind.MODAL))
                .setAllowFallbacks(false).build(), Set.of(), noModal, NOW);

        assertThat(decision.chosen()).isEmpty();
        assertThat(decision.reason()).contains("fallbacks are not allowed");
    }

    @Test
    void shouldFallBackWhenThePreferredProviderIsMissingAndFallbacksAreAllowed() {
        List<DeploymentSnapshot> noModal = fleet.stream().filter(d -> d.provider() != ProviderKind.MODAL).toList();

        Decision decision = policy.decide(request().setProviderPreference(List.of(ProviderKind.MODAL)).build(),
                Set.of(), noModal, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("golem-eu-1");
    }

    @Test
    void shouldPickASameRegionDeploymentWithHeadroomFirst() {
        Decision decision = policy.decide(request().setRegionPreference("us-east").build(), Set.of(), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("runpod-us-east");
        assertThat(decision.reason()).contains("in preferred region us-east");
    }

    @Test
    void shouldSendNothingToARetiredDeploymentEvenWhenItsHeartbeatSaysHealthy() {
        DeploymentSnapshot golem = fleet.get(0);
        DeploymentSnapshot retired = new DeploymentSnapshot(ProviderStatus.newBuilder(golem.status())
                .setCondition(DeploymentCondition.RETIRED).setError("retired by the deployments topic").build(), 0);

        Decision decision = policy.decide(request().setProviderPreference(List.of(ProviderKind.GOLEM)).build(),
                Set.of(), List.of(retired, fleet.get(1)), NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("modal-us-east");
        assertThat(decision.candidates()).filteredOn(c -> c.getDeploymentId().equals("golem-eu-1"))
                .singleElement().satisfies(c -> assertThat(c.getNote())
                        .isEqualTo("retired: retired by the deployments topic"));
    }

    @Test
    void shouldPriceANewlyJoinedLeasedNodeLikeTheCheapestLearnedLeaseUntilItsOwnCostIsLearned() {
        // Given a leased node the router has learned (its shared attempt cost is low) and one that just joined,
        // whose configured price alone would look dearer
        DeploymentSnapshot known = learnedCost(billed(deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central",
                0.0001, 4, 2), BillingModel.LEASE, 2, 0), 0.00004);
        DeploymentSnapshot joined = billed(deployment("golem-new", ProviderKind.GOLEM, "eu-central", 0.00009, 4, 0),
                BillingModel.LEASE, 4, 0);
        assertThat(policy.expectedCostUsd(joined, NOW)).isGreaterThan(policy.expectedCostUsd(known, NOW));

        // Then the new node is tried while it is the less loaded: its lease is paid busy or idle
        Decision decision = policy.decide(request().build(), Set.of(), List.of(known, joined), NOW);
        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("golem-new");
        assertThat(decision.reason()).contains("golem-new is leased with no learned cost yet, priced like the cheapest"
                + " learned lease");

        // But not once it is the more loaded (a dear node, so its own guess is above the floor even shared three
        // ways), nor once its own (dearer) cost is learned: then the cheapest wins
        DeploymentSnapshot busy = billed(deployment("golem-new", ProviderKind.GOLEM, "eu-central", 0.0009, 4, 3),
                BillingModel.LEASE, 1, 0);
        assertThat(policy.expectedCostUsd(busy, NOW)).isGreaterThan(policy.expectedCostUsd(known, NOW));
        assertThat(policy.decide(request().build(), Set.of(), List.of(known, busy), NOW).chosen())
                .map(DeploymentSnapshot::id).hasValue("golem-eu-1");
        DeploymentSnapshot learned = learnedCost(joined, 0.00008);
        assertThat(policy.decide(request().build(), Set.of(), List.of(known, learned), NOW).chosen())
                .map(DeploymentSnapshot::id).hasValue("golem-eu-1");
    }

    private static DeploymentSnapshot learnedCost(DeploymentSnapshot d, double attemptCostUsd) {
        return new DeploymentSnapshot(d.status(), d.routedSinceHeartbeat(), DeploymentStats.newBuilder()
                .setDeploymentId(d.id()).setAttemptCostEwmaUsd(attemptCostUsd).setAttemptCostSamples(10)
                .setUpdatedAt(NOW).build());
    }

    @Test
    void shouldSkipDeploymentsOverThePriceCap() {
        Decision decision = policy.decide(request().setMaxPricePerInferenceUsd(0.0002).build(), Set.of(),
                fleet.subList(1, 3), NOW);

        assertThat(decision.chosen()).isEmpty();
        assertThat(decision.candidates()).allSatisfy(c -> assertThat(c.getNote()).contains("over the cap"));
    }

    @Test
    void shouldPickTheFastestExpectedCompletionWithoutCostPriority() {
        List<DeploymentSnapshot> busyGolem = List.of(
                deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 6),
                warm(deployment("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0), 800, 0.0));

        Decision decision = policy.decide(request().setCostPriority(false).build(), Set.of(), busyGolem, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("modal-us-east");
    }

    @Test
    void shouldCountAColdStartAgainstAnIdleServerlessDeployment() {
        List<DeploymentSnapshot> fleet = List.of(
                deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 6),
                deployment("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0));

        Decision decision = policy.decide(request().setCostPriority(false).build(), Set.of(), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("golem-eu-1");
        assertThat(decision.candidates()).anySatisfy(c -> assertThat(c.getNote()).contains("cold start"));
    }

    @Test
    void shouldUseTheLatencyLearnedFromOutcomes() {
        List<DeploymentSnapshot> fleet = List.of(
                warm(deployment("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0), 2500, 0.0),
                warm(deployment("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00019, 8, 0), 700, 0.0));

        Decision decision = policy.decide(request().setCostPriority(false).build(), Set.of(), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("runpod-us-east");
        assertThat(decision.expectedLatencyMs()).isEqualTo(700);
    }

    @Test
    void shouldSkipADeploymentWhoseRouterCircuitIsOpen() {
        DeploymentSnapshot golem = deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0);
        DeploymentSnapshot broken = new DeploymentSnapshot(golem.status(), 0, DeploymentStats.newBuilder()
                .setDeploymentId("golem-eu-1").setConsecutiveFailures(5).setOpenUntil(NOW.plusSeconds(5))
                .setUpdatedAt(NOW).build());

        Decision decision = policy.decide(request().build(), Set.of(), List.of(broken, fleet.get(2)), NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("runpod-us-east");
        assertThat(decision.candidates()).anySatisfy(c -> assertThat(c.getNote()).contains("router circuit open"));
    }

    @Test
    void shouldPreferADeploymentThatFailsLessAtTheSamePrice() {
        List<DeploymentSnapshot> fleet = List.of(
                warm(deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0), 1000, 0.5),
                warm(deployment("golem-eu-2", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0), 1000, 0.0));

        Decision decision = policy.decide(request().build(), Set.of(), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("golem-eu-2");
    }

    @Test
    void shouldFailOverToAnotherProviderKindWhenOneCanTakeTheJob() {
        List<DeploymentSnapshot> twoGolems = List.of(
                deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0),
                deployment("golem-eu-2", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0),
                deployment("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00016, 8, 0));

        Decision decision = policy.decide(request().build(), Set.of("golem-eu-1"), twoGolems, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("runpod-us-east");
        assertThat(decision.reason()).contains("failover away from golem");
    }

    private static DeploymentSnapshot warm(DeploymentSnapshot d, double latencyMs, double errorRate) {
        return new DeploymentSnapshot(d.status(), d.routedSinceHeartbeat(), DeploymentStats.newBuilder()
                .setDeploymentId(d.id()).setAttempts(10).setSuccesses(10).setLatencyEwmaMs(latencyMs)
                .setBilledSecondsEwma(latencyMs / 1000).setErrorRate(errorRate).setLastAttemptAt(NOW.minusSeconds(1))
                .setUpdatedAt(NOW).build());
    }

    @Test
    void shouldNotChooseADeploymentTheJobAlreadyTried() {
        Decision decision = policy.decide(request().build(), Set.of("golem-eu-1"), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::provider).hasValueSatisfying(
                p -> assertThat(p).isNotEqualTo(ProviderKind.GOLEM));
    }

    @Test
    void shouldSayNoDeploymentServesTheModelAndNameTheServedOnesWhenNoneHasIt() {
        Decision decision = policy.decide(request().setModel("qwen2.5:72b").build(), Set.of(), fleet, NOW);

        assertThat(decision.chosen()).isEmpty();
        assertThat(decision.reason()).isEqualTo("no deployment serves model qwen2.5:72b (models served: llama3.2:1b)");
    }

    @Test
    void shouldSayNoHealthyDeploymentCanTakeTheModelWhenItsDeploymentsAreAllTried() {
        Decision decision = policy.decide(request().build(), Set.of("golem-eu-1", "modal-us-east", "runpod-us-east"),
                fleet, NOW);

        assertThat(decision.chosen()).isEmpty();
        assertThat(decision.reason()).startsWith("no healthy deployment can take model llama3.2:1b (already tried: ");
    }

    private static InferenceRequest.Builder request() {
        return InferenceRequest.newBuilder().setJobId("job-1").setModel("llama3.2:1b").setPrompt("p").setCreatedAt(NOW);
    }

    @Test
    void shouldPassOverAProviderFallingBehindWhenAnotherCanTakeTheJob() {
        ProviderBacklog golemBehind = kind -> kind == ProviderKind.GOLEM
                ? Optional.of("group beacon-worker-golem STALLED") : Optional.empty();

        Decision decision = policy.decide(request().build(), Set.of(), fleet, NOW, golemBehind);

        assertThat(decision.chosen()).map(DeploymentSnapshot::provider).hasValueSatisfying(
                provider -> assertThat(provider).isNotEqualTo(ProviderKind.GOLEM));
        assertThat(decision.reason()).contains("avoiding providers falling behind (golem group beacon-worker-golem STALLED)");
    }

    /** Golem full; RunPod flex with a warm worker free; a cold Modal T4 whose per-second price is lower. */
    private List<DeploymentSnapshot> overflowFleet() {
        return List.of(
                billed(deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 4), BillingModel.LEASE, 0, 0),
                billed(deployment("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00019, 8, 0),
                        BillingModel.WORKER, 1, 5_000),
                billed(deployment("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0),
                        BillingModel.CONTAINER, 0, 60_000));
    }

    @Test
    void shouldOverflowACostPriorityJobToAWarmSlotRatherThanWakeACheaperColdDeployment() {
        // When golem is full and a cost-priority job must burst
        Decision decision = policy.decide(request().build(), Set.of(), overflowFleet(), NOW);

        // Then it takes runpod's warm worker: 1.5 s at $0.00019, not a Modal wake of 3 + 1.5 + 60 s at $0.000164
        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("runpod-us-east");
        assertThat(decision.rule()).isEqualTo(Decision.BURST_OVERFLOW);
        assertThat(decision.expectedCostUsd()).isCloseTo(0.00019 * 1.5, Assertions.within(1e-12));
        assertThat(decision.candidates()).filteredOn(c -> c.getDeploymentId().equals("modal-us-east"))
                .singleElement().satisfies(c -> {
                    assertThat(c.getScore()).isCloseTo(0.000164 * 64.5, Assertions.within(1e-12));
                    assertThat(c.getNote()).contains("wakes a unit");
                });
    }

    @Test
    void shouldPickTheCheaperPerSecondPriceWithWakeCostOff() {
        RoutingPolicy before = new RoutingPolicy(Duration.ofSeconds(5), 1.5, StatsSettings.defaults().withWakeCost(false));

        Decision decision = before.decide(request().build(), Set.of(), overflowFleet(), NOW);

        // Both idle serverless deployments pay the same cold-start penalty, so the lower price wins
        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("modal-us-east");
        assertThat(decision.expectedCostUsd()).isCloseTo(0.000164 * 4.5, Assertions.within(1e-12));
    }

    @Test
    void shouldPriceAColdModalL4WithASixtySecondWindowAtItsWholeWake() {
        DeploymentSnapshot coldL4 = billed(deployment("modal-l4", ProviderKind.MODAL, "us-east", 0.000222, 8, 0),
                BillingModel.CONTAINER, 0, 60_000);
        DeploymentSnapshot warmL4 = billed(deployment("modal-l4", ProviderKind.MODAL, "us-east", 0.000222, 8, 1),
                BillingModel.CONTAINER, 3, 60_000);

        assertThat(policy.expectedCostUsd(coldL4, NOW)).isCloseTo(0.000222 * (3 + 1.5 + 60), Assertions.within(1e-12))
                .isBetween(0.014, 0.0145);
        assertThat(policy.expectedCostUsd(warmL4, NOW)).isCloseTo(0.000222 * 1.5, Assertions.within(1e-12));
        assertThat(policy.expectedLatencyMs(coldL4, NOW)).isEqualTo(4_500);
        assertThat(policy.expectedLatencyMs(warmL4, NOW)).isEqualTo(1_500);
    }

    @Test
    void shouldCountWarmSlotsTakenByJobsSentSinceTheHeartbeat() {
        // Given a warm RunPod worker already given a job since its heartbeat
        DeploymentSnapshot taken = new DeploymentSnapshot(billed(deployment("runpod-us-east", ProviderKind.RUNPOD,
                "us-east", 0.00019, 8, 0), BillingModel.WORKER, 1, 5_000).status(), 1);

        // Then the next job wakes a new worker: cold start + service + the 5 s idle timeout
        assertThat(policy.wakes(taken)).isTrue();
        assertThat(policy.expectedCostUsd(taken, NOW)).isCloseTo(0.00019 * (3 + 1.5 + 5), Assertions.within(1e-12));

        // But at capacity no unit starts: the job waits for a slot on a worker already billed
        DeploymentSnapshot full = billed(deployment("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00019, 2, 2),
                BillingModel.WORKER, 0, 5_000);
        assertThat(policy.wakes(full)).isFalse();
        assertThat(policy.expectedCostUsd(full, NOW)).isCloseTo(0.00019 * 1.5, Assertions.within(1e-12));
    }

    @Test
    void shouldShareALeasesSecondsAndUseTheLedgersLearnedAttemptCost() {
        // A lease with two calls in flight: a third shares the node's seconds three ways
        DeploymentSnapshot lease = billed(deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0003, 4, 2),
                BillingModel.LEASE, 2, 0);
        assertThat(policy.expectedCostUsd(lease, NOW)).isCloseTo(0.0003 * 1.5 / 3, Assertions.within(1e-12));

        // Once the ledger has taught the deployment what a successful attempt really costs, that is used
        DeploymentSnapshot learnedLease = new DeploymentSnapshot(lease.status(), 0, DeploymentStats.newBuilder()
                .setDeploymentId("golem-eu-1").setAttemptCostEwmaUsd(0.00007).setAttemptCostSamples(5)
                .setUpdatedAt(NOW).build());
        assertThat(policy.expectedCostUsd(learnedLease, NOW)).isCloseTo(0.00007, Assertions.within(1e-12));
    }

    private static DeploymentSnapshot billed(DeploymentSnapshot d, BillingModel model, int warmSlots, long idleWindowMs) {
        return new DeploymentSnapshot(ProviderStatus.newBuilder(d.status()).setBillingModel(model)
                .setWarmSlots(warmSlots).setIdleWindowMs(idleWindowMs).build(), d.routedSinceHeartbeat(), d.stats());
    }

    @Test
    void shouldFormatDollarsWithSixDecimals() {
        assertThat(RoutingPolicy.usd(0.000164)).isEqualTo("$0.000164");
        assertThat(RoutingPolicy.usd(1.5)).isEqualTo("$1.500000");
        assertThat(RoutingPolicy.usd(0.0000004)).isEqualTo("$0.000000");
        assertThat(RoutingPolicy.usd(0.0000005)).isEqualTo("$0.000001");
        assertThat(RoutingPolicy.usd(-0.25)).isEqualTo("-$0.250000");
    }

    private static DeploymentSnapshot deployment(String id, ProviderKind kind, String region, double price,
                                                 int capacity, int inFlight) {
        return new DeploymentSnapshot(ProviderStatus.newBuilder().setDeploymentId(id).setProvider(kind)
                .setRegion(region).setModels(List.of("llama3.2:1b")).setPricePerSecondUsd(price)
                .setCapacity(capacity).setInFlight(inFlight).setHealthy(true).setObservedAt(NOW)
                .setWorkerId("w").build(), 0);
    }
}
