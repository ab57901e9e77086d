package io.beacon.workers;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.cost.LedgerPublisher;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.JobMdc;
import io.beacon.workers.core.RecordCodec;
import io.beacon.workers.delivery.AttemptPublisher;
import io.beacon.workers.delivery.AttemptPublisher.Delivery;
import io.beacon.workers.delivery.AttemptPublisher.Finished;
import io.beacon.workers.delivery.BackPressure;
import io.beacon.workers.delivery.DeploymentLane;
import io.beacon.workers.delivery.OffsetCommitter;
import io.beacon.workers.delivery.OffsetTracker;
import io.beacon.workers.health.HealthMonitor;
import io.beacon.workers.health.HeartbeatPublisher;
import io.beacon.workers.resilience.ResilientCaller;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's poll loop: takes jobs from {@code provider-jobs.<kind>}, starts each call in its deployment's
 * lane, and on every turn has the finished attempts published, the safe offsets committed, the deployments
 * probed, the heartbeats sent and back-pressure applied. It alone touches the consumer (which is not
 * thread-safe); calls finish on HTTP threads and hand their attempts to the {@link AttemptPublisher}.
 */
final class PollLoop {

    /** The worker's own logger: a job's lines read as the worker's, whichever part of it writes them. */
    private static final Logger LOG = LoggerFactory.getLogger(ProviderWorker.class);

    private final WorkerSettings settings;
    private final Fleet fleet;
    private final Consumer<String, byte[]> consumer;
    private final RecordCodec codec;
    private final Clock clock;
    private final HealthMonitor health;
    private final ResilientCaller caller;
    private final OffsetTracker offsets;
    private final OffsetCommitter committer;
    private final AttemptPublisher attempts;
    private final HeartbeatPublisher heartbeats;
    private final BackPressure backPressure;
    private final LedgerPublisher costs;

    // Poll-thread state.
    private int outstanding;
    private boolean subscribed;
    private volatile int outstandingView;

    PollLoop(WorkerSettings settings, Fleet fleet, Consumer<String, byte[]> consumer, RecordCodec codec, Clock clock, HealthMonitor health,
             ResilientCaller caller, OffsetTracker offsets, AttemptPublisher attempts, HeartbeatPublisher heartbeats,
             LedgerPublisher costs) {
        this.costs = costs;
        this.settings = settings;
        this.fleet = fleet;
        this.consumer = consumer;
        this.codec = codec;
        this.clock = clock;
        this.health = health;
        this.caller = caller;
        this.offsets = offsets;
        this.committer = new OffsetCommitter(consumer, offsets);
        this.attempts = attempts;
        this.heartbeats = heartbeats;
        this.backPressure = new BackPressure(consumer, settings.maxOutstanding(), settings.resumeOutstanding());
    }

    /**
     * One turn: apply deployments that joined, changed or left, publish finished attempts, release acknowledged
     * offsets, commit, probe, heartbeat, apply back-pressure, poll and take new jobs.
     */
    void runOnce() {
        if (!subscribed) {
            consumer.subscribe(List.of(codec.jobsTopic()), new Rebalance());
            subscribed = true;
        }
        fleet.applyPending();
        drain();
        committer.commitAsync();
        health.maybeProbe();
        // The ledger first, so each heartbeat's accounted_through is the drain instant.
        heartbeats.maybePublish(() -> {
            costs.drain(clock.instant());
            return health.statuses(fleet.lanes());
        });
        backPressure.apply(outstanding);
        ConsumerRecords<String, byte[]> records = consumer.poll(settings.pollTimeout());
        for (ConsumerRecord<String, byte[]> record : records) {
            take(record);
        }
        notePositions();
        backPressure.apply(outstanding);
        drain();
        outstandingView = outstanding;
    }

    /** Tells the offset tracker how far the consumer has read, transaction markers included. */
    private void notePositions() {
        Set<TopicPartition> assigned = consumer.assignment();
        for (TopicPartition tp : offsets.trackedPartitions()) {
            if (assigned.contains(tp)) {
                offsets.positioned(tp, consumer.position(tp));
            }
        }
    }

    private void take(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Delivery delivery = new Delivery(tp, record.offset(), offsets.track(tp, record.offset()));
        outstanding++;
        String key = record.key();
        RoutedJob job;
        try (JobMdc ignored = JobMdc.of(key)) {
            try {
                job = codec.decodeJob(record.value());
                if (job == null) {
                    throw new IllegalArgumentException("the record has no value");
                }
            } catch (RuntimeException e) {
                String error = "record " + tp + "@" + record.offset() + " is not a RoutedJob: " + e.getMessage();
                LOG.warn("undecodable job record partition={} offset={}: {}", tp, record.offset(), e.getMessage());
                attempts.publishNew(new Finished(delivery, Attempts.undecodable(key, settings.kind(), error,
                        clock.instant(), settings.workerId()), false));
                return;
            }
        }
        try (JobMdc ignored = JobMdc.of(job.getJobId())) {
            DeploymentEndpoint d = fleet.serving(job.getDeploymentId());
            if (d == null) {
                String retired = fleet.retiredReason(job.getDeploymentId());
                String error = retired != null
                        ? retiredError(job.getDeploymentId(), retired)
                        : "deployment " + job.getDeploymentId() + " is not served by worker " + settings.workerId()
                        + " (it serves " + String.join(", ", fleet.servingNow().keySet()) + ")";
                if (retired != null) {
                    LOG.info("job names retired deployment={} attempt={}; failed over", job.getDeploymentId(),
                            job.getAttempt());
                } else {
                    LOG.warn("job names unknown deployment={} attempt={}", job.getDeploymentId(), job.getAttempt());
                }
                attempts.publishNew(new Finished(delivery, Attempts.of(job, CallOutcome.notCalled(
                        AttemptOutcome.RETRYABLE_FAILURE, error, clock.instant()), settings.workerId()), false, job));
                return;
            }
            String model = job.getRequest().getModel();
            List<String> served = health.catalogue().of(d).served();
            if (!health.catalogue().of(d).serves(model)) {
                // The router chose the deployment from an older heartbeat: the provider would only refuse the call
                // (and Modal bill a container for the refusal). Fail over at once, without a call.
                String error = "deployment " + d.id() + " does not serve model " + model + " (it serves "
                        + (served.isEmpty() ? "no model it has listed" : String.join(", ", served)) + ")";
                LOG.info("job for a model the deployment does not serve deployment={} model={} attempt={}", d.id(),
                        model, job.getAttempt());
                attempts.publishNew(new Finished(delivery, Attempts.of(job, CallOutcome.notCalled(
                        AttemptOutcome.RETRYABLE_FAILURE, error, clock.instant()), settings.workerId()), false, job));
                return;
            }
            if (deadlinePassed(job)) {
                LOG.info("job past its deadline before the call deployment={} attempt={}", d.id(), job.getAttempt());
                attempts.publishNew(new Finished(delivery, Attempts.of(job, CallOutcome.notCalled(
                        AttemptOutcome.PERMANENT_FAILURE, FailureBlame.UNKNOWN, ProviderWorker.DEADLINE_PASSED,
                        clock.instant()),
                        settings.workerId()), false, job));
                return;
            }
            LOG.debug("job taken deployment={} attempt={} partition={} offset={}", d.id(), job.getAttempt(), tp,
                    record.offset());
            fleet.lanes().get(d.id()).submit(() -> startCall(delivery, job, d));
        }
    }

    private static String retiredError(String deploymentId, String reason) {
        return "deployment " + deploymentId + " left the fleet before the call started (" + reason
                + "); the job goes to another deployment";
    }

    private boolean deadlinePassed(RoutedJob job) {
        return job.getDeadline() != null && !clock.instant().isBefore(job.getDeadline());
    }

    /**
     * Runs when the deployment's lane has a free slot: on the poll thread or on the thread that freed it; or on
     * the poll thread when the deployment left the fleet while the job waited. The call goes to the deployment's
     * entry as it is now (it may have changed while the job waited).
     */
    private CompletableFuture<?> startCall(Delivery delivery, RoutedJob job, DeploymentEndpoint queuedFor) {
        Instant now = clock.instant();
        DeploymentEndpoint d = fleet.serving(queuedFor.id());
        if (d == null && !delivery.token().revoked()) {
            String reason = fleet.retiredReason(queuedFor.id());
            complete(delivery, job, queuedFor, CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                    retiredError(queuedFor.id(), reason == null ? "retired" : reason), now));
            return CompletableFuture.completedFuture(null);
        }
        if (delivery.token().revoked()) {
            // Its partition moved to another worker while the job waited here: calling now would pay twice.
            try (JobMdc ignored = JobMdc.of(job.getJobId())) {
                LOG.debug("job {} left to the partition's new owner without a call", job.getJobId());
            }
            attempts.submit(new Finished(delivery, null, false));
            return CompletableFuture.completedFuture(null);
        }
        if (deadlinePassed(job)) {
            // It waited in this worker's queue until its deadline.
            complete(delivery, job, d, CallOutcome.notCalled(AttemptOutcome.PERMANENT_FAILURE, FailureBlame.UNKNOWN,
                    ProviderWorker.DEADLINE_PASSED, now));
            return CompletableFuture.completedFuture(null);
        }
        // The circuit breaker and same-deployment retries (429/503 with Retry-After) live in the caller; its
        // future never fails, but a bug there must still end in an attempt record.
        CompletableFuture<CallOutcome> call;
        try {
            call = caller.call(job, d);
        } catch (RuntimeException e) {
            call = CompletableFuture.completedFuture(CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                    "the call could not start: " + e.getClass().getSimpleName(), now));
        }
        return call.handle((outcome, thrown) -> {
            CallOutcome result = outcome != null ? outcome : CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                    "the call failed: " + (thrown == null ? "no outcome" : thrown.getClass().getSimpleName()),
                    clock.instant());
            complete(delivery, job, d, result);
            return null;
        });
    }

    private void complete(Delivery delivery, RoutedJob job, DeploymentEndpoint d, CallOutcome outcome) {
        health.afterCall(d, outcome);
        try (JobMdc ignored = JobMdc.of(job.getJobId())) {
            if (outcome.succeeded()) {
                LOG.info("attempt finished deployment={} attempt={} outcome={} wall_ms={} provider_ms={} billed_s={}"
                                + " cost_usd={}", d.id(), job.getAttempt(), outcome.outcome(),
                        outcome.wallTime().toMillis(), outcome.providerTimeMs(), outcome.billedSeconds(),
                        outcome.costEstimateUsd());
            } else {
                LOG.info("attempt finished deployment={} attempt={} outcome={} wall_ms={} error={}", d.id(),
                        job.getAttempt(), outcome.outcome(), outcome.wallTime().toMillis(), outcome.error());
            }
        }
        attempts.submit(new Finished(delivery, Attempts.of(job, outcome, settings.workerId()), false, job));
    }

    /** Publishes finished attempts and applies the broker's acknowledgements. Poll thread only. */
    private void drain() {
        outstanding -= attempts.drain();
        outstandingView = outstanding;
    }

    /** Runs inside {@code poll}, on the poll thread. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            // Publish what is finished and wait for the broker, so the commit reaches as far as it can.
            drain();
            try {
                attempts.flush();
            } catch (RuntimeException e) {
                LOG.warn("flush before revocation failed: {}", e.getClass().getSimpleName());
            }
            drain();
            committer.commitSync(partitions);
            offsets.forget(partitions);
            LOG.info("partitions revoked: {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            offsets.forget(partitions);
            LOG.warn("partitions lost: {}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            backPressure.onAssigned(partitions);
            LOG.info("partitions assigned: {}", partitions);
        }
    }

    /** Stops every lane: queued jobs are not started. Returns how many were left for re-delivery. */
    int closeLanes() {
        return fleet.lanes().values().stream().mapToInt(DeploymentLane::close).sum();
    }

    /**
     * Waits until {@code deadlineNanos} ({@link System#nanoTime()}) for the calls in flight, publishes their
     * attempts, waits for the broker and commits what it acknowledged. The last thing the loop does.
     */
    void drainAndCommit(long deadlineNanos) {
        try {
            while (inFlight() > 0 && System.nanoTime() < deadlineNanos) {
                drain();
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                // Wakes on the next completion or acknowledgement instead of spinning.
                attempts.awaitProgress(Math.max(1, Math.min(leftMs, 100)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain();
        // The ledger's last entries, up to the close instant, go out with the last attempts.
        costs.drain(clock.instant());
        try {
            attempts.flush();
        } catch (RuntimeException e) {
            LOG.warn("flush on close failed: {}", e.getClass().getSimpleName());
        }
        drain();
        if (subscribed) {
            committer.commitSync(new ArrayList<>(consumer.assignment()));
        }
    }

    /** Calls running now, over every deployment. */
    int inFlight() {
        return fleet.lanes().values().stream().mapToInt(DeploymentLane::inFlight).sum();
    }

    /** Jobs taken whose attempt the broker has not acknowledged yet (as of the last loop turn). */
    int outstanding() {
        return outstandingView;
    }

    /** True while back-pressure has paused consumption. */
    boolean isPaused() {
        return backPressure.isPaused();
    }
}
