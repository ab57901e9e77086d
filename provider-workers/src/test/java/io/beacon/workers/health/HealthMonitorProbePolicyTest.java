package io.beacon.workers.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.testsupport.MutableClock;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.ScriptedClient;
import io.beacon.workers.TestJobs;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.resilience.CircuitSettings;
import io.beacon.workers.resilience.DeploymentCircuit;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.workers.cost.CostLedger;
import io.beacon.workers.cost.MeteredClient;
import java.util.Map;

/** Health checks never wake a scale-to-zero deployment: Modal is probed only as a circuit's recovery trial. */
class HealthMonitorProbePolicyTest {

    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final MutableClock clock = new MutableClock(t0);
    private final ScriptedClient modal = new ScriptedClient(ProviderKind.MODAL).probesTake(Duration.ofMillis(200), clock);
    private final ScriptedClient golem = new ScriptedClient(ProviderKind.GOLEM).probesTake(Duration.ofMillis(200), clock);

    private DeploymentCircuit circuit(String id) {
        return new DeploymentCircuit(id, new CircuitSettings(CircuitSettings.WindowType.COUNT, 10, 3, 50f,
                Duration.ofSeconds(5), 1), clock, () -> { });
    }

    @Test
    void modalLeftAloneGetsNoProbesAndCountsAsHealthyThenRecoveryTrialsProbeAndAreBilled() {
        DeploymentEndpoint d = TestJobs.deployment("modal-a", ProviderKind.MODAL, URI.create("http://x:1"), 2);
        DeploymentCircuit circuit = circuit("modal-a");
        CostLedger ledger = new CostLedger(List.of(d), "w");
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("modal-a", circuit),
                new MeteredClient(modal, ledger, clock), clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w", ledger);

        for (int i = 0; i < 20; i++) {
            monitor.maybeProbe();
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(modal.probes("modal-a")).isEqualTo(0);
        assertThat(monitor.snapshot("modal-a").healthy()).as("health judged from real calls").isTrue();
        assertThat(ledger.drain(clock.instant())).isEmpty();

        // Real calls fail: the circuit opens, the deployment is unhealthy, and no probe runs before the wait
        for (int i = 0; i < 3; i++) {
            assertThat(circuit.tryAcquire()).isTrue();
            circuit.record(CallOutcome.builder(clock.instant(), clock.instant())
                    .failed(AttemptOutcome.RETRYABLE_FAILURE, "HTTP 500").build());
        }
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        assertThat(modal.probes("modal-a")).isEqualTo(0);
        assertThat(monitor.snapshot("modal-a").healthy()).isFalse();

        // After the open wait the probe is the recovery trial, and it reaches (and bills) a container
        clock.advance(Duration.ofSeconds(4));
        monitor.maybeProbe();
        assertThat(modal.probes("modal-a")).isEqualTo(1);
        assertThat(circuit.state()).isNotEqualTo(CircuitState.OPEN);
        List<CostEntry> entries = ledger.drain(clock.instant());
        assertThat(entries).filteredOn(e -> e.getKind() == CostKind.PROBE).singleElement()
                .satisfies(e -> assertThat(e.getUnitSeconds()).isCloseTo(0.2, within(1e-9)));
    }

    @Test
    void golemIsProbedEveryIntervalAndTheProbeOnlyStartsTheLease() {
        DeploymentEndpoint d = TestJobs.deployment("golem-a", ProviderKind.GOLEM, URI.create("http://x:1"), 2);
        CostLedger ledger = new CostLedger(List.of(d), "w");
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("golem-a", circuit("golem-a")),
                new MeteredClient(golem, ledger, clock), clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w", ledger);
        for (int i = 0; i < 5; i++) {
            monitor.maybeProbe();
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(golem.probes("golem-a")).isEqualTo(5);
        List<CostEntry> entries = ledger.drain(clock.instant());
        assertThat(entries).allSatisfy(e -> assertThat(e.getKind()).isEqualTo(CostKind.IDLE));
        assertThat(entries.stream().mapToDouble(CostEntry::getUnitSeconds).sum())
                .as("the lease from the first probe").isCloseTo(5 * 2.2, within(1e-9));
    }
}
