package io.beacon.router.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BaselineForecastTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private final RoutingPolicy policy = new RoutingPolicy(Duration.ofSeconds(5), 1.5);

    @Test
    void shouldStartAtOnceOnAFreeSlotAndTakeOneServiceTime() {
        BaselineForecast forecast = policy.forecast(List.of(golem("g1", 4, 2, 0)), NOW);

        assertThat(forecast.freeSlots()).isEqualTo(2);
        assertThat(forecast.startDelaySeconds(0)).isZero();
        assertThat(forecast.startDelaySeconds(1)).isZero();
        assertThat(forecast.completionSeconds(0)).isCloseTo(1.5, within(1e-9));
    }

    @Test
    void shouldWaitForTheWorkQueuedAheadAtTheLearnedRate() {
        // Two nodes of 4 slots, learned 2 s and 4 s a call: 4/2 + 4/4 = 3 jobs a second when busy
        List<DeploymentSnapshot> baseline = List.of(learned(golem("g1", 4, 6, 0), 2_000), learned(golem("g2", 4, 4, 0), 4_000));

        BaselineForecast forecast = policy.forecast(baseline, NOW);

        assertThat(forecast.jobsPerSecond()).isCloseTo(3.0, within(1e-9));
        // 10 running or queued on 8 slots, 5 held ahead: the job is the 16th, 8 wait before it starts
        assertThat(forecast.startDelaySeconds(5)).isCloseTo(8 / 3.0, within(1e-9));
        // done after the slowest member's service time
        assertThat(forecast.completionSeconds(5)).isCloseTo(8 / 3.0 + 4.0, within(1e-9));
    }

    @Test
    void shouldAllowTheWorkersAShortQueueOfTheConfiguredWaves() {
        BaselineForecast forecast = policy.forecast(List.of(golem("g1", 4, 6, 0)), NOW);

        assertThat(forecast.queueRoom(0, 1.0)).isTrue();
        assertThat(forecast.queueRoom(2, 1.0)).isFalse();
        assertThat(forecast.queueRoom(0, 0.0)).isFalse();
    }

    @Test
    void shouldNeverStartOnAnEmptyBaseline() {
        BaselineForecast forecast = policy.forecast(List.of(), NOW);

        assertThat(forecast.startDelaySeconds(0)).isInfinite();
        assertThat(forecast.queueRoom(0, 1.0)).isFalse();
    }

    static DeploymentSnapshot golem(String id, int capacity, int inFlight, int routedSince) {
        return new DeploymentSnapshot(ProviderStatus.newBuilder().setDeploymentId(id).setProvider(ProviderKind.GOLEM)
                .setRegion("eu-central").setModels(List.of("llama3.2:1b")).setPricePerSecondUsd(0.0001)
                .setCapacity(capacity).setInFlight(inFlight).setHealthy(true).setObservedAt(NOW)
                .setWorkerId("w").build(), routedSince);
    }

    static DeploymentSnapshot learned(DeploymentSnapshot d, double latencyMs) {
        return new DeploymentSnapshot(d.status(), d.routedSinceHeartbeat(), DeploymentStats.newBuilder()
                .setDeploymentId(d.id()).setSuccesses(10).setAttempts(10).setLatencyEwmaMs(latencyMs)
                .setBilledSecondsEwma(latencyMs / 1000).setUpdatedAt(NOW).build());
    }
}
