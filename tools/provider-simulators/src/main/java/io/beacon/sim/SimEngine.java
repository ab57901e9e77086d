package io.beacon.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider-independent core of one simulated deployment: its billed units (a leased Golem node, Modal
 * containers, RunPod workers) and their slots, the wait queue in front of them, latency sampling, fault decisions,
 * stats and the provider's invoice.
 *
 * <p>Protocols never block a thread for the length of a simulated request: they {@link #admit admit} it, get an
 * {@link Execution} when a slot frees up, and schedule their response on this engine's timer. That is what lets a
 * couple of threads carry hundreds of concurrent slow requests.
 *
 * <p>Billing follows the rule shared with the workers' cost ledger (see the module README, "Billing"): a call
 * occupies one slot of one unit from its start to its end; placement prefers RunPod active units, then the unit
 * with the most calls in flight, then the lowest index; a new unit pays the cold start and is billed from its
 * start; a serverless unit stops at its last call's end plus {@code idleTimeout}. Stops are evaluated lazily,
 * whenever the engine is touched or read, at their exact instant.
 */
final class SimEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SimEngine.class);
    private static final double NANOS_PER_SECOND = 1_000_000_000d;
    /** How long a call that only answers a probe (Modal's /health, /v1/models...) holds its container. */
    static final Duration PROBE_LATENCY = Duration.ofMillis(2);

    private final SimulatedDeployment deployment;
    private final FaultControl faults;
    private final Clock clock;
    private final LongSupplier nanoClock;
    private final ScheduledThreadPoolExecutor timer;
    /** java.util.Random is thread-safe; seeded per deployment so a demo run is roughly repeatable. */
    private final Random random;

    private final Object lock = new Object();
    private final ArrayDeque<Ticket> waiting = new ArrayDeque<>();
    /** Units by index: Golem's single lease unit, or RunPod's active workers first, then flex units. */
    private final Unit[] units;
    /** Index of the first unit that starts on demand and scales down (units.length when none does). */
    private final int flexFrom;
    private int busy;
    private int peakBusy;
    /** First request of any kind (the lease start for Golem and RunPod active workers); guarded by lock. */
    private boolean contacted;
    private long contactNanos;
    private Instant contactedAt;
    /** The ledger, guarded by lock: closed unit periods and fees. */
    private double closedUsd;
    private double closedUnitSeconds;
    private double feesUsd;
    private long unitStarts;
    private long coldStarts;

    private final LongAdder requests = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder probes = new LongAdder();

    SimEngine(SimulatedDeployment deployment, FaultControl faults, Clock clock) {
        this(deployment, faults, clock, System::nanoTime);
    }

    /**
     * @param nanoClock the monotonic time source every duration and bill is measured with (System::nanoTime;
     *                  tests pass a fake one)
     */
    SimEngine(SimulatedDeployment deployment, FaultControl faults, Clock clock, LongSupplier nanoClock) {
        this(deployment, faults, clock, nanoClock, new Random(deployment.id().hashCode()));
    }

    /** @param random the source of latency samples and injected failures (seeded by the policy lab per run) */
    SimEngine(SimulatedDeployment deployment, FaultControl faults, Clock clock, LongSupplier nanoClock, Random random) {
        this.deployment = Objects.requireNonNull(deployment, "deployment");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.timer = new ScheduledThreadPoolExecutor(2, daemonThreads("sim-" + deployment.id() + "-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.random = Objects.requireNonNull(random, "random");
        this.units = new Unit[deployment.maxUnits()];
        for (int i = 0; i < units.length; i++) {
            boolean permanent = deployment.provider() == SimProvider.GOLEM || i < deployment.activeUnits();
            units[i] = new Unit(i, permanent);
        }
        this.flexFrom = deployment.provider() == SimProvider.GOLEM ? units.length : deployment.activeUnits();
    }

    SimulatedDeployment deployment() {
        return deployment;
    }

    FaultControl faults() {
        return faults;
    }

    Random random() {
        return random;
    }

    Instant now() {
        return clock.instant();
    }

    /** The engine's monotonic time in nanoseconds; every execution offset and bill is measured on it. */
    long nanoTime() {
        return nanoClock.getAsLong();
    }

    /**
     * Records a request of any kind from the requestor (admin routes excluded): the first one starts a Golem lease
     * (and its start fee) and the billing of RunPod active workers. Also settles units whose idle time ran out.
     */
    void touch() {
        long now = nanoTime();
        synchronized (lock) {
            touchLocked(now);
            advanceLocked(now);
        }
    }

    /** Counts an inference request on arrival; every counted request later ends in exactly one outcome. */
    void countRequest() {
        requests.increment();
    }

    /** A counted request that ended without reaching a worker (injected failAll, bad input, unknown model...). */
    void countImmediateOutcome(boolean success) {
        (success ? succeeded : failed).increment();
    }

    /**
     * Asks for a slot for an inference request (counted with {@link #countRequest()}). When one is free,
     * {@code onStart} runs before this returns; otherwise the ticket waits and {@code onStart} runs on the timer
     * thread when a slot frees up.
     *
     * @return the ticket, or null when capacity and queue are full (counted as failed and rejected)
     */
    Ticket admit(int outputTokens, Consumer<Execution> onStart) {
        return admit(new Ticket(outputTokens, nanoTime(), true, null, onStart));
    }

    /**
     * Asks for a slot for a call that only answers briefly ({@link #PROBE_LATENCY}, no injected failure): a probe
     * reaching a container ({@code counted} false: not an inference request) or an inference request answered
     * at once by the server inside the container, e.g. a 400 ({@code counted} true).
     *
     * @return the ticket, or null when capacity and queue are full (nothing billed)
     */
    Ticket admitBrief(boolean counted, Consumer<Execution> onStart) {
        if (!counted) {
            probes.increment();
        }
        return admit(new Ticket(0, nanoTime(), counted, PROBE_LATENCY, onStart));
    }

    private Ticket admit(Ticket ticket) {
        long now = ticket.arrivalNanos();
        Execution startNow;
        synchronized (lock) {
            touchLocked(now);
            advanceLocked(now);
            startNow = waiting.isEmpty() ? placeLocked(ticket, now) : null;
            if (startNow == null) {
                if (waiting.size() >= deployment.queueLimit()) {
                    if (ticket.counted()) {
                        rejected.increment();
                        failed.increment();
                    }
                    return null;
                }
                ticket.waiting = true;
                waiting.addLast(ticket);
                return ticket;
            }
        }
        deliver(startNow);
        return ticket;
    }

    /**
     * Takes a ticket out of the queue before it starts (RunPod cancel and purge).
     *
     * @return false when the ticket already started or left the queue
     */
    boolean withdraw(Ticket ticket) {
        synchronized (lock) {
            if (!ticket.waiting) {
                return false;
            }
            waiting.remove(ticket);
            ticket.waiting = false;
        }
        if (ticket.counted()) {
            failed.increment();
        }
        return true;
    }

    /** Calls holding a slot now. */
    int busy() {
        synchronized (lock) {
            return busy;
        }
    }

    /** Calls waiting for a slot now. */
    int queued() {
        synchronized (lock) {
            return waiting.size();
        }
    }

    /** Units up and booted with no call in flight now (RunPod's "idle" workers). */
    int idleUnits() {
        long now = nanoTime();
        synchronized (lock) {
            advanceLocked(now);
            int idle = 0;
            for (Unit unit : units) {
                if (unit.up && unit.calls == 0 && unit.bootReadyNanos - now <= 0) {
                    idle++;
                }
            }
            return idle;
        }
    }

    /** Units with at least one call in flight now (RunPod's "running" workers). */
    int runningUnits() {
        synchronized (lock) {
            int running = 0;
            for (Unit unit : units) {
                if (unit.up && unit.calls > 0) {
                    running++;
                }
            }
            return running;
        }
    }

    /** Whether a call arriving now would find a warm free slot (always true for a Golem node without boot time). */
    boolean warm() {
        long now = nanoTime();
        synchronized (lock) {
            advanceLocked(now);
            if (deployment.provider() == SimProvider.GOLEM) {
                return deployment.coldStart().isZero() || contacted && units[0].bootReadyNanos - now <= 0;
            }
            if (deployment.coldStart().isZero()) {
                return true;
            }
            boolean forcedCold = faults.coldRequested();
            for (Unit unit : units) {
                if (!unit.up) {
                    if (unit.permanent) {
                        return true; // a RunPod active worker, up from the first request on and never cold
                    }
                    continue;
                }
                boolean eligible = !unit.draining && (unit.permanent || !forcedCold);
                if (eligible && unit.calls < deployment.slotsPerUnit() && unit.bootReadyNanos - now <= 0) {
                    return true;
                }
            }
            return false;
        }
    }

    SimStats stats() {
        long now = nanoTime();
        synchronized (lock) {
            advanceLocked(now);
            double usd = closedUsd + feesUsd;
            double unitSeconds = closedUnitSeconds;
            int up = 0;
            for (int i = flexFrom; i < units.length; i++) {
                Unit unit = units[i];
                if (unit.up) {
                    double seconds = (now - unit.startedNanos) / NANOS_PER_SECOND;
                    usd += seconds * deployment.pricePerSecondUsd();
                    unitSeconds += seconds;
                    up++;
                }
            }
            if (contacted && flexFrom > 0) {
                double leaseSeconds = (now - contactNanos) / NANOS_PER_SECOND;
                if (deployment.provider() == SimProvider.GOLEM) {
                    usd += leaseSeconds * deployment.pricePerSecondUsd();
                    unitSeconds += leaseSeconds;
                } else {
                    usd += leaseSeconds * deployment.activeUnits() * deployment.activePricePerSecondUsd();
                    unitSeconds += leaseSeconds * deployment.activeUnits();
                }
                up += flexFrom;
            }
            Instant leaseStartedAt = flexFrom > 0 ? contactedAt : null;
            return new SimStats(requests.sum(), succeeded.sum(), failed.sum(), rejected.sum(), busy, waiting.size(),
                    peakBusy, coldStarts, probes.sum(), deployment.billingModel(), up, unitStarts, unitSeconds, usd,
                    leaseStartedAt);
        }
    }

    /**
     * Runs {@code task} after {@code delay} on the timer, logging (not swallowing) its failures.
     *
     * @return the scheduled task, or null once the engine is closed
     */
    ScheduledFuture<?> schedule(Duration delay, Runnable task) {
        try {
            return timer.schedule(safely(task), Math.max(0L, delay.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            return null;
        }
    }

    /** Runs {@code task} soon on the timer; a no-op once the engine is closed. */
    void execute(Runnable task) {
        try {
            timer.execute(safely(task));
        } catch (RejectedExecutionException closed) {
            LOG.debug("Simulator {} closed; dropping a task", deployment.id());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** Called once per execution by {@link Execution#finish}: frees its slot, counts it and hands slots on. */
    void release(Execution execution, boolean success) {
        long now = nanoTime();
        List<Execution> next = new ArrayList<>();
        synchronized (lock) {
            Unit unit = execution.unit();
            busy--;
            unit.calls--;
            if (unit.calls == 0) {
                unit.lastIdleNanos = now;
                if (unit.draining) {
                    stopLocked(unit, now);
                }
            }
            advanceLocked(now);
            while (!waiting.isEmpty()) {
                Execution started = placeLocked(waiting.peekFirst(), now);
                if (started == null) {
                    break;
                }
                waiting.pollFirst().waiting = false;
                next.add(started);
            }
        }
        if (execution.ticket().counted()) {
            (success ? succeeded : failed).increment();
        }
        for (Execution started : next) {
            // Not in the caller's stack: the caller may hold a job lock, and the next request's start takes its own.
            execute(() -> deliver(started));
        }
    }

    /** The first request of any kind starts the lease: Golem's node and RunPod's active workers. */
    private void touchLocked(long now) {
        if (contacted) {
            return;
        }
        contacted = true;
        contactNanos = now;
        contactedAt = clock.instant();
        for (int i = 0; i < flexFrom; i++) {
            Unit unit = units[i];
            unit.up = true;
            unit.startedNanos = now;
            unit.lastIdleNanos = now;
            unitStarts++;
            if (deployment.provider() == SimProvider.GOLEM) {
                // A leased node boots once (no time at all for the usual pre-warmed image) and pays the start fee.
                unit.bootReadyNanos = now + deployment.coldStart().toNanos();
                if (!deployment.coldStart().isZero()) {
                    coldStarts++;
                }
                feesUsd += deployment.startFeeUsd();
            } else {
                unit.bootReadyNanos = now;
            }
        }
    }

    /** Stops every idle on-demand unit whose idle time has run out, at the exact instant it ran out. */
    private void advanceLocked(long now) {
        long idleNanos = deployment.idleTimeout().toNanos();
        for (int i = flexFrom; i < units.length; i++) {
            Unit unit = units[i];
            if (unit.up && unit.calls == 0 && now - (unit.lastIdleNanos + idleNanos) >= 0) {
                stopLocked(unit, unit.lastIdleNanos + idleNanos);
            }
        }
    }

    /** Closes an on-demand unit's billed period: Modal to the nanosecond, RunPod rounded up to the second. */
    private void stopLocked(Unit unit, long stopNanos) {
        long billedNanos = Math.max(0L, stopNanos - unit.startedNanos);
        if (deployment.provider() == SimProvider.RUNPOD) {
            billedNanos = (billedNanos + 999_999_999L) / 1_000_000_000L * 1_000_000_000L;
        }
        double seconds = billedNanos / NANOS_PER_SECOND;
        closedUnitSeconds += seconds;
        closedUsd += seconds * deployment.pricePerSecondUsd();
        unit.up = false;
        unit.draining = false;
        unit.stoppedNanos = stopNanos;
    }

    /**
     * Places a call on a unit by the billing rule, starting a new unit if needed.
     *
     * @return the started execution, or null when it must wait
     */
    private Execution placeLocked(Ticket ticket, long now) {
        if (busy >= deployment.capacity()) {
            return null;
        }
        if (!deployment.coldStart().isZero() && faults.consumeColdRequest()) {
            goColdLocked(now);
        }
        int slots = deployment.slotsPerUnit();
        Unit chosen = null;
        for (Unit unit : units) {
            if (!unit.up || unit.draining || unit.calls >= slots) {
                continue;
            }
            if (chosen == null || unit.permanent && !chosen.permanent
                    || unit.permanent == chosen.permanent && unit.calls > chosen.calls) {
                chosen = unit;
            }
        }
        if (chosen == null) {
            for (int i = flexFrom; i < units.length && chosen == null; i++) {
                if (!units[i].up) {
                    chosen = units[i];
                    startUnitLocked(chosen, now);
                }
            }
        }
        if (chosen == null) {
            return null;
        }
        chosen.calls++;
        busy++;
        peakBusy = Math.max(peakBusy, busy);
        long coldNanos = Math.max(0L, chosen.bootReadyNanos - now);
        Duration latency;
        boolean failureInjected;
        boolean midStream;
        if (ticket.fixedLatency() != null) {
            latency = ticket.fixedLatency();
            failureInjected = false;
            midStream = false;
        } else {
            FaultControl.Faults active = faults.current();
            latency = deployment.latency().sample(random, ticket.outputTokens());
            if (active.slowFactor() != 1.0) {
                latency = Duration.ofNanos(Math.round(latency.toNanos() * active.slowFactor()));
            }
            failureInjected = active.failRate() > 0.0 && random.nextDouble() < active.failRate();
            midStream = active.midStream();
        }
        return new Execution(this, ticket, chosen, now, clock.instant(), Duration.ofNanos(coldNanos), latency,
                failureInjected, midStream);
    }

    private void startUnitLocked(Unit unit, long now) {
        unit.up = true;
        unit.draining = false;
        unit.startedNanos = now;
        unit.bootReadyNanos = now + deployment.coldStart().toNanos();
        unit.lastIdleNanos = now;
        unit.calls = 0;
        unitStarts++;
        if (!deployment.coldStart().isZero()) {
            coldStarts++;
        }
    }

    /**
     * {@link FaultControl#goCold()}: the next call pays a cold start. Idle on-demand units stop now, busy ones take
     * no more calls and stop when their last call ends; a Golem node reboots (its lease runs on). RunPod active
     * workers are never cold.
     */
    private void goColdLocked(long now) {
        if (deployment.provider() == SimProvider.GOLEM) {
            if (contacted) {
                units[0].bootReadyNanos = now + deployment.coldStart().toNanos();
                coldStarts++;
            }
            return;
        }
        for (int i = flexFrom; i < units.length; i++) {
            Unit unit = units[i];
            if (!unit.up) {
                continue;
            }
            if (unit.calls == 0) {
                stopLocked(unit, now);
            } else {
                unit.draining = true;
            }
        }
    }

    private void deliver(Execution execution) {
        try {
            execution.ticket().onStart().accept(execution);
        } catch (RuntimeException e) {
            LOG.warn("Simulator {} failed to start a request", deployment.id(), e);
            execution.finish(false);
        }
    }

    private Runnable safely(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("Simulator {} task failed", deployment.id(), e);
            }
        };
    }

    /** Daemon threads, so a forgotten simulator never keeps a JVM alive. */
    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A request admitted to the deployment: running, or waiting in the queue. */
    static final class Ticket {
        private final int outputTokens;
        private final long arrivalNanos;
        private final boolean counted;
        private final Duration fixedLatency;
        private final Consumer<Execution> onStart;
        /** Guarded by the engine's lock. */
        private boolean waiting;

        private Ticket(int outputTokens, long arrivalNanos, boolean counted, Duration fixedLatency,
                       Consumer<Execution> onStart) {
            this.outputTokens = outputTokens;
            this.arrivalNanos = arrivalNanos;
            this.counted = counted;
            this.fixedLatency = fixedLatency;
            this.onStart = onStart;
        }

        /** Whether this is an inference request counted in the stats (false for probes). */
        boolean counted() {
            return counted;
        }

        /** The call's fixed execution time (brief calls), or null to sample the latency model. */
        Duration fixedLatency() {
            return fixedLatency;
        }

        int outputTokens() {
            return outputTokens;
        }

        long arrivalNanos() {
            return arrivalNanos;
        }

        Consumer<Execution> onStart() {
            return onStart;
        }
    }

    /** One billed unit: Golem's leased node, a Modal container or a RunPod worker. Guarded by the engine's lock. */
    static final class Unit {
        final int index;
        /** Golem's lease unit or a RunPod active worker: up from the first request on, never scaled down. */
        final boolean permanent;
        boolean up;
        /** Takes no new call and stops when its last call ends (after {@link FaultControl#goCold()}). */
        boolean draining;
        long startedNanos;
        long bootReadyNanos;
        int calls;
        long lastIdleNanos;
        long stoppedNanos;

        Unit(int index, boolean permanent) {
            this.index = index;
            this.permanent = permanent;
        }

        @Override
        public String toString() {
            return "Unit[" + index + (permanent ? " permanent" : "") + (up ? " up" : " down") + ", calls=" + calls + "]";
        }
    }
}
