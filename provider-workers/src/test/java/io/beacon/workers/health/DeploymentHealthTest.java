package io.beacon.workers.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.testsupport.MutableClock;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.TestJobs;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.resilience.CircuitSettings;
import io.beacon.workers.resilience.DeploymentCircuit;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentHealthTest {

    private final DeploymentEndpoint d = TestJobs.deployment("golem-a", ProviderKind.GOLEM, URI.create("http://x:1"), 1);
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final MutableClock clock = new MutableClock(t0);
    private final DeploymentCircuit circuit = new DeploymentCircuit("golem-a", new CircuitSettings(
            CircuitSettings.WindowType.COUNT, 10, 3, 50f, Duration.ofSeconds(5), 1), clock, () -> { });
    private final DeploymentHealth health = new DeploymentHealth(d, circuit, Duration.ofSeconds(6));

    private CallOutcome outcome(AttemptOutcome o) {
        CallOutcome.Builder b = CallOutcome.builder(clock.instant(), clock.instant());
        return (o == AttemptOutcome.SUCCEEDED ? b.succeeded("ok") : b.failed(o, "HTTP 500: boom")).build();
    }

    @Test
    void shouldBeUnhealthyUntilTheFirstProbeSucceeds() {
        assertThat(health.snapshot(t0).healthy()).isFalse();
        assertThat(health.snapshot(t0).error()).isEqualTo("not probed yet");

        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), t0, List.of("m1")));

        assertThat(health.snapshot(t0).healthy()).isTrue();
        assertThat(health.snapshot(t0).probeLatencyMs()).isEqualTo(4L);
        assertThat(health.snapshot(t0).probedModels()).containsExactly("m1");
        assertThat(health.snapshot(t0).circuitState()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void shouldTurnUnhealthyWhenTheProbeGoesStale() {
        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), t0, List.of()));

        assertThat(health.snapshot(t0.plusSeconds(5)).healthy()).isTrue();
        assertThat(health.snapshot(t0.plusSeconds(7)).healthy()).isFalse();
        assertThat(health.snapshot(t0.plusSeconds(7)).error()).contains("no successful probe");
    }

    @Test
    void shouldBeUnhealthyWhileTheCircuitIsOpenEvenWhenTheProbeAnswers() {
        // Given a deployment whose probe answers
        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), t0, List.of()));

        // When its calls fail until the circuit opens
        for (int i = 0; i < 3; i++) {
            assertThat(circuit.tryAcquire()).isTrue();
            circuit.record(outcome(AttemptOutcome.RETRYABLE_FAILURE));
        }

        // Then the snapshot is unhealthy, OPEN, and says why
        DeploymentHealth.Snapshot s = health.snapshot(t0);
        assertThat(s.healthy()).isFalse();
        assertThat(s.circuitState()).isEqualTo(CircuitState.OPEN);
        assertThat(s.error()).contains("circuit open").contains("100% of the last 3 calls failed")
                .contains("HTTP 500: boom");
    }

    @Test
    void shouldCountAHalfOpenCircuitAsHealthySoTheRouterCanSendTrialCalls() {
        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), t0, List.of()));
        for (int i = 0; i < 3; i++) {
            circuit.tryAcquire();
            circuit.record(outcome(AttemptOutcome.RETRYABLE_FAILURE));
        }
        clock.advance(Duration.ofSeconds(5).plusMillis(1));

        // When a probe takes the first trial permit
        DeploymentCircuit.Trial trial = circuit.tryStartTrial();

        // Then the circuit is half-open and the deployment healthy while the probe answers
        assertThat(trial).isNotNull();
        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), clock.instant(), List.of()));
        assertThat(health.snapshot(clock.instant()).circuitState()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(health.snapshot(clock.instant()).healthy()).isTrue();
    }

    @Test
    void shouldTakeTheProbesErrorWhenItFails() {
        health.probed(ProbeOutcome.unhealthy(null, "probe /api/tags returned HTTP 503", t0));

        assertThat(health.snapshot(t0).healthy()).isFalse();
        assertThat(health.snapshot(t0).error()).contains("HTTP 503");
        assertThat(health.snapshot(t0).probeLatencyMs()).isNull();
    }
}
