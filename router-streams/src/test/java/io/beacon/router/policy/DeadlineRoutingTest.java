package io.beacon.router.policy;

import static io.beacon.router.policy.BaselineForecastTest.golem;
import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.LatencyClass;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the policy treats latency classes, deadlines and the budget. */
class DeadlineRoutingTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private final RoutingPolicy policy = new RoutingPolicy(Duration.ofSeconds(5), 1.5);

    /** One Golem node of 4 slots with 8 running or queued (full, one wave queued), and a free Modal deployment. */
    private final List<DeploymentSnapshot> busy = List.of(golem("golem-a", 4, 8, 0), modal("modal-a", 8, 0));

    @Test
    void shouldHoldABatchJobForTheBaselineWhileItFinishesInTime() {
        Decision decision = policy.decide(batch(Duration.ofMinutes(30)), Set.of(), busy, NOW, ProviderBacklog.NONE,
                RoutingContext.of(NOW.plus(Duration.ofMinutes(30)), 0, true));

        assertThat(decision.held()).isTrue();
        assertThat(decision.chosen()).isEmpty();
        // 8 on 4 slots at 4 / 1.5 s a second: the job is the 9th, 5 wait before it
        assertThat(decision.predictedStart()).isEqualTo(NOW.plusMillis(Math.round(5 / (4 / 1.5) * 1000)));
        // released at the latest: deadline - 60 s margin - the fastest other deployment's time
        assertThat(decision.releaseBy()).isBefore(NOW.plus(Duration.ofMinutes(29))).isAfter(NOW.plus(Duration.ofMinutes(28)));
        assertThat(decision.reason()).contains("held for the baseline", "predicted start on the baseline");
    }

    @Test
    void shouldSendBatchWorkToServerlessOnlyWhenTheBaselineCannotFinishItInTime() {
        // 90 s deadline: the 60 s margin leaves too little once 300 jobs are held ahead
        Decision decision = policy.decide(batch(Duration.ofSeconds(90)), Set.of(), busy, NOW, ProviderBacklog.NONE,
                RoutingContext.of(NOW.plusSeconds(90), 300, true));

        assertThat(decision.held()).isFalse();
        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("modal-a");
        assertThat(decision.rule()).isEqualTo(Decision.BURST_OVERFLOW);
        assertThat(decision.reason()).contains("the baseline cannot finish it in time");
    }

    @Test
    void shouldReleaseAHeldJobThatMayNoLongerWait() {
        Decision decision = policy.decide(batch(Duration.ofMinutes(30)), Set.of(), busy, NOW, ProviderBacklog.NONE,
                RoutingContext.of(NOW.plus(Duration.ofMinutes(30)), 0, false));

        assertThat(decision.held()).isFalse();
        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("modal-a");
        assertThat(decision.reason()).contains("released at its latest");
    }

    @Test
    void shouldLetABatchJobJoinTheBaselinesShortQueue() {
        List<DeploymentSnapshot> queued = List.of(golem("golem-a", 4, 5, 0), modal("modal-a", 8, 0));

        Decision decision = policy.decide(batch(Duration.ofMinutes(30)), Set.of(), queued, NOW, ProviderBacklog.NONE,
                RoutingContext.of(NOW.plus(Duration.ofMinutes(30)), 0, true));

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("golem-a");
        assertThat(decision.rule()).isEqualTo(Decision.BASELINE_QUEUE);
    }

    @Test
    void shouldLeaveAFreeBaselineSlotToTheJobsHeldAhead() {
        List<DeploymentSnapshot> oneFree = List.of(golem("golem-a", 4, 3, 0), modal("modal-a", 8, 0));

        Decision first = policy.decide(batch(Duration.ofMinutes(30)), Set.of(), oneFree, NOW, ProviderBacklog.NONE,
                RoutingContext.of(NOW.plus(Duration.ofMinutes(30)), 0, true));
        Decision behind = policy.decide(batch(Duration.ofMinutes(30)), Set.of(), oneFree, NOW, ProviderBacklog.NONE,
                RoutingContext.of(NOW.plus(Duration.ofMinutes(30)), 12, true));

        assertThat(first.chosen()).map(DeploymentSnapshot::id).hasValue("golem-a");
        assertThat(first.rule()).isEqualTo(Decision.BASELINE);
        assertThat(behind.held()).isTrue();
    }

    @Test
    void shouldTreatACostPriorityJobWithSlackAsBatchAndOneWithoutAsBefore() {
        InferenceRequest slack = request(Duration.ofMinutes(10)).build();
        InferenceRequest tight = request(Duration.ofMinutes(2)).build();
        InferenceRequest none = request(Duration.ofMinutes(2)).setDeadline(null).build();

        assertThat(policy.latencyClass(slack)).isEqualTo(LatencyClass.BATCH);
        assertThat(policy.latencyClass(tight)).isEqualTo(LatencyClass.UNSPECIFIED);
        assertThat(policy.latencyClass(none)).isEqualTo(LatencyClass.UNSPECIFIED);
        // Unchanged behaviour for a job that says nothing: overflow to the cheapest burst deployment at once
        Decision decision = policy.decide(tight, Set.of(), busy, NOW, ProviderBacklog.NONE,
                RoutingContext.of(tight.getDeadline(), 0, true));
        assertThat(decision.rule()).isEqualTo(Decision.BURST_OVERFLOW);
    }

    @Test
    void shouldGiveAnInteractiveJobTheFastestDeploymentEvenWithCostPriority() {
        List<DeploymentSnapshot> fleet = List.of(golem("golem-a", 4, 0, 0), modal("modal-a", 8, 0));
        InferenceRequest interactive = request(Duration.ofMinutes(30)).setLatencyClass(LatencyClass.INTERACTIVE).build();
        List<DeploymentSnapshot> golemQueued = List.of(golem("golem-a", 4, 12, 0), modal("modal-a", 8, 0));

        Decision free = policy.decide(interactive, Set.of(), fleet, NOW, ProviderBacklog.NONE,
                RoutingContext.of(interactive.getDeadline(), 40, true));
        Decision queued = policy.decide(interactive, Set.of(), golemQueued, NOW, ProviderBacklog.NONE,
                RoutingContext.of(interactive.getDeadline(), 40, true));

        assertThat(free.rule()).isEqualTo(Decision.SPEED);
        assertThat(free.chosen()).map(DeploymentSnapshot::id).hasValue("golem-a");
        assertThat(queued.held()).isFalse();
        assertThat(queued.chosen()).map(DeploymentSnapshot::id).hasValue("modal-a");
        assertThat(queued.reason()).contains("interactive, fastest expected completion");
    }

    @Test
    void shouldSayWhenEveryCandidateLeftIsOverTheMaxPrice() {
        InferenceRequest capped = request(Duration.ofMinutes(2)).setMaxPricePerInferenceUsd(0.00001).build();

        Decision decision = policy.decide(capped, Set.of("golem-a"), busy, NOW, ProviderBacklog.NONE,
                RoutingContext.of(capped.getDeadline(), 0, true));

        assertThat(decision.chosen()).isEmpty();
        assertThat(decision.rule()).isEqualTo(Decision.OVER_PRICE);
        assertThat(decision.reason()).contains("max price $0.000010", "already tried: golem-a");
    }

    @Test
    void shouldSteerAwayFromExpensiveDeploymentsAsTheBlendNearsTheBudget() {
        RoutingPolicy budgeted = new RoutingPolicy(Duration.ofSeconds(5), 1.5, StatsSettings.defaults(),
                HoldSettings.defaults(), BudgetSettings.of(0.0002, Duration.ofMinutes(10)));
        // Speed priority prefers the fast RunPod ($0.0009 a call, 1 s) over the slower, cheaper Modal ($0.00018,
        // 1.5 s); both warm (a call in flight)
        DeploymentSnapshot runpod = deployment("runpod-a", ProviderKind.RUNPOD, 0.0009, 8);
        List<DeploymentSnapshot> fleet = List.of(modal("modal-a", 8, 1), BaselineForecastTest.learned(
                new DeploymentSnapshot(ProviderStatus.newBuilder(runpod.status()).setInFlight(1).build(), 0), 1_000));
        InferenceRequest speedy = request(Duration.ofMinutes(2)).setCostPriority(false).build();

        Decision cheapSoFar = budgeted.decide(speedy, Set.of(), fleet, NOW, ProviderBacklog.NONE,
                RoutingContext.of(speedy.getDeadline(), 0, true).withBlendedCost(0.0001));
        Decision nearBudget = budgeted.decide(speedy, Set.of(), fleet, NOW, ProviderBacklog.NONE,
                RoutingContext.of(speedy.getDeadline(), 0, true).withBlendedCost(0.00019));

        assertThat(cheapSoFar.chosen()).map(DeploymentSnapshot::id).hasValue("runpod-a");
        assertThat(nearBudget.chosen()).map(DeploymentSnapshot::id).hasValue("modal-a");
        assertThat(nearBudget.reason()).contains("near the budget $0.000200", "avoiding deployments expected over");
    }

    private static InferenceRequest batch(Duration deadline) {
        return request(deadline).setLatencyClass(LatencyClass.BATCH).build();
    }

    private static InferenceRequest.Builder request(Duration deadline) {
        return InferenceRequest.newBuilder().setJobId("job-1").setModel("llama3.2:1b").setPrompt("hi")
                .setCreatedAt(NOW).setDeadline(NOW.plus(deadline));
    }

    private static DeploymentSnapshot modal(String id, int capacity, int inFlight) {
        return new DeploymentSnapshot(ProviderStatus.newBuilder(deployment(id, ProviderKind.MODAL, 0.00012, capacity).status())
                .setInFlight(inFlight).build(), 0);
    }

    private static DeploymentSnapshot deployment(String id, ProviderKind kind, double price, int capacity) {
        return new DeploymentSnapshot(ProviderStatus.newBuilder().setDeploymentId(id).setProvider(kind)
                .setRegion("us-east").setModels(List.of("llama3.2:1b")).setPricePerSecondUsd(price)
                .setCapacity(capacity).setInFlight(0).setHealthy(true).setObservedAt(NOW)
                .setWorkerId("w").build(), 0);
    }
}
