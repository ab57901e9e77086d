package io.beacon.workers.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded concurrency for one deployment: at most {@code capacity} calls run at once, the rest wait in
 * arrival order. A call starts on whichever thread frees a slot (the poll thread or an HTTP completion
 * thread), so no thread ever blocks waiting for a slot. Thread-safe.
 */
public final class DeploymentLane {

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentLane.class);

    private final String deploymentId;
    private int capacity;
    private final ArrayDeque<Supplier<CompletableFuture<?>>> waiting = new ArrayDeque<>();
    private int inFlight;
    private boolean closed;

    public DeploymentLane(String deploymentId, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.deploymentId = deploymentId;
        this.capacity = capacity;
    }

    /**
     * Starts {@code call} now if a slot is free, else queues it. The slot is held until the future that
     * {@code call} returns completes, in any way.
     *
     * @return false when the lane is closed and {@code call} will never start
     */
    public boolean submit(Supplier<CompletableFuture<?>> call) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            if (inFlight >= capacity) {
                waiting.addLast(call);
                return true;
            }
            inFlight++;
        }
        start(call);
        return true;
    }

    private void start(Supplier<CompletableFuture<?>> call) {
        // A loop, not recursion: calls that finish at once (a job past its deadline) must not grow the stack.
        Supplier<CompletableFuture<?>> current = call;
        while (current != null) {
            CompletableFuture<?> running = invoke(current);
            if (!running.isDone()) {
                running.whenComplete((ignored, thrown) -> finished());
                return;
            }
            current = nextOrRelease();
        }
    }

    private CompletableFuture<?> invoke(Supplier<CompletableFuture<?>> call) {
        try {
            CompletableFuture<?> running = call.get();
            return running == null ? CompletableFuture.completedFuture(null) : running;
        } catch (RuntimeException e) {
            LOG.error("deployment={} a call failed to start: {}", deploymentId, e.toString());
            return CompletableFuture.completedFuture(null);
        }
    }

    private void finished() {
        Supplier<CompletableFuture<?>> next = nextOrRelease();
        if (next != null) {
            start(next);
        }
    }

    /** The slot passes straight to the next waiting call, or is released when none waits. */
    private synchronized Supplier<CompletableFuture<?>> nextOrRelease() {
        Supplier<CompletableFuture<?>> next = closed ? null : waiting.pollFirst();
        if (next == null) {
            inFlight--;
            notifyAll();
        }
        return next;
    }

    /**
     * Changes how many calls may run at once (the deployment's entry was changed). A larger capacity starts
     * waiting calls at once; a smaller one lets running calls finish and starts no more until below it.
     */
    public void resize(int newCapacity) {
        if (newCapacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        List<Supplier<CompletableFuture<?>>> toStart = new ArrayList<>();
        synchronized (this) {
            capacity = newCapacity;
            while (!closed && inFlight < capacity && !waiting.isEmpty()) {
                inFlight++;
                toStart.add(waiting.pollFirst());
            }
        }
        toStart.forEach(this::start);
    }

    /**
     * Removes and returns the calls waiting for a slot, in arrival order, without starting them: the deployment
     * was retired and they must be handed elsewhere (each supplier, run, finds the deployment retired and fails
     * its job over without a call). Running calls keep their slots.
     */
    public synchronized List<Supplier<CompletableFuture<?>>> takeWaiting() {
        List<Supplier<CompletableFuture<?>>> out = new ArrayList<>(waiting);
        waiting.clear();
        return out;
    }

    /** Stops starting calls; returns how many waiting calls were dropped (their records will be re-delivered). */
    public synchronized int close() {
        closed = true;
        int dropped = waiting.size();
        waiting.clear();
        return dropped;
    }

    public String deploymentId() {
        return deploymentId;
    }

    public synchronized int capacity() {
        return capacity;
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public synchronized int queued() {
        return waiting.size();
    }
}
