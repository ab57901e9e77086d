package io.beacon.workers.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.testsupport.MutableClock;
import io.beacon.workers.ScriptedClient;
import io.beacon.workers.TestJobs;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.FailureClassifier;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.cost.CostLedger;
import io.beacon.workers.cost.MeteredClient;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.resilience.CircuitSettings;
import io.beacon.workers.resilience.DeploymentCircuit;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A deployment whose set-up is wrong (credentials refused, model missing) is marked MISCONFIGURED with the reason
 * in its heartbeat and kept out until a probe shows the reason gone; a Modal deployment, never probed while
 * healthy, gets billed recovery probes while misconfigured, backing off while they fail.
 */
class MisconfiguredDeploymentTest {

    private static final Duration OPEN_WAIT = Duration.ofSeconds(5);

    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final MutableClock clock = new MutableClock(t0);
    private final AtomicInteger heartbeatsAsked = new AtomicInteger();

    private DeploymentCircuit circuit(String id) {
        return new DeploymentCircuit(id, new CircuitSettings(CircuitSettings.WindowType.COUNT, 10, 3, 50f,
                OPEN_WAIT, 1), clock, heartbeatsAsked::incrementAndGet);
    }

    private CallOutcome misconfigured(int status, String body) {
        FailureClassifier.Verdict verdict = FailureClassifier.ofHttp(status, body);
        return CallOutcome.builder(clock.instant(), clock.instant())
                .failed(verdict, "provider returned HTTP " + status + ": " + body).build();
    }

    private static ProviderStatus heartbeat(HealthMonitor monitor) {
        return monitor.statuses(Map.of()).get(0);
    }

    @Test
    void shouldMarkANodeWithoutTheModelMisconfiguredUntilItsModelListShowsTheModel() {
        // Given a Golem node whose probes list only another model
        DeploymentEndpoint d = TestJobs.deployment("golem-a", ProviderKind.GOLEM, URI.create("http://x:1"), 4);
        DeploymentCircuit circuit = circuit("golem-a");
        ScriptedClient node = new ScriptedClient(ProviderKind.GOLEM).probesTake(Duration.ofMillis(5), clock)
                .probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of("qwen2.5:0.5b")));
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("golem-a", circuit), node, clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w");
        monitor.maybeProbe();
        ProviderStatus listed = heartbeat(monitor);
        assertThat(listed.getCondition()).as("its list already shows the model missing")
                .isEqualTo(DeploymentCondition.MISCONFIGURED);
        assertThat(listed.getModels()).isEmpty();
        assertThat(listed.getError()).isEqualTo("model llama3.2:1b not on this deployment (its golem list: qwen2.5:0.5b)");

        // When a call for llama3.2:1b (sent before the router saw that) answers Ollama's 404 for a missing model
        assertThat(circuit.tryAcquire()).isTrue();
        circuit.record(misconfigured(404, "{\"error\":\"model \\\"llama3.2:1b\\\" not found, try pulling it first\"}"),
                TestJobs.MODEL);

        // Then its heartbeat says MISCONFIGURED, unhealthy, with the reason, and goes out at once
        ProviderStatus out = heartbeat(monitor);
        assertThat(out.getCondition()).isEqualTo(DeploymentCondition.MISCONFIGURED);
        assertThat(out.getHealthy()).isFalse();
        assertThat(out.getError()).startsWith("deployment misconfigured (model not found on this deployment)");
        assertThat(out.getCircuitState()).as("the breaker's window is bypassed").isEqualTo(CircuitState.CLOSED);
        assertThat(heartbeatsAsked.get()).isEqualTo(1);
        assertThat(circuit.tryAcquire()).as("no call is made while misconfigured").isFalse();
        assertThat(circuit.refusalBlame()).isEqualTo(FailureBlame.MISCONFIGURED);

        // And probes that answer but still lack the model keep it out, past its hold
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(2));
            monitor.maybeProbe();
        }
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.MISCONFIGURED);

        // When the model is pulled, the next probe lists it and the node serves again
        node.probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of("qwen2.5:0.5b", TestJobs.MODEL)));
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        ProviderStatus back = heartbeat(monitor);
        assertThat(back.getCondition()).isEqualTo(DeploymentCondition.SERVING);
        assertThat(back.getHealthy()).isTrue();
        assertThat(back.getError()).isNull();
        assertThat(heartbeatsAsked.get()).isEqualTo(2);
        assertThat(circuit.tryAcquire()).isTrue();
    }

    @Test
    void shouldTakeAVllmDeploymentBackWhenItsListNamesTheJobsModelByItsHuggingFaceId() {
        // Given a vLLM deployment on Modal, known to the runner's jobs as llama3.2:1b, struck by a missing model
        DeploymentEndpoint d = TestJobs.deployment("modal-a", ProviderKind.MODAL, URI.create("http://x:1"), 4);
        DeploymentCircuit circuit = circuit("modal-a");
        ScriptedClient modal = new ScriptedClient(ProviderKind.MODAL).probesTake(Duration.ofMillis(5), clock)
                .probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of("Qwen/Qwen2.5-0.5B-Instruct")));
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("modal-a", circuit), modal, clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w");
        circuit.tryAcquire();
        circuit.record(misconfigured(404, "{\"object\":\"error\",\"message\":\"The model `llama3.2:1b` does not"
                + " exist.\",\"type\":\"NotFoundError\",\"code\":404}"), TestJobs.MODEL);
        clock.advance(OPEN_WAIT.plusSeconds(1));
        monitor.maybeProbe();
        assertThat(heartbeat(monitor).getCondition()).as("its list lacks the model").isEqualTo(DeploymentCondition.MISCONFIGURED);

        // When the deployment is redeployed with Llama 3.2 1B, which vLLM lists by its Hugging Face id
        modal.probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of("meta-llama/Llama-3.2-1B-Instruct")));
        clock.advance(OPEN_WAIT.multipliedBy(4));
        monitor.maybeProbe();

        // Then the probe shows it fixed: the catalogue knows that id as llama3.2:1b
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.SERVING);
        assertThat(circuit.tryAcquire()).isTrue();
    }

    @Test
    void shouldJudgeAChangedEntryAfreshWithoutWaitingForAProbe() {
        // Given a deployment out of service for refused credentials
        DeploymentEndpoint d = TestJobs.deployment("modal-a", ProviderKind.MODAL, URI.create("http://x:1"), 4);
        DeploymentCircuit circuit = circuit("modal-a");
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("modal-a", circuit),
                new ScriptedClient(ProviderKind.MODAL), clock, Duration.ofSeconds(2), Duration.ofSeconds(1), "w");
        circuit.tryAcquire();
        circuit.record(misconfigured(401, "modal-http: invalid credentials for proxy authorization"), TestJobs.MODEL);
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.MISCONFIGURED);
        int before = heartbeatsAsked.get();

        // When its entry changes (new credentials)
        boolean cleared = circuit.misconfiguration().reconfigured();

        // Then it serves again at once, and says so in a heartbeat sent now
        assertThat(cleared).isTrue();
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.SERVING);
        assertThat(heartbeatsAsked.get()).isEqualTo(before + 1);
        assertThat(circuit.tryAcquire()).isTrue();
        assertThat(circuit.misconfiguration().reconfigured()).as("nothing left to clear").isFalse();
    }

    @Test
    void shouldNameAConfiguredModelTheNodeLacksAndCallItMisconfiguredWhenNoneIsLeft() {
        // Given a Golem node set up for two models
        DeploymentEndpoint d = new DeploymentEndpoint("golem-a", ProviderKind.GOLEM, "eu-central",
                URI.create("http://x:1"), List.of(TestJobs.MODEL, "mistral:7b"), 0.0002, 4, Duration.ofSeconds(10));
        ScriptedClient node = new ScriptedClient(ProviderKind.GOLEM).probesTake(Duration.ofMillis(5), clock)
                .probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of("mistral:7b")));
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("golem-a", circuit("golem-a")), node, clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w");

        // When its list lacks one of them: it serves the other, and says which one it lacks
        monitor.maybeProbe();
        ProviderStatus partly = heartbeat(monitor);
        assertThat(partly.getCondition()).isEqualTo(DeploymentCondition.SERVING);
        assertThat(partly.getModels()).containsExactly("mistral:7b");
        assertThat(partly.getError()).isEqualTo("model llama3.2:1b not on this deployment (its golem list: mistral:7b)");

        // When its list has neither: misconfigured as a whole, with the reason
        node.probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of("qwen2.5:0.5b")));
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        ProviderStatus none = heartbeat(monitor);
        assertThat(none.getCondition()).isEqualTo(DeploymentCondition.MISCONFIGURED);
        assertThat(none.getHealthy()).isFalse();
        assertThat(none.getError()).startsWith("models llama3.2:1b, mistral:7b not on this deployment");

        // When both are pulled: serving everything, nothing to say
        node.probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of("mistral:7b", TestJobs.MODEL)));
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        ProviderStatus all = heartbeat(monitor);
        assertThat(all.getCondition()).isEqualTo(DeploymentCondition.SERVING);
        assertThat(all.getError()).isNull();

        // When an answer cannot be read as a list, it says nothing: the last list stands
        node.probesAnswer(at -> ProbeOutcome.healthy(Duration.ofMillis(5), at, List.of()));
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        assertThat(heartbeat(monitor).getModels()).containsExactly(TestJobs.MODEL, "mistral:7b");

        // When every model is removed from the node, its (readable) empty list takes it out
        node.probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of()));
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        ProviderStatus empty = heartbeat(monitor);
        assertThat(empty.getCondition()).isEqualTo(DeploymentCondition.MISCONFIGURED);
        assertThat(empty.getModels()).isEmpty();
        assertThat(empty.getError()).isEqualTo("models llama3.2:1b, mistral:7b not on this deployment (its golem list"
                + " is empty)");
    }

    @Test
    void shouldNotTakeANodeBackBeforeItsHoldAndHoldItLongerEachTimeItFailsAgain() {
        DeploymentEndpoint d = TestJobs.deployment("golem-a", ProviderKind.GOLEM, URI.create("http://x:1"), 4);
        DeploymentCircuit circuit = circuit("golem-a");
        // A probe path that works while the inference path answers 404: the probe alone cannot tell
        ScriptedClient node = new ScriptedClient(ProviderKind.GOLEM).probesTake(Duration.ofMillis(5), clock)
                .probesAnswer(at -> ProbeOutcome.listing(Duration.ofMillis(5), at, List.of(TestJobs.MODEL)));
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("golem-a", circuit), node, clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w");

        circuit.tryAcquire();
        circuit.record(misconfigured(404, "404 page not found"), TestJobs.MODEL);
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        assertThat(heartbeat(monitor).getCondition()).as("held for the open wait").isEqualTo(DeploymentCondition.MISCONFIGURED);
        clock.advance(Duration.ofSeconds(4));
        monitor.maybeProbe();
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.SERVING);

        // When it fails the same way again: the second hold is twice as long
        circuit.tryAcquire();
        circuit.record(misconfigured(404, "404 page not found"), TestJobs.MODEL);
        assertThat(circuit.misconfiguration().current()).hasValueSatisfying(f -> {
            assertThat(f.strikes()).isEqualTo(2);
            assertThat(Duration.between(f.since(), f.nextCheck())).isEqualTo(OPEN_WAIT.multipliedBy(2));
        });
        clock.advance(Duration.ofSeconds(6));
        monitor.maybeProbe();
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.MISCONFIGURED);
        clock.advance(Duration.ofSeconds(4));
        monitor.maybeProbe();
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.SERVING);

        // And a call it serves forgives the strikes: the next fault is held for the open wait again
        circuit.tryAcquire();
        circuit.record(CallOutcome.builder(clock.instant(), clock.instant()).succeeded("ok").build(), TestJobs.MODEL);
        circuit.tryAcquire();
        circuit.record(misconfigured(401, "Unauthorized"), TestJobs.MODEL);
        assertThat(circuit.misconfiguration().current()).hasValueSatisfying(f -> assertThat(f.strikes()).isEqualTo(1));
    }

    @Test
    void shouldMarkANodeMisconfiguredWhenItsProbeIsRefusedForCredentials() {
        DeploymentEndpoint d = TestJobs.deployment("golem-a", ProviderKind.GOLEM, URI.create("http://x:1"), 4);
        DeploymentCircuit circuit = circuit("golem-a");
        ScriptedClient node = new ScriptedClient(ProviderKind.GOLEM).probesTake(Duration.ofMillis(5), clock)
                .probesAnswer(at -> ProbeOutcome.unhealthy(Duration.ofMillis(5), "deployment misconfigured"
                        + " (credentials refused): probe /api/tags returned HTTP 401", at, FailureBlame.MISCONFIGURED));
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("golem-a", circuit), node, clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w");

        monitor.maybeProbe();

        ProviderStatus out = heartbeat(monitor);
        assertThat(out.getCondition()).isEqualTo(DeploymentCondition.MISCONFIGURED);
        assertThat(out.getError()).contains("credentials refused").contains("HTTP 401");
    }

    @Test
    void shouldProbeAMisconfiguredModalDeploymentAfterItsHoldBillItAndBackOffWhileItStillFails() {
        // Given a Modal deployment, never probed while it serves
        DeploymentEndpoint d = TestJobs.deployment("modal-a", ProviderKind.MODAL, URI.create("http://x:1"), 4);
        DeploymentCircuit circuit = circuit("modal-a");
        ScriptedClient modal = new ScriptedClient(ProviderKind.MODAL).probesTake(Duration.ofMillis(200), clock)
                .probesAnswer(at -> ProbeOutcome.unhealthy(Duration.ofMillis(200), "deployment misconfigured"
                        + " (credentials refused): probe /health returned HTTP 401", at, FailureBlame.MISCONFIGURED));
        CostLedger ledger = new CostLedger(List.of(d), "w");
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("modal-a", circuit),
                new MeteredClient(modal, ledger, clock), clock, Duration.ofSeconds(2), Duration.ofSeconds(1), "w", ledger);
        for (int i = 0; i < 5; i++) {
            monitor.maybeProbe();
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(modal.probes("modal-a")).isZero();

        // When a call is refused for its credentials
        circuit.tryAcquire();
        circuit.record(misconfigured(401, "modal-http: invalid credentials for proxy authorization"), TestJobs.MODEL);
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.MISCONFIGURED);

        // Then no probe runs during its hold (5 s), one runs after it; refused at Modal's proxy, it reached no
        // container and costs nothing
        clock.advance(Duration.ofSeconds(4));
        monitor.maybeProbe();
        assertThat(modal.probes("modal-a")).isZero();
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        assertThat(modal.probes("modal-a")).isEqualTo(1);
        assertThat(ledger.drain(clock.instant())).isEmpty();

        // And while it still fails, each next probe waits twice as long: 10 s, then 20 s
        clock.advance(Duration.ofSeconds(8));
        monitor.maybeProbe();
        assertThat(modal.probes("modal-a")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        assertThat(modal.probes("modal-a")).isEqualTo(2);
        clock.advance(Duration.ofSeconds(18));
        monitor.maybeProbe();
        assertThat(modal.probes("modal-a")).isEqualTo(2);

        // When the credentials are fixed, the next probe brings it back; then probing stops again
        modal.probesAnswer(at -> ProbeOutcome.healthy(Duration.ofMillis(200), at, List.of()));
        clock.advance(Duration.ofSeconds(2));
        monitor.maybeProbe();
        assertThat(modal.probes("modal-a")).isEqualTo(3);
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.SERVING);
        assertThat(ledger.drain(clock.instant())).as("the probe a container answered is billed like a call")
                .filteredOn(e -> e.getKind() == CostKind.PROBE).hasSize(1);
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(2));
            monitor.maybeProbe();
        }
        assertThat(modal.probes("modal-a")).isEqualTo(3);
        assertThat(circuit.tryAcquire()).isTrue();
    }

    @Test
    void shouldSayServingWhenHealthyAndUnhealthyWhenTheCircuitIsOpen() {
        DeploymentEndpoint d = TestJobs.deployment("golem-a", ProviderKind.GOLEM, URI.create("http://x:1"), 4);
        DeploymentCircuit circuit = circuit("golem-a");
        ScriptedClient node = new ScriptedClient(ProviderKind.GOLEM).probesTake(Duration.ofMillis(5), clock);
        HealthMonitor monitor = new HealthMonitor(List.of(d), Map.of("golem-a", circuit), node, clock,
                Duration.ofSeconds(2), Duration.ofSeconds(1), "w");
        monitor.maybeProbe();
        assertThat(heartbeat(monitor).getCondition()).isEqualTo(DeploymentCondition.SERVING);

        for (int i = 0; i < 3; i++) {
            circuit.tryAcquire();
            circuit.record(CallOutcome.builder(clock.instant(), clock.instant())
                    .failed(AttemptOutcome.RETRYABLE_FAILURE, "HTTP 503").build());
        }

        ProviderStatus out = heartbeat(monitor);
        assertThat(out.getCondition()).isEqualTo(DeploymentCondition.UNHEALTHY);
        assertThat(out.getError()).contains("circuit open");
    }
}
