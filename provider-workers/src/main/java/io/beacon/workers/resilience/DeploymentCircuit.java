package io.beacon.workers.resilience;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.workers.client.CallOutcome;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of one deployment (resilience4j), fed with the outcome of every call the worker makes.
 *
 * <p>Why a breaker on top of the router's failover: a deployment that fails every call should cost one fast
 * refusal per job, not one slow failed call; and its heartbeat should say so at once, so the router stops
 * sending it work. Outcomes count like this:
 * <ul>
 *   <li>SUCCEEDED counts as a success;</li>
 *   <li>RETRYABLE_FAILURE (5xx, 429, time-outs, connection errors, a broken stream) counts as a failure;</li>
 *   <li>a failure blamed on the deployment's set-up (MISCONFIGURED: 401/403, 404 model not found) bypasses the
 *       window: it takes the deployment out at once through its {@link Misconfiguration} (calls are refused until
 *       a probe shows the set-up fixed), which a failure rate could only do after several calls;</li>
 *   <li>PERMANENT_FAILURE (invalid parameters, context length, content refused) is the request's fault, not the
 *       deployment's: it is not counted at all.</li>
 * </ul>
 * While OPEN, calls are refused without being made. After {@link CircuitSettings#openWait()} the next call or
 * health probe moves the circuit to HALF_OPEN, which lets {@link CircuitSettings#halfOpenCalls()} trial calls
 * through; health probes count as trials too, because the router sends no work to a deployment whose circuit
 * is open, and without probes a recovered deployment could never prove itself.
 *
 * <p>Thread-safe: calls finish on HTTP threads, probes on others, the poll thread reads the state.
 */
public final class DeploymentCircuit {

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentCircuit.class);

    /** What the breaker records for a retryable failure; it never leaves this class, so it needs no stack. */
    private static final class RetryableFailure extends RuntimeException {
        RetryableFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** A trial permit taken for a health probe; {@link #finish} must be called exactly once. */
    public final class Trial {
        private Trial() {
        }

        /** Records the probe's result as a trial call of {@code latency}. */
        public void finish(boolean healthy, Duration latency, String error) {
            long nanos = latency == null ? 0 : Math.max(0, latency.toNanos());
            if (healthy) {
                breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            } else {
                breaker.onError(nanos, TimeUnit.NANOSECONDS, new RetryableFailure("probe: " + error));
            }
        }
    }

    private final String deploymentId;
    private final CircuitBreaker breaker;
    private final Misconfiguration misconfiguration;
    private volatile String lastFailure;

    /**
     * @param onTransition runs after every state change, on the thread that caused it (the worker uses it to
     *                     publish a heartbeat at once instead of at the next interval)
     */
    public DeploymentCircuit(String deploymentId, CircuitSettings settings, Clock clock, Runnable onTransition) {
        this.deploymentId = deploymentId;
        this.breaker = CircuitBreaker.of(deploymentId, settings.toConfig(clock));
        // A misconfigured deployment is held out at least as long as an open circuit waits, doubling per strike.
        this.misconfiguration = new Misconfiguration(deploymentId, settings.openWait(), Misconfiguration.MAX_HOLD,
                clock, onTransition);
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.StateTransition t = event.getStateTransition();
            if (t.getToState() == CircuitBreaker.State.OPEN) {
                CircuitBreaker.Metrics m = breaker.getMetrics();
                LOG.warn("deployment={} circuit {} -> OPEN: {} of the last {} calls failed; last: {}", deploymentId,
                        t.getFromState(), m.getNumberOfFailedCalls(), m.getNumberOfBufferedCalls(), lastFailure);
            } else {
                LOG.info("deployment={} circuit {} -> {}", deploymentId, t.getFromState(), t.getToState());
            }
            onTransition.run();
        });
    }

    public String deploymentId() {
        return deploymentId;
    }

    /** Whether the deployment's set-up is wrong, and when a probe may show it fixed. */
    public Misconfiguration misconfiguration() {
        return misconfiguration;
    }

    /**
     * Asks to make a call now. True means the call must be reported through {@link #record} (or
     * {@link #release} if it is not made after all); false means the call is refused: the circuit is open, or
     * the deployment is misconfigured ({@link #refusal()}, {@link #refusalBlame()}).
     */
    public boolean tryAcquire() {
        if (misconfiguration.isSet()) {
            return false;
        }
        return breaker.tryAcquirePermission();
    }

    /** Gives back a permit whose call was not made. */
    public void release() {
        breaker.releasePermission();
    }

    /** Counts the outcome of a call made with a permit from {@link #tryAcquire()}. */
    public void record(CallOutcome outcome) {
        record(outcome, null);
    }

    /**
     * Counts the outcome of a call of a job for {@code model} made with a permit from {@link #tryAcquire()}. A
     * misconfigured outcome takes the deployment out ({@link Misconfiguration#strike}); a probe must then show
     * {@code model} served there (where the probe lists models) before it takes jobs again.
     */
    public void record(CallOutcome outcome, String model) {
        long nanos = Math.max(0, outcome.wallTime().toNanos());
        if (outcome.outcome() == AttemptOutcome.SUCCEEDED) {
            misconfiguration.served();
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        } else if (outcome.misconfigured()) {
            // Bypasses the breaker's window: one such answer says all there is to say (see the class comment).
            lastFailure = outcome.error();
            breaker.releasePermission();
            misconfiguration.strike(outcome.error(), model);
        } else if (outcome.outcome() == AttemptOutcome.RETRYABLE_FAILURE) {
            lastFailure = outcome.error();
            breaker.onError(nanos, TimeUnit.NANOSECONDS, new RetryableFailure(String.valueOf(outcome.error())));
        } else {
            // The request's fault: says nothing about the deployment, so it must not move the breaker.
            breaker.releasePermission();
        }
    }

    /**
     * A trial permit for a health probe, when the circuit is not closed and lets one more trial through
     * (an open circuit whose wait is over turns half-open here); null otherwise: the probe then only feeds
     * the heartbeat.
     */
    public Trial tryStartTrial() {
        CircuitBreaker.State state = breaker.getState();
        if (state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.HALF_OPEN) {
            return null;
        }
        if (!breaker.tryAcquirePermission()) {
            return null;
        }
        if (breaker.getState() == CircuitBreaker.State.CLOSED) {
            // Closed meanwhile by a real call: a probe must not dilute the failure rate of real calls.
            breaker.releasePermission();
            return null;
        }
        return new Trial();
    }

    /** The state as the heartbeat's schema knows it. */
    public CircuitState state() {
        return switch (breaker.getState()) {
            case OPEN, FORCED_OPEN -> CircuitState.OPEN;
            case HALF_OPEN -> CircuitState.HALF_OPEN;
            case CLOSED, DISABLED, METRICS_ONLY -> CircuitState.CLOSED;
        };
    }

    /** Why a call is refused without being made: the router reads it as a retryable failure and fails over. */
    public String refusal() {
        if (misconfiguration.isSet()) {
            return misconfiguration.refusal();
        }
        return state() == CircuitState.HALF_OPEN
                ? "circuit open for " + deploymentId + " (half-open: its trial calls are already running)"
                : "circuit open for " + deploymentId;
    }

    /** Whose fault a refused call is: the set-up's while misconfigured, else the deployment's health. */
    public FailureBlame refusalBlame() {
        return misconfiguration.isSet() ? FailureBlame.MISCONFIGURED : FailureBlame.UNHEALTHY;
    }

    /** Why the circuit is open, for the heartbeat's error. */
    public String openReason() {
        CircuitBreaker.Metrics m = breaker.getMetrics();
        float rate = m.getFailureRate();
        String share = rate < 0 ? "" : String.format(Locale.ROOT, " (%.0f%% of the last %d calls failed)", rate,
                m.getNumberOfBufferedCalls());
        return "circuit open" + share + "; last failure: " + lastFailure;
    }

    /** The error of the last retryable failure, null before any. */
    public String lastFailure() {
        return lastFailure;
    }

    @Override
    public String toString() {
        return "DeploymentCircuit[" + deploymentId + " " + breaker.getState() + "]";
    }
}
