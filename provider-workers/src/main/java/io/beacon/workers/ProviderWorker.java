package io.beacon.workers;

import io.beacon.ops.http.OpsHttpServer;
import io.beacon.schemas.avro.DeploymentSpec;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.workers.client.ModelNamingClient;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.cost.CostLedger;
import io.beacon.workers.cost.LedgerPublisher;
import io.beacon.workers.cost.MeteredClient;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.JobMdc;
import io.beacon.workers.core.ModelCatalogue;
import io.beacon.workers.core.RecordCodec;
import io.beacon.workers.delivery.AttemptPublisher;
import io.beacon.workers.delivery.DeploymentLane;
import io.beacon.workers.delivery.OffsetCommitter;
import io.beacon.workers.delivery.OffsetTracker;
import io.beacon.workers.health.DeploymentHealth;
import io.beacon.workers.health.HealthMonitor;
import io.beacon.workers.health.HeartbeatPublisher;
import io.beacon.workers.membership.SpecResolver;
import io.beacon.workers.resilience.DeploymentCircuit;
import io.beacon.workers.resilience.ResilientCaller;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
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
 * <p>This class wires the parts and runs their lifecycle: the {@link PollLoop} (the only user of the
 * consumer), the {@link AttemptPublisher} (attempts, acknowledgements, released offsets), the
 * {@link HeartbeatPublisher} and the deployments' lanes, circuits and health monitor meet in the
 * constructor; {@link #start()} runs the loop on its own thread and {@link #close(Duration)} drains it.
 */
public final class ProviderWorker implements AutoCloseable {

    public static final String MDC_JOB_ID = JobMdc.KEY;
    public static final String DEADLINE_PASSED = "deadline passed before the call started";

    private static final Logger LOG = LoggerFactory.getLogger(ProviderWorker.class);
    private static final Duration CLIENT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final WorkerSettings settings;
    private final Fleet fleet;
    private final ProviderClient client;
    private final Consumer<String, byte[]> consumer;
    private final Producer<String, byte[]> producer;
    private final RecordCodec codec;
    private final HealthMonitor health;
    private final CostLedger ledger;
    private final PollLoop loop;
    private final List<AutoCloseable> alsoClose = new CopyOnWriteArrayList<>();
    private volatile OpsHttpServer http;

    // Lifecycle, shared between threads.
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile long drainDeadlineNanos;
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
        Objects.requireNonNull(observer, "observer");
        this.settings = settings;
        this.client = client;
        this.consumer = consumer;
        this.producer = producer;
        this.codec = codec;
        if (client.kind() != settings.kind()) {
            throw new IllegalArgumentException("a " + settings.kind() + " worker needs a " + settings.kind()
                    + " client, not " + client.kind());
        }
        HeartbeatPublisher heartbeats = new HeartbeatPublisher(producer, codec, clock, settings.heartbeatInterval(),
                status -> tell("heartbeat", () -> observer.statusPublished(status)));
        // Deployments join and leave while calls run on HTTP threads: a concurrent map.
        Map<String, DeploymentCircuit> circuits = new ConcurrentHashMap<>();
        Set<String> ids = new HashSet<>();
        for (DeploymentEndpoint d : deployments) {
            if (d.provider() != settings.kind()) {
                throw new IllegalArgumentException("deployment " + d.id() + " is " + d.provider() + ", not "
                        + settings.kind());
            }
            if (!ids.add(d.id())) {
                throw new IllegalArgumentException("deployment id " + d.id() + " is listed twice");
            }
            // A circuit that changes state is news for the router: the next loop turn sends heartbeats.
            circuits.put(d.id(), new DeploymentCircuit(d.id(), settings.circuit(), clock, heartbeats::requestNow));
        }
        // Every HTTP call to a provider goes through the cost ledger: one source of cost.
        this.ledger = new CostLedger(deployments, settings.workerId());
        ProviderClient metered = new MeteredClient(client, ledger, clock);
        LedgerPublisher costs = new LedgerPublisher(producer, codec, ledger,
                entry -> tell("cost entry", () -> observer.costEntryWritten(entry)),
                snapshot -> tell("ledger snapshot", () -> observer.ledgerSnapshot(snapshot)));
        // The model catalogue: what each deployment serves and by which name its provider knows each model. The
        // heartbeats report it, the probes and model lists feed it, every call names its model through it.
        ModelCatalogue catalogue = new ModelCatalogue();
        this.health = new HealthMonitor(deployments, circuits, metered, clock, settings.probeInterval(),
                settings.probeTimeout(), settings.workerId(), ledger, catalogue, settings.modelDiscovery());
        health.onVerdictChange(heartbeats::requestNow);
        this.fleet = new Fleet(settings.kind(), deployments, circuits, health, ledger, heartbeats, settings.circuit(),
                clock, settings.heartbeatInterval(), d -> tell("deployment", () -> observer.deploymentJoined(d)));
        OffsetTracker offsets = new OffsetTracker();
        AttemptPublisher attempts = new AttemptPublisher(producer, codec, offsets, clock,
                attempt -> tell("attempt", () -> observer.attemptWritten(attempt)))
                .onNewAttempt(costs::attempt);
        this.loop = new PollLoop(settings, fleet, consumer, codec, clock, health,
                new ResilientCaller(new ModelNamingClient(metered, catalogue), circuits, settings.retry(), clock),
                offsets, attempts, heartbeats, costs);
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
                fleet.servingNow().keySet(), codec.jobsTopic());
        return this;
    }

    /**
     * How records of the {@code deployments} topic become deployments ({@link WorkerApp} parses their entries with
     * the worker's settings); without it every record is refused.
     */
    public ProviderWorker resolveDeploymentsWith(SpecResolver resolver) {
        fleet.resolveWith(resolver);
        return this;
    }

    /**
     * A record of the {@code deployments} topic for this worker's provider kind ({@code spec} null: a tombstone of
     * {@code deploymentId}); applied on the poll thread's next turn. Any thread.
     */
    public void offer(String deploymentId, DeploymentSpec spec) {
        fleet.offer(deploymentId, spec);
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
                loop.runOnce();
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
        loop.runOnce();
    }

    /** Runs an observer callback; a failing observer must not stop deliveries. */
    private static void tell(String what, Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            LOG.warn("the worker observer failed on a {}: {}", what, e.toString());
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
            awaitStopped(timeout.plus(CLIENT_CLOSE_TIMEOUT).plus(OffsetCommitter.commitTimeout()));
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
        int dropped = loop.closeLanes();
        LOG.info("worker {} closing: {} calls in flight, {} queued jobs left for re-delivery", settings.workerId(),
                loop.inFlight(), dropped);
        loop.drainAndCommit(drainDeadlineNanos);
        int left = loop.inFlight();
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

    public String workerId() {
        return settings.workerId();
    }

    public WorkerSettings settings() {
        return settings;
    }

    /** The deployments that take new jobs now (retired ones still draining are not among them). */
    public List<DeploymentEndpoint> deployments() {
        return List.copyOf(fleet.servingNow().values());
    }

    /** Jobs taken whose attempt the broker has not acknowledged yet (as of the last loop turn). */
    public int outstanding() {
        return loop.outstanding();
    }

    /** True while back-pressure has paused consumption. */
    public boolean isPaused() {
        return loop.isPaused();
    }

    /** Calls running against {@code deploymentId} now. */
    public int inFlight(String deploymentId) {
        DeploymentLane lane = fleet.lanes().get(deploymentId);
        return lane == null ? 0 : lane.inFlight();
    }

    /** The health the next heartbeat will report for {@code deploymentId}. */
    public DeploymentHealth.Snapshot health(String deploymentId) {
        return health.snapshot(deploymentId);
    }

    /** The worker's model catalogue: the models each deployment serves and their names at its provider. */
    public ModelCatalogue models() {
        return health.catalogue();
    }

    /** The worker's cost ledger (every call's share, idle capacity, fees). */
    public CostLedger ledger() {
        return ledger;
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
