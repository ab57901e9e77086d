package io.beacon.lab.engine;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.workers.Attempts;
import io.beacon.workers.ProviderWorker;
import io.beacon.workers.WorkerSettings;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.cost.LedgerPublisher;
import io.beacon.workers.resilience.RetrySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntFunction;

/**
 * The worker of one provider kind, in virtual time. Its deployments are made of the worker's production parts
 * ({@link LabDeployment}); around them this class does what {@code PollLoop} and {@code ResilientCaller} do:
 * take jobs from the kind's topic (pausing above the outstanding limit, so jobs wait in the topic and its lag
 * grows), refuse jobs past their deadline or for a deployment it does not serve, run each call in its
 * deployment's lane behind the circuit, retry 429/503 answers on the same deployment with back-off, and publish
 * one attempt and its ATTEMPT ledger entry per job; every heartbeat interval, probe, drain the ledger and send
 * one heartbeat per deployment. (Those two classes wait on a real-time executor, so the lab restates their
 * rules here; the parts they drive are the production ones.)
 */
final class LabWorker {

    /** Where the worker's records go: the topics, which the run delivers after a Kafka hop. */
    interface Sink {
        void attempt(RoutedJob job, JobAttempt attempt);

        void cost(CostEntry entry);

        void heartbeat(ProviderStatus status);
    }

    private final ProviderKind kind;
    private final EventQueue events;
    private final WorkerSettings settings;
    private final Sink sink;
    private final ToIntFunction<String> outputTokens;
    private final Map<String, LabDeployment> deployments = new LinkedHashMap<>();
    /** Every deployment ever served, left ones included: what the providers bill. */
    private final List<LabDeployment> everServed = new ArrayList<>();
    /** Jobs in the topic the paused consumer has not taken yet. */
    private final ArrayDeque<RoutedJob> topic = new ArrayDeque<>();
    /** Jobs produced to the topic whose attempt is not published yet, in produce order, with when: the lag. */
    private final LinkedHashMap<String, Long> unacknowledged = new LinkedHashMap<>();
    private int outstanding;
    private boolean paused;
    private boolean heartbeatRequested;
    private boolean stopped;

    LabWorker(ProviderKind kind, EventQueue events, WorkerSettings settings, ToIntFunction<String> outputTokens,
              Sink sink) {
        this.kind = kind;
        this.events = events;
        this.settings = settings;
        this.outputTokens = outputTokens;
        this.sink = sink;
    }

    ProviderKind kind() {
        return kind;
    }

    /** Starts serving {@code spec} (at start, or a Golem node that joined). */
    void serve(SimulatedDeployment spec, long seed) {
        LabDeployment d = new LabDeployment(spec, events, settings, seed, outputTokens, this::requestHeartbeat);
        deployments.put(spec.id(), d);
        everServed.add(d);
    }

    Optional<LabDeployment> deployment(String id) {
        return Optional.ofNullable(deployments.get(id));
    }

    Collection<LabDeployment> deployments() {
        return deployments.values();
    }

    List<LabDeployment> everServed() {
        return everServed;
    }

    /**
     * The node {@code id} left: its agreement ends (billing stops), its calls in flight break, its ledger is
     * drained a last time and the worker stops reporting it, so the router sees its heartbeat go stale.
     */
    void leave(String id, String reason) {
        LabDeployment d = deployments.remove(id);
        if (d == null) {
            return;
        }
        d.sim.end();
        d.simClient.breakRunning("connection reset: " + reason);
        drainLedger(d);
    }

    /** Heartbeats every interval from now on, the first now. */
    void start() {
        events.after(0, this::tick);
    }

    /** No more heartbeats (the end of the run). */
    void stop() {
        stopped = true;
    }

    private void tick() {
        if (stopped) {
            return;
        }
        publishHeartbeats();
        events.after(settings.heartbeatInterval().toNanos(), this::tick);
    }

    /** A circuit changed state: the next loop turn sends heartbeats at once (as the worker's poll loop does). */
    private void requestHeartbeat() {
        if (heartbeatRequested || stopped) {
            return;
        }
        heartbeatRequested = true;
        events.after(0, () -> {
            heartbeatRequested = false;
            if (!stopped) {
                publishHeartbeats();
            }
        });
    }

    private void publishHeartbeats() {
        for (LabDeployment d : List.copyOf(deployments.values())) {
            d.health.maybeProbe();
        }
        for (LabDeployment d : deployments.values()) {
            drainLedger(d);
            for (ProviderStatus status : d.health.statuses(Map.of(d.id(), d.lane))) {
                if (d.priceFactor != 1.0) {
                    status.setPricePerSecondUsd(status.getPricePerSecondUsd() * d.priceFactor);
                }
                sink.heartbeat(status);
            }
        }
    }

    private void drainLedger(LabDeployment d) {
        for (CostEntry entry : d.ledger.drain(events.clock().instant())) {
            if (d.priceFactor != 1.0) {
                entry.setAmountUsd(entry.getAmountUsd() * d.priceFactor);
            }
            sink.cost(entry);
        }
    }

    /** A routed job reached this kind's topic. */
    void deliver(RoutedJob job) {
        unacknowledged.put(delivery(job), events.now());
        if (paused) {
            topic.addLast(job);
        } else {
            take(job);
        }
    }

    /** Seconds since the oldest job not yet answered was produced (what the group's lag in seconds measures). */
    double lagSeconds() {
        Iterator<Long> oldest = unacknowledged.values().iterator();
        return oldest.hasNext() ? (events.now() - oldest.next()) / 1e9 : 0;
    }

    /** One delivery of a job: its id and attempt. */
    private static String delivery(RoutedJob job) {
        return job.getJobId() + '#' + job.getAttempt();
    }

    int unacknowledged() {
        return unacknowledged.size();
    }

    private void take(RoutedJob job) {
        outstanding++;
        LabDeployment d = deployments.get(job.getDeploymentId());
        Instant now = events.clock().instant();
        if (d == null) {
            complete(job, null, CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE, "deployment "
                    + job.getDeploymentId() + " is not served by worker " + settings.workerId() + " (it serves "
                    + String.join(", ", deployments.keySet()) + ")", now));
        } else if (deadlinePassed(job)) {
            complete(job, d, CallOutcome.notCalled(AttemptOutcome.PERMANENT_FAILURE, ProviderWorker.DEADLINE_PASSED, now));
        } else {
            d.lane.submit(() -> startCall(job, d));
        }
        if (!paused && outstanding >= settings.maxOutstanding()) {
            paused = true;
        }
    }

    private boolean deadlinePassed(RoutedJob job) {
        return job.getDeadline() != null && !events.clock().instant().isBefore(job.getDeadline());
    }

    /** Runs when the lane has a free slot. */
    private CompletableFuture<?> startCall(RoutedJob job, LabDeployment d) {
        Instant now = events.clock().instant();
        if (deadlinePassed(job)) {
            complete(job, d, CallOutcome.notCalled(AttemptOutcome.PERMANENT_FAILURE, ProviderWorker.DEADLINE_PASSED, now));
            return CompletableFuture.completedFuture(null);
        }
        return attempt(job, d, new Earlier(now, 0, 0.0, 0.0), null).handle((outcome, thrown) -> {
            complete(job, d, outcome != null ? outcome : CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                    "the call failed: " + thrown, events.clock().instant()));
            return null;
        });
    }

    /** What the earlier calls of an attempt came to (ResilientCaller's rule). */
    private record Earlier(Instant firstStartedAt, int calls, double billedSeconds, double costUsd) {
        Earlier plus(CallOutcome o) {
            return new Earlier(firstStartedAt, calls + 1, billedSeconds + o.billedSeconds(), costUsd + o.costEstimateUsd());
        }

        Earlier minusLast(CallOutcome o) {
            return new Earlier(firstStartedAt, calls - 1, billedSeconds - o.billedSeconds(), costUsd - o.costEstimateUsd());
        }
    }

    private CompletableFuture<CallOutcome> attempt(RoutedJob job, LabDeployment d, Earlier earlier,
                                                   CallOutcome previous) {
        if (!d.circuit.tryAcquire()) {
            if (previous != null) {
                return CompletableFuture.completedFuture(finish(previous, earlier.minusLast(previous),
                        "then " + d.circuit.refusal()));
            }
            return CompletableFuture.completedFuture(CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                    d.circuit.refusal(), events.clock().instant()));
        }
        return d.client.call(job, d.endpoint).thenCompose(outcome -> {
            d.circuit.record(outcome);
            return afterCall(job, d, earlier, outcome);
        });
    }

    private CompletableFuture<CallOutcome> afterCall(RoutedJob job, LabDeployment d, Earlier earlier,
                                                     CallOutcome outcome) {
        RetrySettings retry = settings.retry();
        boolean retryLater = outcome.httpStatus() == 429 || outcome.httpStatus() == 503;
        if (outcome.outcome() != AttemptOutcome.RETRYABLE_FAILURE || !retryLater || earlier.calls() >= retry.maxRetries()) {
            return CompletableFuture.completedFuture(finish(outcome, earlier, ""));
        }
        Duration wait = outcome.retryAfter() != null ? outcome.retryAfter()
                : retry.backoff().multipliedBy(1L << Math.min(20, earlier.calls()));
        if (outcome.retryAfter() != null && wait.compareTo(retry.maxDelay()) > 0) {
            return CompletableFuture.completedFuture(finish(outcome, earlier, "Retry-After " + wait.toMillis()
                    + " ms is beyond the " + retry.maxDelay().toMillis() + " ms this worker waits"));
        }
        Instant byTimeout = earlier.firstStartedAt().plus(d.endpoint.requestTimeout());
        Instant end = job.getDeadline() == null || job.getDeadline().isAfter(byTimeout) ? byTimeout : job.getDeadline();
        Instant wouldFinish = events.clock().instant().plus(wait).plusMillis(Math.max(0, job.getExpectedLatencyMs()));
        if (wouldFinish.isAfter(end)) {
            return CompletableFuture.completedFuture(finish(outcome, earlier, "no retry: waiting " + wait.toMillis()
                    + " ms would leave too little time before the deadline"));
        }
        RoutedJob bounded = end.equals(job.getDeadline()) ? job : RoutedJob.newBuilder(job).setDeadline(end).build();
        Earlier next = earlier.plus(outcome);
        CompletableFuture<CallOutcome> retried = new CompletableFuture<>();
        events.after(wait.toNanos(), () -> attempt(bounded, d, next, outcome)
                .whenComplete((o, t) -> retried.complete(o)));
        return retried;
    }

    private static CallOutcome finish(CallOutcome last, Earlier earlier, String reason) {
        StringJoiner note = new StringJoiner("; ", " (", ")").setEmptyValue("");
        if (earlier.calls() > 0) {
            note.add("after " + earlier.calls() + (earlier.calls() == 1 ? " retry" : " retries"));
        }
        if (!reason.isEmpty()) {
            note.add(reason);
        }
        if (earlier.calls() == 0 && (reason.isEmpty() || last.error() == null)) {
            return last;
        }
        return last.spanning(earlier.firstStartedAt(), earlier.billedSeconds(), earlier.costUsd(), note.toString());
    }

    /** Publishes the job's attempt and its ATTEMPT ledger entry, and takes more jobs once below the resume mark. */
    private void complete(RoutedJob job, LabDeployment d, CallOutcome outcome) {
        JobAttempt attempt = Attempts.of(job, outcome, settings.workerId());
        if (d != null) {
            // The worker's price list over the configured price (a price change the workers were told of).
            attempt.setCostEstimateUsd(attempt.getCostEstimateUsd() * d.priceFactor);
        }
        sink.attempt(job, attempt);
        if (d != null) {
            sink.cost(LedgerPublisher.attemptEntry(attempt));
        }
        outstanding--;
        unacknowledged.remove(delivery(job));
        if (paused && outstanding <= settings.resumeOutstanding()) {
            paused = false;
            while (!paused && !topic.isEmpty()) {
                take(topic.pollFirst());
            }
        }
    }
}
