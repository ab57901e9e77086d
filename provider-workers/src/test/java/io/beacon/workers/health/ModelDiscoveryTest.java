package io.beacon.workers.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.testsupport.MutableClock;
import io.beacon.workers.ScriptedClient;
import io.beacon.workers.TestJobs;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.core.Billing;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ModelCatalogue;
import io.beacon.workers.cost.CostLedger;
import io.beacon.workers.cost.MeteredClient;
import io.beacon.workers.resilience.CircuitSettings;
import io.beacon.workers.resilience.DeploymentCircuit;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the model lists cost and when they are asked: a Modal deployment's {@code /v1/models} reaches a
 * container, so it is asked only right after a call a container answered (or once at start when configured);
 * a Golem node's probe lists its models anyway. Heartbeats carry the catalogue either way.
 */
class ModelDiscoveryTest {

    private static final String LLAMA_HF = "meta-llama/Llama-3.2-1B-Instruct";

    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final MutableClock clock = new MutableClock(t0);
    private final DeploymentEndpoint modalDeployment = TestJobs.deployment("modal-a", ProviderKind.MODAL,
            URI.create("http://x:1"), 2);
    private final ScriptedClient modal = new ScriptedClient(ProviderKind.MODAL).probesTake(Duration.ofMillis(200), clock)
            .listsModels(List.of(LLAMA_HF));
    private final CostLedger ledger = new CostLedger(List.of(modalDeployment), "w");

    private DeploymentCircuit circuit(String id) {
        return new DeploymentCircuit(id, CircuitSettings.defaults(), clock, () -> { });
    }

    private HealthMonitor modalMonitor(ModelDiscovery.Mode mode) {
        return new HealthMonitor(List.of(modalDeployment), Map.of("modal-a", circuit("modal-a")),
                new MeteredClient(modal, ledger, clock), clock, Duration.ofSeconds(2), Duration.ofSeconds(1), "w",
                ledger, new ModelCatalogue(), new ModelDiscovery(mode, Duration.ofMinutes(10)));
    }

    private CallOutcome succeeded() {
        return CallOutcome.builder(clock.instant().minusMillis(300), clock.instant()).succeeded("hi").build();
    }

    private CallOutcome answered(int status, AttemptOutcome outcome) {
        return CallOutcome.builder(clock.instant().minusMillis(5), clock.instant()).httpStatus(status, null)
                .failed(outcome, "modal returned HTTP " + status).build();
    }

    private ProviderStatus heartbeat(HealthMonitor monitor) {
        return monitor.statuses(Map.of()).get(0);
    }

    @Test
    void shouldAskAModalDeploymentForItsModelsOnlyRightAfterACallAContainerAnswered() {
        // Given a Modal worker that has made no call: probes and heartbeats never list models
        HealthMonitor monitor = modalMonitor(ModelDiscovery.Mode.AFTER_CALL);
        for (int i = 0; i < 10; i++) {
            monitor.maybeProbe();
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(modal.listings("modal-a")).isZero();
        // (before any list, the built-in table names the model)
        assertThat(heartbeat(monitor).getProviderModels()).containsExactly(Map.entry("llama3.2:1b", LLAMA_HF));

        // When the proxy refuses a call (no container involved), nothing is asked either
        monitor.afterCall(modalDeployment, answered(401, AttemptOutcome.PERMANENT_FAILURE));
        monitor.afterCall(modalDeployment, answered(429, AttemptOutcome.RETRYABLE_FAILURE));
        assertThat(modal.listings("modal-a")).isZero();

        // When a call succeeds, the warm container is asked once, and again only when the list is stale
        monitor.afterCall(modalDeployment, succeeded());
        monitor.afterCall(modalDeployment, succeeded());
        assertThat(modal.listings("modal-a")).isEqualTo(1);
        clock.advance(Duration.ofMinutes(10));
        monitor.afterCall(modalDeployment, succeeded());
        assertThat(modal.listings("modal-a")).isEqualTo(2);

        // Then the heartbeat carries the learned catalogue, and each listing is in the ledger as a probe
        ProviderStatus status = heartbeat(monitor);
        assertThat(status.getModels()).containsExactly("llama3.2:1b");
        assertThat(status.getProviderModels()).containsExactly(Map.entry("llama3.2:1b", LLAMA_HF));
        List<CostEntry> entries = ledger.drain(clock.instant());
        assertThat(entries).filteredOn(e -> e.getKind() == CostKind.PROBE).hasSize(2)
                .allSatisfy(e -> assertThat(e.getUnitSeconds()).isCloseTo(0.2, within(1e-9)));
    }

    @Test
    void shouldAskAgainAfterA404ButNotMoreThanOnceInAWhile() {
        HealthMonitor monitor = modalMonitor(ModelDiscovery.Mode.AFTER_CALL);
        monitor.afterCall(modalDeployment, succeeded());
        assertThat(modal.listings("modal-a")).isEqualTo(1);

        // A 404 right after: the list was just asked for
        clock.advance(Duration.ofSeconds(5));
        monitor.afterCall(modalDeployment, answered(404, AttemptOutcome.PERMANENT_FAILURE));
        assertThat(modal.listings("modal-a")).isEqualTo(1);

        // A 404 a while later: the model may have another name there now
        clock.advance(ModelDiscoverer.MIN_RELIST);
        monitor.afterCall(modalDeployment, answered(404, AttemptOutcome.PERMANENT_FAILURE));
        assertThat(modal.listings("modal-a")).isEqualTo(2);
    }

    @Test
    void shouldNeverAskWhenOffAndAskOnceAtStartWhenConfiguredTo() {
        HealthMonitor off = modalMonitor(ModelDiscovery.Mode.OFF);
        off.maybeProbe();
        off.afterCall(modalDeployment, succeeded());
        assertThat(modal.listings("modal-a")).isZero();

        HealthMonitor atStart = modalMonitor(ModelDiscovery.Mode.STARTUP);
        for (int i = 0; i < 5; i++) {
            atStart.maybeProbe();
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(modal.listings("modal-a")).as("once, container warm or not").isEqualTo(1);
        assertThat(heartbeat(atStart).getModels()).containsExactly("llama3.2:1b");
    }

    @Test
    void shouldLearnAGolemNodesModelsFromItsProbeAndReportOnlyThoseItHas() {
        // Given a node configured with two models whose Ollama has only one
        DeploymentEndpoint node = new DeploymentEndpoint("golem-a", ProviderKind.GOLEM, "eu-central",
                URI.create("http://x:1"), List.of("llama3.2:1b", "mistral:7b"), 0.0001, 2, Duration.ofSeconds(30),
                Billing.defaults(ProviderKind.GOLEM, 2));
        ScriptedClient golem = new ScriptedClient(ProviderKind.GOLEM).probesList(List.of("llama3.2:1b"));
        HealthMonitor monitor = new HealthMonitor(List.of(node), Map.of("golem-a", circuit("golem-a")), golem, clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w", null, new ModelCatalogue(),
                ModelDiscovery.defaults());
        assertThat(heartbeat(monitor).getModels()).as("before the first probe").containsExactly("llama3.2:1b",
                "mistral:7b");

        // When it is probed
        monitor.maybeProbe();

        // Then the heartbeat offers only what the node lists, with no call of its own for the list
        assertThat(heartbeat(monitor).getModels()).containsExactly("llama3.2:1b");
        assertThat(heartbeat(monitor).getProviderModels()).isEmpty();
        assertThat(golem.listings("golem-a")).isZero();
    }
}
