package io.beacon.workers.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.testsupport.MutableClock;
import io.beacon.workers.client.CallOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The breaker's rules, on a clock the test moves. */
class DeploymentCircuitTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<CircuitState> transitions = new ArrayList<>();
    private DeploymentCircuit circuit;

    private DeploymentCircuit circuit(CircuitSettings settings) {
        circuit = new DeploymentCircuit("golem-a", settings, clock, () -> transitions.add(circuit.state()));
        return circuit;
    }

    private static CircuitSettings countBased(int window, int minimum, int halfOpenCalls) {
        return new CircuitSettings(CircuitSettings.WindowType.COUNT, window, minimum, 50f, Duration.ofSeconds(5),
                halfOpenCalls);
    }

    private CallOutcome outcome(AttemptOutcome o) {
        CallOutcome.Builder b = CallOutcome.builder(clock.instant(), clock.instant().plusMillis(20));
        return (o == AttemptOutcome.SUCCEEDED ? b.succeeded("ok") : b.failed(o, "HTTP 503: queue full")).build();
    }

    private void call(AttemptOutcome o) {
        assertThat(circuit.tryAcquire()).as("call permitted").isTrue();
        circuit.record(outcome(o));
    }

    @Test
    void shouldOpenWhenTheFailureRateOfTheWindowReachesTheThreshold() {
        // Given a closed circuit that judges the last 10 calls once it has 4
        circuit(countBased(10, 4, 2));

        // When 3 retryable failures happen, it stays closed (too few calls to judge)
        call(AttemptOutcome.RETRYABLE_FAILURE);
        call(AttemptOutcome.RETRYABLE_FAILURE);
        call(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(circuit.state()).isEqualTo(CircuitState.CLOSED);

        // And the 4th failure opens it
        call(AttemptOutcome.RETRYABLE_FAILURE);

        // Then calls are refused without being made, with a refusal naming the deployment
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);
        assertThat(circuit.tryAcquire()).isFalse();
        assertThat(circuit.refusal()).isEqualTo("circuit open for golem-a");
        assertThat(circuit.lastFailure()).isEqualTo("HTTP 503: queue full");
        assertThat(transitions).containsExactly(CircuitState.OPEN);
    }

    @Test
    void shouldStayClosedWhileMostCallsSucceed() {
        circuit(countBased(10, 4, 2));
        for (int i = 0; i < 20; i++) {
            call(i % 3 == 2 ? AttemptOutcome.RETRYABLE_FAILURE : AttemptOutcome.SUCCEEDED);
        }
        assertThat(circuit.state()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void shouldNotCountPermanentFailuresAgainstTheDeployment() {
        // Given a circuit that would open after 4 failed calls
        circuit(countBased(10, 4, 2));

        // When many calls fail with the request's fault (model not found, bad request)
        for (int i = 0; i < 10; i++) {
            call(AttemptOutcome.PERMANENT_FAILURE);
        }

        // Then the circuit stays closed
        assertThat(circuit.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(circuit.tryAcquire()).isTrue();
    }

    @Test
    void shouldLetProbesTryTheDeploymentAfterTheWaitAndCloseWhenTheyAnswer() {
        // Given an open circuit
        circuit(countBased(10, 2, 2));
        call(AttemptOutcome.RETRYABLE_FAILURE);
        call(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);

        // When a probe asks before the wait is over, it is only a probe
        clock.advance(Duration.ofSeconds(4));
        assertThat(circuit.tryStartTrial()).isNull();
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);

        // When the wait is over, probes become trial calls of a half-open circuit
        clock.advance(Duration.ofSeconds(2));
        DeploymentCircuit.Trial first = circuit.tryStartTrial();
        assertThat(first).isNotNull();
        assertThat(circuit.state()).isEqualTo(CircuitState.HALF_OPEN);
        DeploymentCircuit.Trial second = circuit.tryStartTrial();
        assertThat(second).isNotNull();
        assertThat(circuit.tryStartTrial()).as("no third trial while two run").isNull();
        assertThat(circuit.tryAcquire()).as("a real call must wait too").isFalse();
        assertThat(circuit.refusal()).startsWith("circuit open for golem-a").contains("half-open");

        // Then two answering probes close it
        first.finish(true, Duration.ofMillis(3), null);
        second.finish(true, Duration.ofMillis(3), null);
        assertThat(circuit.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(transitions).containsExactly(CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.CLOSED);
    }

    @Test
    void shouldOpenAgainWhenTheTrialCallsStillFail() {
        circuit(countBased(10, 2, 1));
        call(AttemptOutcome.RETRYABLE_FAILURE);
        call(AttemptOutcome.RETRYABLE_FAILURE);
        clock.advance(Duration.ofSeconds(6));

        // When the trial (a real call this time) fails
        call(AttemptOutcome.RETRYABLE_FAILURE);

        // Then the circuit is open again for another wait
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);
        assertThat(circuit.tryAcquire()).isFalse();
        assertThat(transitions).containsExactly(CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.OPEN);
    }

    @Test
    void shouldNotLetProbesDiluteTheFailureRateOfAClosedCircuit() {
        circuit(countBased(10, 2, 1));
        assertThat(circuit.tryStartTrial()).isNull();
        call(AttemptOutcome.RETRYABLE_FAILURE);
        call(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void shouldJudgeTheCallsOfTheLastSecondsWithATimeBasedWindow() {
        // Given a window of the last 10 seconds, judged from 3 calls
        circuit(new CircuitSettings(CircuitSettings.WindowType.TIME, 10, 3, 50f, Duration.ofSeconds(5), 1));

        // When two failures are followed, 11 s later, by a third: the old ones have left the window
        call(AttemptOutcome.RETRYABLE_FAILURE);
        call(AttemptOutcome.RETRYABLE_FAILURE);
        clock.advance(Duration.ofSeconds(11));
        call(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(circuit.state()).isEqualTo(CircuitState.CLOSED);

        // Then three failures within the window open it
        call(AttemptOutcome.RETRYABLE_FAILURE);
        call(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(circuit.state()).isEqualTo(CircuitState.OPEN);
    }
}
