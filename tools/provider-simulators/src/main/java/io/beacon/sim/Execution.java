package io.beacon.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request holding a worker slot: when it started, the cold start it pays, how long it runs and whether an
 * injected fault makes it fail. Offsets given to {@link #at} are measured from {@link #startNanos()}, so a
 * response lands at the planned time however late the scheduling thread was.
 */
final class Execution {

    private final SimEngine engine;
    private final SimEngine.Ticket ticket;
    private final SimEngine.Unit unit;
    private final long startNanos;
    private final Instant startedAt;
    private final Duration coldStart;
    private final Duration latency;
    private final boolean failureInjected;
    private final boolean midStream;
    private final AtomicBoolean finished = new AtomicBoolean();

    Execution(SimEngine engine, SimEngine.Ticket ticket, SimEngine.Unit unit, long startNanos, Instant startedAt, Duration coldStart,
              Duration latency, boolean failureInjected, boolean midStream) {
        this.engine = engine;
        this.ticket = ticket;
        this.unit = unit;
        this.startNanos = startNanos;
        this.startedAt = startedAt;
        this.coldStart = coldStart;
        this.latency = latency;
        this.failureInjected = failureInjected;
        this.midStream = midStream;
    }

    SimEngine.Ticket ticket() {
        return ticket;
    }

    /** The billed unit (node, container, worker) whose slot this call holds. */
    SimEngine.Unit unit() {
        return unit;
    }

    long startNanos() {
        return startNanos;
    }

    /** Wall-clock time the slot was taken. */
    Instant startedAt() {
        return startedAt;
    }

    /** Time spent waiting for a slot. */
    Duration queueTime() {
        return Duration.ofNanos(startNanos - ticket.arrivalNanos());
    }

    /** Cold start paid after taking the slot (zero when warm). */
    Duration coldStart() {
        return coldStart;
    }

    /** Execution time on the warm worker, slow-down included. */
    Duration latency() {
        return latency;
    }

    /** Offset from start at which the result is complete. */
    Duration doneOffset() {
        return coldStart.plus(latency);
    }

    /** Offset from start at which an injected failure surfaces: halfway through the execution. */
    Duration failureOffset() {
        return coldStart.plus(latency.dividedBy(2));
    }

    /** Whether {@link FaultControl#failRate} picked this request to fail. */
    boolean failureInjected() {
        return failureInjected;
    }

    /** Whether {@link FaultControl#failMidStream} was on when this request started. */
    boolean midStream() {
        return midStream;
    }

    boolean isFinished() {
        return finished.get();
    }

    /** Schedules {@code task} at {@code offset} after start; null once the simulator is closed. */
    ScheduledFuture<?> at(Duration offset, Runnable task) {
        long delayNanos = startNanos + offset.toNanos() - engine.nanoTime();
        return engine.schedule(Duration.ofNanos(delayNanos), task);
    }

    /**
     * Frees the slot and counts the request (its unit goes on billing until it stops). Idempotent: only the first call counts, so a cancellation
     * racing a completion is billed once.
     *
     * @return whether this call finished the execution
     */
    boolean finish(boolean success) {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        engine.release(this, success);
        return true;
    }
}
