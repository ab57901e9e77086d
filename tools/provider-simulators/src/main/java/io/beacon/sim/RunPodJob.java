package io.beacon.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * One RunPod serverless job and its state machine: IN_QUEUE (waiting for a worker, or for the worker to boot)
 * -> IN_PROGRESS -> COMPLETED / FAILED / TIMED_OUT, or CANCELLED at any point before the end; FAILED and
 * TIMED_OUT jobs can be retried, which puts them back IN_QUEUE under the same id.
 *
 * <p>All state is guarded by this object's monitor. Lock order is job, then engine: the engine never calls back
 * into a job while holding its own lock.
 */
final class RunPodJob {

    enum Status {
        IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, TIMED_OUT;

        boolean terminal() {
            return this == COMPLETED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
        }
    }

    enum RetryOutcome { RETRIED, NOT_RETRYABLE, QUEUE_FULL }

    /**
     * What the worker will do with the job's input, decided once at submission.
     *
     * @param completion the answer, when the input is valid
     * @param inputError why worker-vllm cannot run it, when it is not: the job still COMPLETES, with the error
     *                   as its output, as worker-vllm reports errors
     */
    record Work(TextSynth.Completion completion, String inputError) {
        int outputTokens() {
            return completion == null ? 0 : completion.outputTokens();
        }
    }

    static final String INJECTED_FAILURE =
            "Simulated handler failure: worker raised RuntimeError('CUDA error: an illegal memory access was encountered')";

    private final SimEngine engine;
    private final String id;
    private final Work work;
    private final Duration executionTimeout;
    private final Duration ttl;
    private final Consumer<Status> onTerminal;

    private volatile Status status = Status.IN_QUEUE;
    private volatile long finishedNanos;
    private long submittedNanos;
    private Long delayMs;
    private Long executionMs;
    private String error;
    private int retries;
    private SimEngine.Ticket ticket;
    private Execution execution;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private CompletableFuture<RunPodJob> done = new CompletableFuture<>();

    RunPodJob(SimEngine engine, String id, Work work, Duration executionTimeout, Duration ttl,
              Consumer<Status> onTerminal) {
        this.engine = engine;
        this.id = id;
        this.work = work;
        this.executionTimeout = executionTimeout;
        this.ttl = ttl;
        this.onTerminal = onTerminal;
    }

    String id() {
        return id;
    }

    Status status() {
        return status;
    }

    /** When the job reached its terminal state ({@link System#nanoTime()}), 0 before. */
    long finishedNanos() {
        return finishedNanos;
    }

    /** Completes when the current attempt reaches a terminal state. */
    synchronized CompletableFuture<RunPodJob> done() {
        return done;
    }

    /** Admits the job to the endpoint's queue; false when the queue is full. */
    synchronized boolean enqueue() {
        submittedNanos = engine.nanoTime();
        ticket = engine.admit(work.outputTokens(), this::start);
        return ticket != null;
    }

    /** Cancels the job unless it has already ended; answers RunPod's {@code {id, status}}. */
    ObjectNode cancel() {
        CompletableFuture<RunPodJob> toComplete = null;
        ObjectNode answer;
        synchronized (this) {
            if (!status.terminal()) {
                if (execution == null) {
                    // Still queued: leave the queue. If its start is already on its way, start() sees CANCELLED.
                    engine.withdraw(ticket);
                }
                toComplete = endLocked(Status.CANCELLED, null);
            }
            answer = HttpIo.object().put("id", id).put("status", status.name());
        }
        if (toComplete != null) {
            toComplete.complete(this);
        }
        return answer;
    }

    /** Puts a FAILED or TIMED_OUT job back in the queue under the same id. */
    synchronized RetryOutcome retry() {
        if (status != Status.FAILED && status != Status.TIMED_OUT) {
            return RetryOutcome.NOT_RETRYABLE;
        }
        Status previousStatus = status;
        String previousError = error;
        Long previousDelay = delayMs;
        Long previousExecution = executionMs;
        CompletableFuture<RunPodJob> previousDone = done;
        long previousFinished = finishedNanos;
        status = Status.IN_QUEUE;
        error = null;
        delayMs = null;
        executionMs = null;
        execution = null;
        finishedNanos = 0;
        done = new CompletableFuture<>();
        engine.countRequest();
        if (!enqueue()) {
            status = previousStatus;
            error = previousError;
            delayMs = previousDelay;
            executionMs = previousExecution;
            done = previousDone;
            finishedNanos = previousFinished;
            return RetryOutcome.QUEUE_FULL;
        }
        retries++;
        return RetryOutcome.RETRIED;
    }

    /** Removes the job if it is still waiting for a worker (purge-queue). */
    boolean purge() {
        CompletableFuture<RunPodJob> toComplete;
        synchronized (this) {
            if (status != Status.IN_QUEUE || execution != null || !engine.withdraw(ticket)) {
                return false;
            }
            toComplete = endLocked(Status.CANCELLED, null);
        }
        toComplete.complete(this);
        return true;
    }

    /** RunPod's job object: {@code {id, status, delayTime?, executionTime?, output?, error?}} (times in ms). */
    synchronized ObjectNode toJson() {
        ObjectNode json = HttpIo.object();
        json.put("id", id);
        json.put("status", status.name());
        if (delayMs != null) {
            json.put("delayTime", delayMs);
        }
        if (executionMs != null) {
            json.put("executionTime", executionMs);
        }
        if (status == Status.COMPLETED) {
            json.set("output", output());
        }
        if (error != null) {
            json.put("error", error);
        }
        if (retries > 0) {
            json.put("retries", retries);
        }
        return json;
    }

    private void start(Execution started) {
        CompletableFuture<RunPodJob> toComplete = null;
        synchronized (this) {
            if (status != Status.IN_QUEUE) {
                // Cancelled or purged while its start was on the way: hand the slot straight back.
                started.finish(false);
                return;
            }
            execution = started;
            Duration waited = Duration.ofNanos(started.startNanos() - submittedNanos);
            if (waited.compareTo(ttl) > 0) {
                delayMs = waited.toMillis();
                executionMs = 0L;
                toComplete = endLocked(Status.TIMED_OUT, "Job expired: it waited " + waited.toMillis()
                        + " ms for a worker, longer than its ttl of " + ttl.toMillis() + " ms");
            } else {
                delayMs = waited.plus(started.coldStart()).toMillis();
                schedule(started, started.coldStart(), () -> markInProgress(started));
                Status end;
                Duration run;
                String failure = null;
                if (work.inputError() != null) {
                    // worker-vllm catches the error and returns it as the job's output: COMPLETED, not FAILED.
                    end = Status.COMPLETED;
                    run = Duration.ZERO;
                } else if (started.failureInjected()) {
                    end = Status.FAILED;
                    run = started.latency().dividedBy(2);
                    failure = INJECTED_FAILURE;
                } else {
                    end = Status.COMPLETED;
                    run = started.latency();
                }
                if (run.compareTo(executionTimeout) > 0) {
                    end = Status.TIMED_OUT;
                    run = executionTimeout;
                    failure = "Job timed out after " + executionTimeout.toMillis() + " ms (policy.executionTimeout)";
                }
                Status outcome = end;
                Duration ran = run;
                String reason = failure;
                schedule(started, started.coldStart().plus(run), () -> end(started, outcome, ran, reason));
            }
        }
        if (toComplete != null) {
            toComplete.complete(this);
        }
    }

    private synchronized void markInProgress(Execution started) {
        if (execution == started && status == Status.IN_QUEUE) {
            status = Status.IN_PROGRESS;
        }
    }

    private void end(Execution started, Status outcome, Duration ran, String reason) {
        CompletableFuture<RunPodJob> toComplete;
        synchronized (this) {
            if (execution != started || status.terminal()) {
                return;
            }
            executionMs = ran.toMillis();
            toComplete = endLocked(outcome, reason);
        }
        toComplete.complete(this);
    }

    /** Moves to a terminal state and frees the worker; the caller completes the returned future outside the lock. */
    private CompletableFuture<RunPodJob> endLocked(Status outcome, String reason) {
        status = outcome;
        error = reason;
        finishedNanos = System.nanoTime();
        timers.forEach(timer -> timer.cancel(false));
        timers.clear();
        if (execution != null) {
            execution.finish(outcome == Status.COMPLETED && work.inputError() == null);
        }
        onTerminal.accept(outcome);
        return done;
    }

    private void schedule(Execution started, Duration offset, Runnable task) {
        ScheduledFuture<?> timer = started.at(offset, task);
        if (timer != null) {
            timers.add(timer);
        }
    }

    /** The vLLM worker's output shape: one batch with the answer, or one holding the error. */
    private ArrayNode output() {
        ArrayNode output = HttpIo.JSON.createArrayNode();
        ObjectNode item = output.addObject();
        if (work.inputError() != null) {
            item.put("error", work.inputError());
            return output;
        }
        item.putArray("choices").addObject().putArray("tokens").add(work.completion().text());
        item.putObject("usage").put("input", work.completion().promptTokens())
                .put("output", work.completion().outputTokens());
        return output;
    }
}
