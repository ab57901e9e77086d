package io.beacon.sim;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider-independent core of one simulated deployment: worker slots and the wait queue in front of them,
 * warm/cold state, latency sampling, fault decisions, stats and billing.
 *
 * <p>Protocols never block a thread for the length of a simulated request: they {@link #admit admit} it, get an
 * {@link Execution} when a slot frees up, and schedule their response on this engine's timer. That is what lets a
 * couple of threads carry hundreds of concurrent slow requests.
 */
final class SimEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SimEngine.class);

    private final SimulatedDeployment deployment;
    private final FaultControl faults;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor timer;
    /** java.util.Random is thread-safe; seeded per deployment so a demo run is roughly repeatable. */
    private final Random random;

    private final Object lock = new Object();
    private final ArrayDeque<Ticket> waiting = new ArrayDeque<>();
    private int busy;
    private int peakBusy;
    private boolean everBooted;
    private long lastIdleNanos;
    private long bootReadyNanos;

    private final LongAdder requests = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder coldStarts = new LongAdder();
    private final AtomicLong billedNanos = new AtomicLong();

    SimEngine(SimulatedDeployment deployment, FaultControl faults, Clock clock) {
        this.deployment = Objects.requireNonNull(deployment, "deployment");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timer = new ScheduledThreadPoolExecutor(2, daemonThreads("sim-" + deployment.id() + "-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.random = new Random(deployment.id().hashCode());
        this.lastIdleNanos = System.nanoTime();
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

    /** Counts an inference request on arrival; every counted request later ends in exactly one outcome. */
    void countRequest() {
        requests.increment();
    }

    /** A counted request that ended without reaching a worker (injected failAll, bad input, unknown model...). */
    void countImmediateOutcome(boolean success) {
        (success ? succeeded : failed).increment();
    }

    /**
     * Asks for a worker slot. When one is free, {@code onStart} runs before this returns; otherwise the ticket
     * waits and {@code onStart} runs on the timer thread when a slot frees up.
     *
     * @return the ticket, or null when capacity and queue are full (counted as failed and rejected)
     */
    Ticket admit(int outputTokens, Consumer<Execution> onStart) {
        Ticket ticket = new Ticket(outputTokens, System.nanoTime(), onStart);
        Execution startNow;
        synchronized (lock) {
            if (busy < deployment.capacity()) {
                startNow = startLocked(ticket);
            } else if (waiting.size() < deployment.queueLimit()) {
                ticket.waiting = true;
                waiting.addLast(ticket);
                return ticket;
            } else {
                rejected.increment();
                failed.increment();
                return null;
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
        failed.increment();
        return true;
    }

    /** Requests holding a slot now. */
    int busy() {
        synchronized (lock) {
            return busy;
        }
    }

    /** Requests waiting for a slot now. */
    int queued() {
        synchronized (lock) {
            return waiting.size();
        }
    }

    /** Whether a request starting now would skip the cold start. */
    boolean warm() {
        if (deployment.coldStart().isZero()) {
            return true;
        }
        if (faults.coldRequested()) {
            return false;
        }
        long now = System.nanoTime();
        synchronized (lock) {
            if (!everBooted || bootReadyNanos - now > 0) {
                return false;
            }
            return busy > 0 || now - lastIdleNanos < deployment.idleTimeout().toNanos();
        }
    }

    SimStats stats() {
        int inFlight;
        int queuedNow;
        int peak;
        synchronized (lock) {
            inFlight = busy;
            queuedNow = waiting.size();
            peak = peakBusy;
        }
        double billedSeconds = billedNanos.get() / 1_000_000_000d;
        return new SimStats(requests.sum(), succeeded.sum(), failed.sum(), rejected.sum(), inFlight, queuedNow, peak,
                coldStarts.sum(), billedSeconds, billedSeconds * deployment.pricePerSecondUsd());
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

    /** Called once per execution by {@link Execution#finish}: bills it, counts it and hands the slot on. */
    void release(Execution execution, boolean success) {
        long now = System.nanoTime();
        Execution next = null;
        synchronized (lock) {
            busy--;
            if (busy == 0) {
                lastIdleNanos = now;
            }
            Ticket ticket = waiting.pollFirst();
            if (ticket != null) {
                ticket.waiting = false;
                next = startLocked(ticket);
            }
        }
        billedNanos.addAndGet(billableNanos(execution, now));
        (success ? succeeded : failed).increment();
        if (next != null) {
            Execution started = next;
            // Not in the caller's stack: the caller may hold a job lock, and the next request's start takes its own.
            execute(() -> deliver(started));
        }
    }

    private long billableNanos(Execution execution, long nowNanos) {
        return switch (deployment.provider()) {
            // A leased node is paid for by wall time, so a Golem request costs its whole stay, queue included.
            case GOLEM -> nowNanos - execution.ticket().arrivalNanos();
            // Modal bills container seconds: boot plus execution.
            case MODAL -> nowNanos - execution.startNanos();
            // RunPod bills whole seconds from worker start (boot plus execution), rounded up.
            case RUNPOD -> {
                long seconds = (nowNanos - execution.startNanos() + 999_999_999L) / 1_000_000_000L;
                yield seconds * 1_000_000_000L;
            }
        };
    }

    private Execution startLocked(Ticket ticket) {
        long now = System.nanoTime();
        long coldNanos = coldStartLocked(now);
        busy++;
        peakBusy = Math.max(peakBusy, busy);
        FaultControl.Faults active = faults.current();
        Duration latency = deployment.latency().sample(random, ticket.outputTokens());
        if (active.slowFactor() != 1.0) {
            latency = Duration.ofNanos(Math.round(latency.toNanos() * active.slowFactor()));
        }
        boolean failureInjected = active.failRate() > 0.0 && random.nextDouble() < active.failRate();
        return new Execution(this, ticket, now, clock.instant(), Duration.ofNanos(coldNanos), latency,
                failureInjected, active.midStream());
    }

    /** The cold start a request starting now pays: a full boot, the rest of a boot under way, or nothing. */
    private long coldStartLocked(long now) {
        long coldNanos = deployment.coldStart().toNanos();
        if (coldNanos == 0) {
            return 0;
        }
        boolean forced = faults.consumeColdRequest();
        if (!forced && everBooted && bootReadyNanos - now > 0) {
            return bootReadyNanos - now;
        }
        boolean scaledToZero = busy == 0 && now - lastIdleNanos >= deployment.idleTimeout().toNanos();
        if (forced || !everBooted || scaledToZero) {
            everBooted = true;
            bootReadyNanos = now + coldNanos;
            coldStarts.increment();
            return coldNanos;
        }
        return 0;
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
        private final Consumer<Execution> onStart;
        /** Guarded by the engine's lock. */
        private boolean waiting;

        private Ticket(int outputTokens, long arrivalNanos, Consumer<Execution> onStart) {
            this.outputTokens = outputTokens;
            this.arrivalNanos = arrivalNanos;
            this.onStart = onStart;
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
}
