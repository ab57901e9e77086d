package io.beacon.workers;

import io.beacon.ops.http.OpsHttpServer;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.delivery.DeploymentLane;
import io.beacon.workers.delivery.OffsetTracker;
import io.beacon.workers.delivery.OffsetTracker.PartitionOffsets;
import io.beacon.workers.health.DeploymentHealth;
import io.beacon.workers.health.HealthMonitor;
import io.beacon.workers.resilience.DeploymentCircuit;
import io.beacon.workers.resilience.ResilientCaller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the jobs of one provider kind: consumes {@code provider-jobs.<kind>}, calls the deployment each
 * job names, and publishes one {@link JobAttempt} per job to {@code job-attempts}.
 *
 * <p>Calls are asynchronous with bounded concurrency per deployment, so far more calls are in flight than
 * the topic has partitions. Offsets are committed only up to the lowest job whose attempt the broker has
 * acknowledged (see {@link OffsetTracker}): a crash re-delivers, never loses, a job; the router absorbs
 * the duplicates. When too many jobs are outstanding the consumer pauses its partitions instead of
 * blocking, and resumes at a low-water mark.
 *
 * <p>Threads: only the poll thread touches the consumer (it is not thread-safe). Calls finish on HTTP
 * threads and hand their attempts back through a concurrent queue the poll loop drains; broker
 * acknowledgements come back the same way from the producer's callback.
 */
public final class ProviderWorker implements AutoCloseable {

    public static final String MDC_JOB_ID = JobMdc.KEY;
    public static final String DEADLINE_PASSED = "deadline passed before the call started";

    private static final Logger LOG = LoggerFactory.getLogger(ProviderWorker.class);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLIENT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REPUBLISH_DELAY = Duration.ofSeconds(1);
    private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Where a job came from, so its acknowledgement can release its offset. */
    private record Delivery(TopicPartition partition, long offset, PartitionOffsets token) {
    }

    /**
     * An attempt ready to publish; {@code lastChance} after a non-retriable send error. A null attempt marks a
     * job dropped without a call (its partition was revoked first): it only stops counting as outstanding.
     */
    private record Finished(Delivery delivery, JobAttempt attempt, boolean lastChance, int jobPartition) {

        Finished(Delivery delivery, JobAttempt attempt, boolean lastChance) {
            this(delivery, attempt, lastChance, -1);
        }

        Finished(Delivery delivery, JobAttempt attempt, boolean lastChance, RoutedJob job) {
            this(delivery, attempt, lastChance, job.getJobPartition());
        }
    }

    private record Acked(Finished finished, Exception error) {
    }

    private final WorkerSettings settings;
    private final Map<String, DeploymentEndpoint> deployments = new LinkedHashMap<>();
    private final Map<String, DeploymentLane> lanes = new LinkedHashMap<>();
    private final ProviderClient client;
    private final Consumer<String, byte[]> consumer;
    private final Producer<String, byte[]> producer;
    private final RecordCodec codec;
    private final Clock clock;
    private final HealthMonitor health;
    private final ResilientCaller caller;
    private final Map<String, DeploymentCircuit> circuits = new LinkedHashMap<>();
    /** Set by a circuit's state change, so the next loop turn publishes heartbeats without waiting. */
    private final AtomicBoolean heartbeatNow = new AtomicBoolean();
    private final List<AutoCloseable> alsoClose = new CopyOnWriteArrayList<>();
    private final WorkerObserver observer;
    private volatile OpsHttpServer http;

    // Poll-thread state.
    private final OffsetTracker offsets = new OffsetTracker();
    private final ArrayDeque<Finished> republish = new ArrayDeque<>();
    private Instant republishAt = Instant.MIN;
    private int outstanding;
    private boolean paused;
    private boolean subscribed;
    private Instant nextHeartbeat = Instant.MIN;

    // Shared between threads.
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Acked> acked = new ConcurrentLinkedQueue<>();
    private final Semaphore progress = new Semaphore(0);
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile long drainDeadlineNanos;
    private volatile int outstandingView;
    private volatile boolean pausedView;
    private volatile Thread pollThread;
    private volatile RuntimeException failure;

    /**
     * @param deployments the deployments this worker may call; a job naming another gets a retryable attempt
     * @param client      the provider's client; closed with the worker
     * @param consumer    subscribed by the worker; must not auto-commit
     * @param producer    for attempts and heartbeats; should be idempotent with acks=all
     */
    public ProviderWorker(WorkerSettings settings, List<DeploymentEndpoint> deployments, ProviderClient client,
                          Consumer<String, byte[]> consumer, Producer<String, byte[]> producer, RecordCodec codec,
                          Clock clock) {
        this(settings, deployments, client, consumer, producer, codec, clock, WorkerObserver.NONE);
    }

    /**
     * The same, with an observer told of every heartbeat and every written attempt ({@link WorkerMetrics}
     * turns them into meters).
     */
    public ProviderWorker(WorkerSettings settings, List<DeploymentEndpoint> deployments, ProviderClient client,
                          Consumer<String, byte[]> consumer, Producer<String, byte[]> producer, RecordCodec codec,
                          Clock clock, WorkerObserver observer) {
        this.observer = Objects.requireNonNull(observer, "observer");
        this.settings = settings;
        this.client = client;
        this.consumer = consumer;
        this.producer = producer;
        this.codec = codec;
        this.clock = clock;
        if (client.kind() != settings.kind()) {
            throw new IllegalArgumentException("a " + settings.kind() + " worker needs a " + settings.kind()
                    + " client, not " + client.kind());
        }
        for (DeploymentEndpoint d : deployments) {
            if (d.provider() != settings.kind()) {
                throw new IllegalArgumentException("deployment " + d.id() + " is " + d.provider() + ", not "
                        + settings.kind());
            }
            if (this.deployments.putIfAbsent(d.id(), d) != null) {
                throw new IllegalArgumentException("deployment id " + d.id() + " is listed twice");
            }
            lanes.put(d.id(), new DeploymentLane(d.id(), d.capacity()));
            circuits.put(d.id(), new DeploymentCircuit(d.id(), settings.circuit(), clock, () -> heartbeatNow.set(true)));
        }
        this.health = new HealthMonitor(deployments, circuits, client, clock, settings.probeInterval(),
                settings.probeTimeout(), settings.workerId());
        this.caller = new ResilientCaller(client, circuits, settings.retry(), clock);
    }

    /** Starts the poll loop on its own thread. */
    public synchronized ProviderWorker start() {
        if (pollThread != null || closeStarted.get()) {
            throw new IllegalStateException("worker already started or closed");
        }
        Thread thread = new Thread(this::run, "beacon-worker-" + settings.kind().name().toLowerCase(Locale.ROOT) + "-poll");
        pollThread = thread;
        thread.start();
        LOG.info("worker {} started: provider={} deployments={} topic={}", settings.workerId(), settings.kind(),
                deployments.keySet(), codec.jobsTopic());
        return this;
    }

    /** Resources the worker closes last, in the order given (the serde provider, an HTTP executor). */
    public ProviderWorker closeAlso(AutoCloseable resource) {
        alsoClose.add(resource);
        return this;
    }

    /**
     * The server of this worker's {@code GET /metrics} and {@code GET /health} ({@link WorkerApp} starts one);
     * the worker closes it with its other resources, in the order {@link #closeAlso} was called.
     */
    public ProviderWorker serveHttp(OpsHttpServer server) {
        if (http != null) {
            throw new IllegalStateException("worker " + settings.workerId() + " already serves HTTP at " + http.url());
        }
        http = Objects.requireNonNull(server, "server");
        return closeAlso(server);
    }

    /** Where {@code GET /metrics} and {@code GET /health} are served ({@code http://host:port}), if anywhere. */
    public Optional<String> httpUrl() {
        OpsHttpServer server = http;
        return server == null ? Optional.empty() : Optional.of(server.url());
    }

    /** The bound port of {@link #httpUrl()} (the chosen one when configured as 0), or -1 when none is served. */
    public int httpPort() {
        OpsHttpServer server = http;
        return server == null ? -1 : server.port();
    }

    private void run() {
        try {
            while (!closing) {
                runOnce();
            }
        } catch (RuntimeException e) {
            failure = e;
            drainDeadlineNanos = System.nanoTime() + DEFAULT_CLOSE_TIMEOUT.toNanos();
            LOG.error("worker {} poll loop failed; shutting down", settings.workerId(), e);
        } finally {
            shutdown();
            stopped.countDown();
        }
    }

    /**
     * One turn of the poll loop: publish finished attempts, release acknowledged offsets, commit, probe,
     * heartbeat, apply back-pressure, poll and take new jobs. {@link #start()} runs it in a loop; a test may
     * call it from its own thread instead (never both).
     */
    public void runOnce() {
        if (!subscribed) {
            consumer.subscribe(List.of(codec.jobsTopic()), new Rebalance());
            subscribed = true;
        }
        drain();
        commitAsync();
        health.maybeProbe();
        maybeHeartbeat();
        applyBackPressure();
        ConsumerRecords<String, byte[]> records = consumer.poll(settings.pollTimeout());
        for (ConsumerRecord<String, byte[]> record : records) {
            take(record);
        }
        notePositions();
        applyBackPressure();
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
                publish(new Finished(delivery, Attempts.undecodable(key, settings.kind(), error, clock.instant(),
                        settings.workerId()), false));
                return;
            }
        }
        try (JobMdc ignored = JobMdc.of(job.getJobId())) {
            DeploymentEndpoint d = deployments.get(job.getDeploymentId());
            if (d == null) {
                String error = "deployment " + job.getDeploymentId() + " is not served by worker "
                        + settings.workerId() + " (it serves " + String.join(", ", deployments.keySet()) + ")";
                LOG.warn("job names unknown deployment={} attempt={}", job.getDeploymentId(), job.getAttempt());
                publish(new Finished(delivery, Attempts.of(job, CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                        error, clock.instant()), settings.workerId()), false, job));
                return;
            }
            if (deadlinePassed(job)) {
                LOG.info("job past its deadline before the call deployment={} attempt={}", d.id(), job.getAttempt());
                publish(new Finished(delivery, Attempts.of(job, CallOutcome.notCalled(AttemptOutcome.PERMANENT_FAILURE,
                        DEADLINE_PASSED, clock.instant()), settings.workerId()), false, job));
                return;
            }
            LOG.debug("job taken deployment={} attempt={} partition={} offset={}", d.id(), job.getAttempt(), tp,
                    record.offset());
            lanes.get(d.id()).submit(() -> startCall(delivery, job, d));
        }
    }

    private boolean deadlinePassed(RoutedJob job) {
        return job.getDeadline() != null && !clock.instant().isBefore(job.getDeadline());
    }

    /** Runs when the deployment's lane has a free slot: on the poll thread or on the thread that freed it. */
    private CompletableFuture<?> startCall(Delivery delivery, RoutedJob job, DeploymentEndpoint d) {
        Instant now = clock.instant();
        if (delivery.token().revoked()) {
            // Its partition moved to another worker while the job waited here: calling now would pay twice.
            try (JobMdc ignored = JobMdc.of(job.getJobId())) {
                LOG.debug("job {} left to the partition's new owner without a call", job.getJobId());
            }
            finished.add(new Finished(delivery, null, false));
            progress.release();
            return CompletableFuture.completedFuture(null);
        }
        if (deadlinePassed(job)) {
            // It waited in this worker's queue until its deadline.
            complete(delivery, job, d, CallOutcome.notCalled(AttemptOutcome.PERMANENT_FAILURE, DEADLINE_PASSED, now));
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
        finished.add(new Finished(delivery, Attempts.of(job, outcome, settings.workerId()), false, job));
        progress.release();
    }

    /** Publishes finished attempts and applies the broker's acknowledgements. Poll thread only. */
    private void drain() {
        if (!republish.isEmpty() && !clock.instant().isBefore(republishAt)) {
            List<Finished> again = new ArrayList<>(republish);
            republish.clear();
            again.forEach(this::publish);
        }
        for (Finished f = finished.poll(); f != null; f = finished.poll()) {
            if (f.attempt() == null) {
                outstanding--;
            } else {
                publish(f);
            }
        }
        for (Acked a = acked.poll(); a != null; a = acked.poll()) {
            onAck(a);
        }
        outstandingView = outstanding;
    }

    /**
     * The partition of job-attempts that holds the job: the router named it in the routed job, so the
     * attempt meets its job whatever partitioner put the request where it is. Null (by key) when unknown.
     */
    private Integer attemptPartition(Finished f) {
        if (f.jobPartition() < 0) {
            return null;
        }
        int partitions = producer.partitionsFor(codec.attemptsTopic()).size();
        return f.jobPartition() < partitions ? f.jobPartition() : null;
    }

    private void publish(Finished f) {
        JobAttempt attempt = f.attempt();
        try {
            byte[] value = codec.encodeAttempt(attempt);
            producer.send(new ProducerRecord<>(codec.attemptsTopic(), attemptPartition(f), attempt.getJobId(), value),
                    (metadata, error) -> {
                acked.add(new Acked(f, error));
                progress.release();
            });
        } catch (RuntimeException e) {
            // Registry or broker unreachable: keep the attempt and its offset, try again shortly.
            try (JobMdc ignored = JobMdc.of(attempt.getJobId())) {
                LOG.warn("attempt for job {} not published yet ({}); retrying", attempt.getJobId(),
                        e.getClass().getSimpleName());
            }
            retryLater(f);
        }
    }

    private void retryLater(Finished f) {
        republish.add(f);
        republishAt = clock.instant().plus(REPUBLISH_DELAY);
    }

    private void onAck(Acked a) {
        Finished f = a.finished();
        if (a.error() == null) {
            outstanding--;
            offsets.acknowledge(f.delivery().token(), f.delivery().offset());
            tell("attempt", () -> observer.attemptWritten(f.attempt()));
            return;
        }
        try (JobMdc ignored = JobMdc.of(f.attempt().getJobId())) {
            onRejected(f, a.error());
        }
    }

    /** The broker refused an attempt: retry it, strip its response, or give up. */
    private void onRejected(Finished f, Exception error) {
        if (error instanceof RetriableException) {
            LOG.warn("attempt for job {} not acknowledged ({}); retrying", f.attempt().getJobId(),
                    error.getClass().getSimpleName());
            retryLater(f);
        } else if (!f.lastChance()) {
            // E.g. a response too large for the topic: publish the failure without the response instead.
            LOG.error("attempt for job {} rejected by the broker ({}); publishing it without its response",
                    f.attempt().getJobId(), error.getClass().getSimpleName());
            JobAttempt stripped = JobAttempt.newBuilder(f.attempt()).setResponse(null)
                    .setOutcome(AttemptOutcome.RETRYABLE_FAILURE)
                    .setError("the attempt could not be published: " + error.getClass().getSimpleName())
                    .build();
            publish(new Finished(f.delivery(), stripped, true, f.jobPartition()));
        } else {
            LOG.error("attempt for job {} cannot be published ({}); giving up, the router's deadline will end the job",
                    f.attempt().getJobId(), error.getClass().getSimpleName());
            outstanding--;
            offsets.acknowledge(f.delivery().token(), f.delivery().offset());
        }
    }

    private void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> commits = offsets.takeCommittable();
        if (commits.isEmpty()) {
            return;
        }
        consumer.commitAsync(commits, (committed, error) -> {
            if (error != null) {
                LOG.warn("offset commit failed ({}); will retry", error.getClass().getSimpleName());
                offsets.commitFailed(commits);
            }
        });
    }

    private void commitSync(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commits = offsets.takeCommittable(partitions);
        if (commits.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commits, COMMIT_TIMEOUT);
            LOG.info("committed {}", commits);
        } catch (RuntimeException e) {
            LOG.warn("offset commit failed ({}); the new owner re-delivers those jobs", e.getClass().getSimpleName());
        }
    }

    private void maybeHeartbeat() {
        Instant now = clock.instant();
        if (now.isBefore(nextHeartbeat) && !heartbeatNow.getAndSet(false)) {
            return;
        }
        heartbeatNow.set(false);
        nextHeartbeat = now.plus(settings.heartbeatInterval());
        for (ProviderStatus status : health.statuses(lanes)) {
            try {
                producer.send(new ProducerRecord<>(codec.statusTopic(), status.getDeploymentId(),
                        codec.encodeStatus(status)), (metadata, error) -> {
                            if (error != null) {
                                LOG.warn("heartbeat of deployment {} not published: {}", status.getDeploymentId(),
                                        error.getClass().getSimpleName());
                            }
                        });
            } catch (RuntimeException e) {
                LOG.warn("heartbeat of deployment {} not published: {}", status.getDeploymentId(),
                        e.getClass().getSimpleName());
            }
            tell("heartbeat", () -> observer.statusPublished(status));
        }
    }

    /** Runs an observer callback; a failing observer must not stop deliveries. */
    private static void tell(String what, Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            LOG.warn("the worker observer failed on a {}: {}", what, e.toString());
        }
    }

    /** Pauses every assigned partition above the high-water mark, resumes below the low one; never blocks. */
    private void applyBackPressure() {
        if (!paused && outstanding >= settings.maxOutstanding()) {
            consumer.pause(consumer.assignment());
            paused = true;
            LOG.info("pausing consumption: {} jobs outstanding (max {})", outstanding, settings.maxOutstanding());
        } else if (paused && outstanding <= settings.resumeOutstanding()) {
            consumer.resume(consumer.paused());
            paused = false;
            LOG.info("resuming consumption: {} jobs outstanding (resume at {})", outstanding,
                    settings.resumeOutstanding());
        }
        pausedView = paused;
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
                producer.flush();
            } catch (RuntimeException e) {
                LOG.warn("flush before revocation failed: {}", e.getClass().getSimpleName());
            }
            drain();
            commitSync(partitions);
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
            if (paused && !partitions.isEmpty()) {
                consumer.pause(partitions);
            }
            LOG.info("partitions assigned: {}", partitions);
        }
    }

    @Override
    public void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Stops taking jobs, waits up to {@code timeout} for the calls in flight, publishes their attempts,
     * commits and closes the Kafka clients and the provider client. Jobs still queued in the worker are not
     * started; their offsets are not committed, so they are re-delivered.
     */
    public void close(Duration timeout) {
        if (!closeStarted.compareAndSet(false, true)) {
            awaitStopped(timeout);
            return;
        }
        drainDeadlineNanos = System.nanoTime() + timeout.toNanos();
        closing = true;
        Thread thread;
        synchronized (this) {
            thread = pollThread;
        }
        if (thread == null || thread == Thread.currentThread()) {
            shutdown();
            stopped.countDown();
        } else {
            awaitStopped(timeout.plus(CLIENT_CLOSE_TIMEOUT).plus(COMMIT_TIMEOUT));
        }
    }

    private void awaitStopped(Duration timeout) {
        try {
            if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("worker {} did not stop within {}", settings.workerId(), timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drains and closes; runs once, on the poll thread (or the caller's when the loop was never started). */
    private void shutdown() {
        int dropped = lanes.values().stream().mapToInt(DeploymentLane::close).sum();
        LOG.info("worker {} closing: {} calls in flight, {} queued jobs left for re-delivery", settings.workerId(),
                inFlight(), dropped);
        try {
            while (inFlight() > 0 && System.nanoTime() < drainDeadlineNanos) {
                drain();
                long leftMs = TimeUnit.NANOSECONDS.toMillis(drainDeadlineNanos - System.nanoTime());
                // Wakes on the next completion or acknowledgement instead of spinning.
                progress.tryAcquire(Math.max(1, Math.min(leftMs, 100)), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain();
        try {
            producer.flush();
        } catch (RuntimeException e) {
            LOG.warn("flush on close failed: {}", e.getClass().getSimpleName());
        }
        drain();
        if (subscribed) {
            commitSync(new ArrayList<>(consumer.assignment()));
        }
        int left = inFlight();
        if (left > 0) {
            LOG.warn("worker {} closed with {} calls still in flight; their jobs will be re-delivered",
                    settings.workerId(), left);
        }
        closeQuietly("consumer", () -> consumer.close(CloseOptions.timeout(CLIENT_CLOSE_TIMEOUT)));
        closeQuietly("producer", () -> producer.close(CLIENT_CLOSE_TIMEOUT));
        closeQuietly("provider client", client::close);
        for (AutoCloseable resource : alsoClose) {
            closeQuietly(resource.getClass().getSimpleName(), resource::close);
        }
        LOG.info("worker {} closed", settings.workerId());
    }

    private interface Closer {
        void close() throws Exception;
    }

    private static void closeQuietly(String what, Closer closer) {
        try {
            closer.close();
        } catch (Exception e) {
            LOG.warn("closing the {} failed: {}", what, e.getClass().getSimpleName());
        }
    }

    private int inFlight() {
        return lanes.values().stream().mapToInt(DeploymentLane::inFlight).sum();
    }

    public String workerId() {
        return settings.workerId();
    }

    public WorkerSettings settings() {
        return settings;
    }

    public List<DeploymentEndpoint> deployments() {
        return List.copyOf(deployments.values());
    }

    /** Jobs taken whose attempt the broker has not acknowledged yet (as of the last loop turn). */
    public int outstanding() {
        return outstandingView;
    }

    /** True while back-pressure has paused consumption. */
    public boolean isPaused() {
        return pausedView;
    }

    /** Calls running against {@code deploymentId} now. */
    public int inFlight(String deploymentId) {
        DeploymentLane lane = lanes.get(deploymentId);
        return lane == null ? 0 : lane.inFlight();
    }

    /** The health the next heartbeat will report for {@code deploymentId}. */
    public DeploymentHealth.Snapshot health(String deploymentId) {
        return health.snapshot(deploymentId);
    }

    /** True from {@link #start()} until the loop has stopped. */
    public boolean isRunning() {
        return pollThread != null && stopped.getCount() > 0;
    }

    /** Why the poll loop stopped on its own, if it did. */
    public Optional<RuntimeException> failure() {
        return Optional.ofNullable(failure);
    }
}
