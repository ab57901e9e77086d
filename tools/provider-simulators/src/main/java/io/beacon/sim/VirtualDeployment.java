package io.beacon.sim;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * One simulated deployment in virtual time: the engine the HTTP simulators run (units and slots, placement,
 * cold starts, scale-down, injected faults, the provider's invoice), without HTTP and without threads. The
 * policy lab ({@code tools/policy-lab}) drives it to run hours of traffic in seconds; its bills are the
 * simulators' bills because they are computed by the same code.
 *
 * <p>The caller owns time: it passes the clocks it advances, starts a call only while a slot is free (a
 * worker's lane keeps its calls within the deployment's capacity, so nothing ever waits in the engine's own
 * queue, whose hand-over would need the engine's timer thread), and finishes each call at the offset the
 * call reports. Single-threaded use only.
 *
 * <p>Two things the HTTP simulators cannot do are added here, as the lab's scenarios need them: a price
 * change from an instant on ({@link #changePrice}), billed by scaling what the engine bills after that
 * instant; and the end of a deployment ({@link #end}), a Golem node leaving, after which nothing more is
 * billed.
 */
public final class VirtualDeployment implements AutoCloseable {

    private final SimulatedDeployment deployment;
    private final FaultControl faults;
    private final SimEngine engine;
    /** Money closed at earlier price changes, each part already at its own price. */
    private double closedUsd;
    /** What the engine had billed at the last price change (at the engine's price). */
    private double engineUsdAtChange;
    private double priceFactor = 1.0;
    /** The final bill once ended, else NaN. */
    private double endedUsd = Double.NaN;

    /**
     * @param clock     the virtual wall clock (instants reported in stats)
     * @param nanoClock the virtual monotonic clock every duration and bill is measured on
     * @param seed      seeds latency samples and injected failures
     */
    public VirtualDeployment(SimulatedDeployment deployment, Clock clock, LongSupplier nanoClock, long seed) {
        this.deployment = Objects.requireNonNull(deployment, "deployment");
        this.faults = new FaultControl(deployment.id());
        this.engine = new SimEngine(deployment, faults, clock, nanoClock, new Random(seed));
    }

    public SimulatedDeployment deployment() {
        return deployment;
    }

    /** The same switches as {@code POST /__sim/faults}. */
    public FaultControl faults() {
        return faults;
    }

    /**
     * A request that holds no slot reached the deployment (a Golem probe, RunPod's {@code /health}): the first
     * request of any kind starts a Golem lease and RunPod's active workers.
     */
    public void touch() {
        if (!ended()) {
            engine.touch();
        }
    }

    /** The HTTP status every inference request is answered with at once ({@link FaultControl#failAll}), else 0. */
    public int refusalStatus() {
        return faults.current().failStatus();
    }

    /** Whether health probes fail now (a server-side failAll). */
    public boolean healthFailing() {
        return faults.current().healthFailing();
    }

    /** Whether requests are held unanswered ({@link FaultControl#unresponsive}). */
    public boolean unresponsive() {
        return faults.current().unresponsive();
    }

    /** Calls holding a slot now. */
    public int busy() {
        return engine.busy();
    }

    /** Whether a call arriving now would find a warm free slot. */
    public boolean warm() {
        return engine.warm();
    }

    /**
     * Starts an inference request now (counted as a request), when a slot can take it now.
     *
     * @return the running call, or null when no slot can take it now (nothing counted, nothing billed)
     */
    public Call start(int outputTokens) {
        return begin(false, outputTokens);
    }

    /**
     * Starts a brief call that reaches a unit without being an inference (Modal's probe: it may start, and
     * bill, a container), when a slot can take it now; null otherwise.
     */
    public Call startProbe() {
        return begin(true, 0);
    }

    private Call begin(boolean probe, int outputTokens) {
        if (ended() || engine.busy() >= deployment.capacity() || engine.queued() > 0) {
            return null;
        }
        Execution[] started = new Execution[1];
        SimEngine.Ticket ticket = probe ? engine.admitBrief(false, e -> started[0] = e)
                : engine.admit(outputTokens, e -> started[0] = e);
        if (ticket == null) {
            return null;
        }
        if (started[0] == null) {
            // Every unit with room is draining (a forced cold start): the engine would queue it. The lab's
            // lane retries when a slot frees, so take it back rather than let the engine hand it on later.
            engine.withdraw(ticket);
            return null;
        }
        if (!probe) {
            engine.countRequest();
        }
        return new Call(started[0]);
    }

    /** What the engine counts (requests, outcomes, units, cold starts, probes) and bills at the engine's price. */
    public SimStats stats() {
        return engine.stats();
    }

    /** What the provider invoices so far, in USD: idle, probes and fees included, each second at its price. */
    public double billedUsd() {
        if (ended()) {
            return endedUsd;
        }
        return closedUsd + (engine.stats().billedUsd() - engineUsdAtChange) * priceFactor;
    }

    /**
     * From now on the provider bills {@code factor} times the deployment's price (2.0: the price doubles).
     * Units already up are billed at the old price up to now and at the new one after.
     */
    public void changePrice(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("price factor must be a finite number > 0: " + factor);
        }
        double engineUsd = engine.stats().billedUsd();
        closedUsd += (engineUsd - engineUsdAtChange) * priceFactor;
        engineUsdAtChange = engineUsd;
        priceFactor = factor;
    }

    /** The factor applied to the deployment's price now. */
    public double priceFactor() {
        return priceFactor;
    }

    /**
     * The deployment is gone (a Golem node left, its agreement ended): billed up to now, nothing after, and
     * no call starts any more. Calls still running must be finished by the caller as failures.
     */
    public void end() {
        if (!ended()) {
            endedUsd = billedUsd();
        }
    }

    public boolean ended() {
        return !Double.isNaN(endedUsd);
    }

    @Override
    public void close() {
        engine.close();
    }

    /** One call holding a slot: its cold start, run time and fate are fixed when it starts. */
    public static final class Call {
        private final Execution execution;

        private Call(Execution execution) {
            this.execution = execution;
        }

        /** Cold start paid before running (zero on a warm unit). */
        public Duration coldStart() {
            return execution.coldStart();
        }

        /** Run time on the warm unit, slow-down included. */
        public Duration latency() {
            return execution.latency();
        }

        /** Offset from start at which the answer is complete. */
        public Duration doneOffset() {
            return execution.doneOffset();
        }

        /** Offset from start at which an injected failure surfaces. */
        public Duration failureOffset() {
            return execution.failureOffset();
        }

        /** Whether an injected failure rate picked this call to fail (500 halfway through). */
        public boolean failureInjected() {
            return execution.failureInjected();
        }

        /** Whether a Golem stream breaks with an error line (the mid-stream fault). */
        public boolean brokenStream() {
            return execution.midStream();
        }

        /** Frees the slot (its unit goes on billing until it stops) and counts the outcome; idempotent. */
        public void finish(boolean success) {
            execution.finish(success);
        }
    }
}
