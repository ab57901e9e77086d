package io.beacon.workers.resilience;

import io.beacon.workers.client.ProbeOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether one deployment's set-up is wrong (credentials refused, the model not there, nothing at its address)
 * and, if so, when a probe may show it fixed. Set by a call or probe blamed
 * {@link io.beacon.schemas.avro.FailureBlame#MISCONFIGURED}; while set, the worker calls nothing there (each job
 * gets a fast retryable refusal, so the router fails it over) and the heartbeat says MISCONFIGURED with the
 * reason. Only a probe clears it, and only one that shows the reason gone: the deployment answers (its
 * credentials are accepted) and, when the probe lists models, the model of the call that struck is among them.
 *
 * <p>Why apart from the circuit breaker: the breaker judges health by a failure rate, and a recovered deployment
 * proves itself with a few trial calls. A misconfiguration is neither: one 401 says all there is to say, and no
 * trial call can succeed until someone changes the set-up. So a misconfigured call does not count in the
 * breaker's window (it bypasses it) and takes the deployment out at once.
 *
 * <p>Holding: a probe may clear the fault only after a hold of {@code baseHold} doubling with every strike since
 * the deployment last served a call (capped at {@code maxHold}), so a deployment whose probe looks fine but
 * whose calls keep failing (a probe path that works, an inference path that does not) is tried less and less
 * often instead of flapping. Where a probe is billed (Modal's reaches a container), each failed recovery probe
 * also doubles the wait before the next one ({@link #checked} with {@code backOff}).
 *
 * <p>Thread-safe: calls strike from HTTP threads, probes check from others, the poll thread reads.
 */
public final class Misconfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(Misconfiguration.class);

    /** The longest a misconfigured deployment waits for its next chance. */
    public static final Duration MAX_HOLD = Duration.ofMinutes(5);

    /**
     * The fault as it stands.
     *
     * @param reason    what the provider said, e.g. "deployment misconfigured (credentials refused): ..."
     * @param model     the model of the call that struck (a probe that lists models must list it), null when a
     *                  probe struck
     * @param since     when it was set
     * @param nextCheck the first instant a probe may clear it
     * @param strikes   times it was set since the deployment last served a call
     */
    public record Fault(String reason, String model, Instant since, Instant nextCheck, int strikes) {
    }

    private final String deploymentId;
    private final Duration baseHold;
    private final Duration maxHold;
    private final Clock clock;
    private final Runnable onChange;

    private Fault fault;
    private int strikes;
    private int failedChecks;

    /**
     * @param baseHold the first hold; doubles per strike and (with back-off) per failed recovery probe
     * @param onChange runs after it is set or cleared (the worker publishes a heartbeat at once)
     */
    public Misconfiguration(String deploymentId, Duration baseHold, Duration maxHold, Clock clock, Runnable onChange) {
        if (baseHold.isNegative() || maxHold.compareTo(baseHold) < 0) {
            throw new IllegalArgumentException("holds must be non-negative with max >= base");
        }
        this.deploymentId = deploymentId;
        this.baseHold = baseHold;
        this.maxHold = maxHold;
        this.clock = clock;
        this.onChange = onChange;
    }

    /** Sets the fault (or refreshes its reason) after a call or probe blamed on the set-up. */
    public void strike(String reason, String model) {
        boolean changed;
        Instant now = clock.instant();
        synchronized (this) {
            changed = fault == null;
            if (changed) {
                strikes++;
                failedChecks = 0;
                fault = new Fault(reason, model, now, now.plus(hold(strikes)), strikes);
            } else {
                fault = new Fault(reason, model != null ? model : fault.model(), fault.since(), fault.nextCheck(),
                        fault.strikes());
            }
        }
        if (changed) {
            LOG.warn("deployment={} misconfigured, taken out of service until a probe shows it fixed"
                    + " (strike {}, earliest in {} s): {}", deploymentId, strikes, hold(strikes).toSeconds(), reason);
            onChange.run();
        }
    }

    /** A call the deployment served: strikes are forgiven (a later fault starts again at the base hold). */
    public synchronized void served() {
        if (fault == null) {
            strikes = 0;
        }
    }

    public synchronized Optional<Fault> current() {
        return Optional.ofNullable(fault);
    }

    public synchronized boolean isSet() {
        return fault != null;
    }

    /** True when the fault is set and a probe may now clear it. */
    public synchronized boolean checkDue(Instant now) {
        return fault != null && !now.isBefore(fault.nextCheck());
    }

    /**
     * A probe's answer while the fault is set. It clears the fault when the hold is over, the probe succeeded and
     * (when it lists models) the model of the strike is there.
     *
     * @param backOff a failed check doubles the wait for the next one (for probes that cost money)
     * @return true when this probe cleared the fault
     */
    public boolean checked(ProbeOutcome probe, boolean backOff) {
        Instant now = clock.instant();
        String was;
        synchronized (this) {
            if (fault == null || now.isBefore(fault.nextCheck())) {
                return false;
            }
            boolean fixed = probe.healthy() && probe.mayServe(fault.model());
            if (!fixed) {
                if (backOff) {
                    failedChecks++;
                    fault = new Fault(fault.reason(), fault.model(), fault.since(),
                            now.plus(hold(strikes + failedChecks)), fault.strikes());
                }
                return false;
            }
            was = fault.reason();
            fault = null;
            failedChecks = 0;
        }
        LOG.info("deployment={} back in service: a probe shows it fixed (was: {})", deploymentId, was);
        onChange.run();
        return true;
    }

    /**
     * The deployment's entry changed (new credentials, address or model): the set-up that struck is gone, so it
     * is back in service at once and its strikes are forgiven; the next call judges the new entry.
     *
     * @return true when this cleared a fault
     */
    public boolean reconfigured() {
        String was;
        synchronized (this) {
            strikes = 0;
            failedChecks = 0;
            if (fault == null) {
                return false;
            }
            was = fault.reason();
            fault = null;
        }
        LOG.info("deployment={} back in service: its entry changed (was: {})", deploymentId, was);
        onChange.run();
        return true;
    }

    /** Why the deployment is out, for the heartbeat's error; null when it is not. */
    public synchronized String reason() {
        return fault == null ? null : fault.reason();
    }

    /** The refusal of a call while misconfigured: the router reads it as a retryable failure and fails over. */
    public synchronized String refusal() {
        return "deployment " + deploymentId + " is out of service, misconfigured: "
                + (fault == null ? "(cleared)" : fault.reason());
    }

    /** {@code baseHold} x 2^(n-1), at most {@code maxHold}. */
    Duration hold(int n) {
        int doublings = Math.max(0, Math.min(30, n - 1));
        Duration hold = baseHold.multipliedBy(1L << doublings);
        return hold.compareTo(maxHold) > 0 || hold.isNegative() ? maxHold : hold;
    }
}
