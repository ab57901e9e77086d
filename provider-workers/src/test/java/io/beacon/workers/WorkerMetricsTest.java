package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.ops.metrics.OpsMetrics;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.core.DeploymentEndpoint;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a worker's heartbeats and attempts turn into at GET /metrics. */
class WorkerMetricsTest {

    private static final DeploymentEndpoint NODE_A = TestJobs.deployment("runpod-a", ProviderKind.RUNPOD,
            URI.create("http://127.0.0.1:1"), 4);
    private static final DeploymentEndpoint NODE_B = TestJobs.deployment("runpod-b", ProviderKind.RUNPOD,
            URI.create("http://127.0.0.1:2"), 4);

    private final OpsMetrics ops = OpsMetrics.create("worker-runpod");
    private final WorkerMetrics metrics = new WorkerMetrics(ops.registry(), ProviderKind.RUNPOD, List.of(NODE_A, NODE_B));

    @AfterEach
    void tearDown() {
        ops.close();
    }

    private String scrape() {
        return ops.scrape(null);
    }

    private static ProviderStatus status(DeploymentEndpoint d, int inFlight, CircuitState circuit) {
        return ProviderStatus.newBuilder().setDeploymentId(d.id()).setProvider(d.provider()).setRegion(d.region())
                .setModels(d.models()).setPricePerSecondUsd(d.pricePerSecondUsd()).setCapacity(d.capacity())
                .setInFlight(inFlight).setQueued(0).setHealthy(circuit != CircuitState.OPEN).setCircuitState(circuit)
                .setObservedAt(Instant.now()).setWorkerId("w").build();
    }

    private static JobAttempt attempt(DeploymentEndpoint d, CallOutcome outcome) {
        return Attempts.of(TestJobs.promptJob("job-" + System.nanoTime(), d, Instant.now().plusSeconds(60)), outcome,
                "w");
    }

    private static CallOutcome called(AttemptOutcome outcome, Duration took) {
        Instant end = Instant.parse("2030-01-01T00:00:10Z");
        CallOutcome.Builder b = CallOutcome.builder(end.minus(took), end);
        return outcome == AttemptOutcome.SUCCEEDED ? b.succeeded("hi").build() : b.failed(outcome, "HTTP 503").build();
    }

    @Test
    void shouldShowEveryDeploymentAtZeroWithAnUnreportedCircuitBeforeTheFirstHeartbeat() {
        String text = scrape();

        assertThat(text).contains("beacon_deployment_in_flight{application=\"worker-runpod\",deployment=\"runpod-a\","
                + "provider=\"runpod\"} 0.0");
        assertThat(text).contains("beacon_deployment_circuit_state{application=\"worker-runpod\",deployment=\"runpod-b\","
                + "provider=\"runpod\"} -1.0");
        assertThat(text).contains("beacon_attempts_total{application=\"worker-runpod\",deployment=\"runpod-a\","
                + "outcome=\"retryable_failure\",provider=\"runpod\"} 0.0");
        assertThat(text).contains("beacon_attempt_duration_seconds_count{application=\"worker-runpod\","
                + "deployment=\"runpod-b\",provider=\"runpod\"} 0");
    }

    @Test
    void shouldSetInFlightAndCircuitStateFromEachHeartbeat() {
        metrics.statusPublished(status(NODE_A, 3, CircuitState.CLOSED));
        metrics.statusPublished(status(NODE_B, 0, CircuitState.OPEN));
        String first = scrape();
        metrics.statusPublished(status(NODE_B, 1, CircuitState.HALF_OPEN));
        String second = scrape();

        assertThat(first).contains("beacon_deployment_in_flight{application=\"worker-runpod\",deployment=\"runpod-a\","
                + "provider=\"runpod\"} 3.0");
        assertThat(first).contains("beacon_deployment_circuit_state{application=\"worker-runpod\",deployment=\"runpod-a\","
                + "provider=\"runpod\"} 0.0");
        assertThat(first).contains("beacon_deployment_circuit_state{application=\"worker-runpod\",deployment=\"runpod-b\","
                + "provider=\"runpod\"} 2.0");
        assertThat(second).contains("beacon_deployment_circuit_state{application=\"worker-runpod\",deployment=\"runpod-b\","
                + "provider=\"runpod\"} 1.0");
        assertThat(second).contains("beacon_deployment_in_flight{application=\"worker-runpod\",deployment=\"runpod-b\","
                + "provider=\"runpod\"} 1.0");
    }

    @Test
    void shouldCountAttemptsByOutcomeAndTimeOnlyThoseThatReachedTheDeployment() {
        // Given two calls that reached node A and one refusal without a call (its circuit was open)
        metrics.attemptWritten(attempt(NODE_A, called(AttemptOutcome.SUCCEEDED, Duration.ofMillis(1500))));
        metrics.attemptWritten(attempt(NODE_A, called(AttemptOutcome.RETRYABLE_FAILURE, Duration.ofMillis(500))));
        metrics.attemptWritten(attempt(NODE_A, CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                "circuit open for runpod-a", Instant.now())));

        String text = scrape();

        // Then all three are counted, two are timed, with their provider time in seconds
        assertThat(text).contains("beacon_attempts_total{application=\"worker-runpod\",deployment=\"runpod-a\","
                + "outcome=\"succeeded\",provider=\"runpod\"} 1.0");
        assertThat(text).contains("beacon_attempts_total{application=\"worker-runpod\",deployment=\"runpod-a\","
                + "outcome=\"retryable_failure\",provider=\"runpod\"} 2.0");
        assertThat(text).contains("beacon_attempt_duration_seconds_count{application=\"worker-runpod\","
                + "deployment=\"runpod-a\",provider=\"runpod\"} 2");
        assertThat(text).contains("beacon_attempt_duration_seconds_sum{application=\"worker-runpod\","
                + "deployment=\"runpod-a\",provider=\"runpod\"} 2.0");
        assertThat(text).contains("beacon_attempt_duration_seconds_bucket{application=\"worker-runpod\","
                + "deployment=\"runpod-a\",provider=\"runpod\",le=\"1.0\"} 1");
        assertThat(text).contains("beacon_attempts_total{application=\"worker-runpod\",deployment=\"runpod-b\","
                + "outcome=\"succeeded\",provider=\"runpod\"} 0.0");
    }

    @Test
    void shouldMapEveryCircuitStateToItsGaugeValue() {
        assertThat(WorkerMetrics.circuitValue(CircuitState.CLOSED)).isZero();
        assertThat(WorkerMetrics.circuitValue(CircuitState.HALF_OPEN)).isEqualTo(1);
        assertThat(WorkerMetrics.circuitValue(CircuitState.OPEN)).isEqualTo(2);
        assertThat(WorkerMetrics.circuitValue(CircuitState.UNKNOWN)).isEqualTo(-1);
        assertThat(WorkerMetrics.circuitValue(null)).isEqualTo(-1);
    }

    @Test
    void shouldCountLedgerMoneyByKindAndGaugeUnitsUp() {
        assertThat(scrape()).contains("deployment=\"runpod-a\",kind=\"idle\",provider=\"runpod\"} 0.0");
        io.beacon.workers.cost.CostLedger ledger = new io.beacon.workers.cost.CostLedger(List.of(NODE_A, NODE_B), "w");
        Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
        io.beacon.workers.cost.CostLedger.Call call = ledger.open("runpod-a", io.beacon.workers.cost.CallKind.ATTEMPT, t0);
        ledger.snapshots(t0).forEach(metrics::ledgerSnapshot);
        assertThat(ops.registry().get(WorkerMetrics.UNITS_UP).tag("deployment", "runpod-a").gauge().value()).isEqualTo(1.0);
        assertThat(ops.registry().get(WorkerMetrics.UNITS_UP).tag("deployment", "runpod-b").gauge().value()).isEqualTo(0.0);
        assertThat(scrape()).contains("beacon_worker_units_up{");
        call.close(t0.plusMillis(1500));
        ledger.drain(t0.plusSeconds(60)).forEach(metrics::costEntryWritten);
        // 1.5 s of call, 5 s idle timeout, rounded up to 7 s: the idle part is 5.5 s at the flex price.
        assertThat(ops.registry().get(WorkerMetrics.COST).tag("deployment", "runpod-a").tag("kind", "idle").counter()
                .count()).isCloseTo(5.5 * NODE_A.pricePerSecondUsd(), org.assertj.core.api.Assertions.within(1e-12));
        assertThat(scrape()).contains("beacon_worker_cost_usd_total{");
    }
}
