package io.beacon.workers.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.DeploymentEndpoint;
import io.beacon.workers.TestJobs;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentHealthTest {

    private final DeploymentEndpoint d = TestJobs.deployment("golem-a", ProviderKind.GOLEM, URI.create("http://x:1"), 1);
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final DeploymentHealth health = new DeploymentHealth(d, 3, Duration.ofSeconds(6), Duration.ofSeconds(10));

    private static CallOutcome outcome(AttemptOutcome o, Instant at) {
        CallOutcome.Builder b = CallOutcome.builder(at, at);
        return (o == AttemptOutcome.SUCCEEDED ? b.succeeded("ok") : b.failed(o, "HTTP 503")).build();
    }

    @Test
    void shouldBeUnhealthyUntilTheFirstProbeSucceeds() {
        assertThat(health.snapshot(t0).healthy()).isFalse();
        assertThat(health.snapshot(t0).error()).isEqualTo("not probed yet");

        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), t0, List.of("m1")));

        assertThat(health.snapshot(t0).healthy()).isTrue();
        assertThat(health.snapshot(t0).probeLatencyMs()).isEqualTo(4L);
        assertThat(health.snapshot(t0).probedModels()).containsExactly("m1");
    }

    @Test
    void shouldTurnUnhealthyWhenTheProbeGoesStale() {
        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), t0, List.of()));

        assertThat(health.snapshot(t0.plusSeconds(5)).healthy()).isTrue();
        assertThat(health.snapshot(t0.plusSeconds(7)).healthy()).isFalse();
        assertThat(health.snapshot(t0.plusSeconds(7)).error()).contains("no successful probe");
    }

    @Test
    void shouldTurnUnhealthyAfterConsecutiveRetryableFailuresAndRecoverOnSuccessOrWithTime() {
        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), t0, List.of()));
        health.called(outcome(AttemptOutcome.RETRYABLE_FAILURE, t0));
        health.called(outcome(AttemptOutcome.PERMANENT_FAILURE, t0));
        health.called(outcome(AttemptOutcome.RETRYABLE_FAILURE, t0));
        assertThat(health.snapshot(t0).healthy()).isTrue();

        health.called(outcome(AttemptOutcome.RETRYABLE_FAILURE, t0));
        assertThat(health.snapshot(t0).healthy()).isFalse();
        assertThat(health.snapshot(t0).error()).contains("3 calls in a row failed");

        health.probed(ProbeOutcome.healthy(Duration.ofMillis(4), t0.plusSeconds(11), List.of()));
        assertThat(health.snapshot(t0.plusSeconds(11)).healthy()).as("streak forgotten after failureMemory").isTrue();

        health.called(outcome(AttemptOutcome.SUCCEEDED, t0.plusSeconds(11)));
        assertThat(health.consecutiveFailures()).isZero();
    }

    @Test
    void shouldTakeTheProbesErrorWhenItFails() {
        health.probed(ProbeOutcome.unhealthy(null, "probe /api/tags returned HTTP 503", t0));

        assertThat(health.snapshot(t0).healthy()).isFalse();
        assertThat(health.snapshot(t0).error()).contains("HTTP 503");
        assertThat(health.snapshot(t0).probeLatencyMs()).isNull();
    }
}
