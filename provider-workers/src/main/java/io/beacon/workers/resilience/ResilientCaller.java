package io.beacon.workers.resilience;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.JobMdc;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProviderClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt at a job on one deployment, guarded: the deployment's circuit breaker decides whether the
 * call is made at all, and an answer that says "busy, come back shortly" is retried on the same deployment
 * when the deployment's {@code Retry-After} and the job's deadline allow. Everything else ends the attempt,
 * classified as the client classified it, so the router can fail over (retryable) or give up (permanent).
 *
 * <p>Which answers are retried here, and why only those: 429 (rate limited, queue full) and 503 (queue full,
 * starting up) are the provider telling us when to come back; a retry after its {@code Retry-After} is
 * likely to succeed and cheaper than routing the job again. Other 5xx answers, time-outs and connection
 * errors mean the deployment is broken: the router's failover to another deployment is the better retry.
 * A {@code Retry-After} longer than {@link RetrySettings#maxDelay()} is honoured by not calling again at all.
 *
 * <p>The returned futures never complete exceptionally. Waits run on the JDK's delayed executor; no thread
 * blocks while the attempt waits.
 */
public final class ResilientCaller {

    private static final Logger LOG = LoggerFactory.getLogger(ResilientCaller.class);

    /** The statuses whose answer asks the client to come back later. */
    static final Set<Integer> RETRY_LATER_STATUSES = Set.of(429, 503);

    private final ProviderClient client;
    private final Map<String, DeploymentCircuit> circuits;
    private final RetrySettings retry;
    private final Clock clock;

    /**
     * @param circuits each deployment's circuit, read at every call: the worker adds and removes entries as
     *                 deployments join and leave, so it must be safe to read while another thread writes it
     */
    public ResilientCaller(ProviderClient client, Map<String, DeploymentCircuit> circuits, RetrySettings retry,
                           Clock clock) {
        this.client = client;
        this.circuits = circuits;
        this.retry = retry;
        this.clock = clock;
    }

    /** What the earlier calls of an attempt came to, for the final outcome. */
    private record Earlier(Instant firstStartedAt, int calls, double billedSeconds, double costUsd) {
        Earlier plus(CallOutcome outcome) {
            return new Earlier(firstStartedAt, calls + 1, billedSeconds + outcome.billedSeconds(),
                    costUsd + outcome.costEstimateUsd());
        }

        Earlier minusLast(CallOutcome outcome) {
            return new Earlier(firstStartedAt, calls - 1, billedSeconds - outcome.billedSeconds(),
                    costUsd - outcome.costEstimateUsd());
        }
    }

    /**
     * Makes the attempt; the whole of it, waits and retries included, ends by the job's deadline and the
     * deployment's request time-out counted from its first call.
     */
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        return attempt(job, d, new Earlier(clock.instant(), 0, 0.0, 0.0), null);
    }

    /** One call of the attempt; {@code previous} is the outcome of the call before it (null for the first). */
    private CompletableFuture<CallOutcome> attempt(RoutedJob job, DeploymentEndpoint d, Earlier earlier,
                                                   CallOutcome previous) {
        DeploymentCircuit circuit = circuits.get(d.id());
        if (circuit != null && !circuit.tryAcquire()) {
            if (previous != null) {
                // The circuit opened while this attempt waited to retry: the provider's own answer says more.
                return CompletableFuture.completedFuture(finish(previous, earlier.minusLast(previous),
                        "then " + circuit.refusal()));
            }
            return CompletableFuture.completedFuture(CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                    circuit.refusalBlame(), circuit.refusal(), clock.instant()));
        }
        CompletableFuture<CallOutcome> call;
        try {
            call = client.call(job, d);
        } catch (RuntimeException e) {
            call = CompletableFuture.completedFuture(CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                    "the call could not start: " + e.getClass().getSimpleName(), clock.instant()));
        }
        return call.handle((outcome, thrown) -> outcome != null ? outcome
                        : CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE, "the call failed: "
                        + (thrown == null ? "no outcome" : thrown.getClass().getSimpleName()), clock.instant()))
                .thenCompose(outcome -> {
                    if (circuit != null) {
                        circuit.record(outcome, job.getRequest() == null ? null : job.getRequest().getModel());
                    }
                    return afterCall(job, d, earlier, outcome);
                });
    }

    private CompletableFuture<CallOutcome> afterCall(RoutedJob job, DeploymentEndpoint d, Earlier earlier,
                                                     CallOutcome outcome) {
        if (outcome.outcome() != AttemptOutcome.RETRYABLE_FAILURE
                || !RETRY_LATER_STATUSES.contains(outcome.httpStatus())) {
            return CompletableFuture.completedFuture(finish(outcome, earlier, ""));
        }
        if (earlier.calls() >= retry.maxRetries()) {
            return CompletableFuture.completedFuture(finish(outcome, earlier, ""));
        }
        Duration wait = outcome.retryAfter() != null
                ? outcome.retryAfter()
                : retry.backoff().multipliedBy(1L << Math.min(20, earlier.calls()));
        if (outcome.retryAfter() != null && wait.compareTo(retry.maxDelay()) > 0) {
            return CompletableFuture.completedFuture(finish(outcome, earlier, "Retry-After " + wait.toMillis()
                    + " ms is beyond the " + retry.maxDelay().toMillis() + " ms this worker waits"));
        }
        Instant end = attemptEnd(job, d, earlier.firstStartedAt());
        Optional<String> noTime = noTimeFor(job, end, wait);
        if (noTime.isPresent()) {
            return CompletableFuture.completedFuture(finish(outcome, earlier, noTime.get()));
        }
        // A retry computes its own time budget from the job's deadline: make that the attempt's end, so the
        // whole attempt stays within the deployment's request time-out counted from the first call.
        RoutedJob bounded = end.equals(job.getDeadline()) ? job : RoutedJob.newBuilder(job).setDeadline(end).build();
        try (JobMdc ignored = JobMdc.of(job.getJobId())) {
            LOG.debug("deployment={} job={} answered HTTP {}; retrying in {} ms", d.id(), job.getJobId(),
                    outcome.httpStatus(), wait.toMillis());
        }
        Earlier next = earlier.plus(outcome);
        CompletableFuture<CallOutcome> retried = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> attempt(bounded, d, next, outcome).whenComplete((o, t) -> retried.complete(o)),
                        CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS))
                .exceptionally(thrown -> {
                    retried.complete(finish(outcome, earlier, "the retry could not be scheduled"));
                    return null;
                });
        return retried;
    }

    /** The job's deadline or the deployment's request time-out counted from the first call, whichever is first. */
    private static Instant attemptEnd(RoutedJob job, DeploymentEndpoint d, Instant firstStartedAt) {
        Instant byTimeout = firstStartedAt.plus(d.requestTimeout());
        return job.getDeadline() == null || job.getDeadline().isAfter(byTimeout) ? byTimeout : job.getDeadline();
    }

    /**
     * Whether a retry after {@code wait} can still finish before the attempt's end: it needs the wait plus
     * the time the router expects a call to take.
     */
    private Optional<String> noTimeFor(RoutedJob job, Instant end, Duration wait) {
        Duration expected = Duration.ofMillis(Math.max(0, job.getExpectedLatencyMs()));
        Instant wouldFinish = clock.instant().plus(wait).plus(expected);
        if (end != null && wouldFinish.isAfter(end)) {
            return Optional.of("no retry: waiting " + wait.toMillis() + " ms would leave too little time before"
                    + " the deadline");
        }
        return Optional.empty();
    }

    /** The attempt's outcome: the last call's, spanning every call made, its error saying why it ended. */
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
}
