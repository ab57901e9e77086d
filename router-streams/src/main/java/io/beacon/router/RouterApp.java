package io.beacon.router;

import io.beacon.router.http.HttpSettings;
import io.beacon.router.http.InferenceFacade;
import io.beacon.router.http.InferencePayloadParser;
import io.beacon.router.http.ResultCorrelator;
import io.beacon.router.http.RouterHttpServer;
import io.beacon.router.http.RouterQueries;
import io.beacon.router.http.RouterQueryEndpoints;
import io.beacon.dashboard.DashboardHandler;
import io.beacon.dashboard.ResultStats;
import io.beacon.ops.http.OpsEndpoints;
import io.beacon.ops.lag.GroupRole;
import io.beacon.ops.lag.LagMonitor;
import io.beacon.ops.lag.LagReport;
import io.beacon.ops.metrics.InferenceMeters;
import io.beacon.ops.metrics.MetricsBinding;
import io.beacon.ops.metrics.OpsMetrics;
import io.beacon.ops.metrics.StreamsBinding;
import io.beacon.router.monitoring.DeadLetterWatch;
import io.beacon.router.monitoring.LagBacklog;
import io.beacon.router.monitoring.RouterTelemetry;
import io.beacon.router.topology.RouterTopology;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the router: the Kafka Streams topology plus its HTTP API, including the runner's
 * {@code POST /inference} answered over Kafka. Wiring only; the routing logic lives in
 * {@link RouterTopology} and the policy classes, the facade in {@link InferenceFacade}.
 */
public final class RouterApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RouterApp.class);

    private final SerdeProvider serdes;
    private final KafkaStreams streams;
    private final RouterHttpServer http;
    private final InferenceFacade inference;
    private final ResultCorrelator results;
    private final OpsMetrics metrics;
    private final Admin admin;
    private final LagMonitor lag;
    private final LagBacklog backlog;
    private final RouterQueries queries;
    private final DeadLetterWatch deadLetters;
    private final List<MetricsBinding> bindings = new ArrayList<>();
    private final CountDownLatch running = new CountDownLatch(1);

    private RouterApp(RouterConfig config) {
        this.serdes = config.serdeProvider();
        Topics topics = Topics.create(config.topicNames(), serdes);
        // Register the runner-facing schemas now, so a runner in any language that encodes with the
        // latest registered version finds one before the first job.
        serdes.prepare(topics.requests().name(), InferenceRequest.class);
        serdes.prepare(topics.results().name(), InferenceResult.class);
        String stateDir = config.getString(RouterConfig.STATE_DIR);
        if (stateDir.isBlank()) {
            try {
                stateDir = Files.createTempDirectory("beacon-router-state").toString();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a state directory", e);
            }
        }
        // Bind the HTTP port first: its address is this instance's application.server, which other
        // instances use to forward a job query to the instance that owns the job.
        HttpSettings httpSettings = config.httpSettings();
        this.http = new RouterHttpServer(config.getString(RouterConfig.HTTP_HOST), config.getInt(RouterConfig.HTTP_PORT),
                httpSettings.threads(), httpSettings.authToken());
        ResultCorrelator createdResults = null;
        InferenceFacade createdFacade = null;
        OpsMetrics createdMetrics = null;
        Admin createdAdmin = null;
        LagMonitor createdLag = null;
        DeadLetterWatch createdDeadLetters = null;
        KafkaProducer<String, InferenceRequest> facadeProducer = null;
        try {
            // What ops watch: metrics on this registry, lag of the router's own group, of every worker group
            // (which also tells the routing policy which providers fall behind) and of every other group the
            // lag.groups.* patterns let through (a runner's results consumer), the dashboard.
            String applicationId = config.getString(RouterConfig.APPLICATION_ID);
            createdMetrics = OpsMetrics.create("router");
            InferenceMeters meters = new InferenceMeters(createdMetrics.registry());
            ResultStats resultStats = new ResultStats();
            createdAdmin = Admin.create(adminProperties(config));
            String workerPrefix = config.getString(RouterConfig.LAG_WORKER_GROUP_PREFIX);
            LagMonitor.Builder lagBuilder = LagMonitor.builder(createdAdmin).group(applicationId, GroupRole.ROUTER);
            for (ProviderKind kind : ProviderKind.values()) {
                if (kind != ProviderKind.UNKNOWN) {
                    String provider = kind.name().toLowerCase(Locale.ROOT);
                    lagBuilder.group(workerPrefix + provider, GroupRole.worker(provider));
                }
            }
            createdLag = lagBuilder.discover(config.lagGroups())
                    .pollInterval(Duration.ofMillis(config.getLong(RouterConfig.LAG_POLL_INTERVAL_MS)))
                    .meterRegistry(createdMetrics.registry()).build();
            // The backlog view listens first: it is quick, and routing should see each poll at once.
            this.backlog = new LagBacklog(createdLag, workerPrefix, config.getDouble(RouterConfig.BACKLOG_MAX_LAG_SECONDS));
            createdDeadLetters = new DeadLetterWatch(deadLetterConsumer(config), topics.requestsDlq().name(), meters);
            DeadLetterWatch watch = createdDeadLetters;
            createdLag.addListener(report -> watch.poll());
            http.mount("/metrics", OpsEndpoints.metricsHandler(createdMetrics));
            http.mount("/lag", OpsEndpoints.lagHandler(createdLag));
            DashboardHandler dashboard = new DashboardHandler(resultStats);
            // The page itself is open (a browser cannot send a bearer token on navigation; it takes
            // ?token= and sends it with its data requests); its data is behind the token like the rest.
            http.mountOpen(dashboard.basePath(), dashboard);
            http.mount(dashboard.statsPath(), dashboard);

            // Its own catalogue instance: the facade's clients close their serializers, which the
            // topology's must survive.
            Topics facadeTopics = Topics.create(config.topicNames(), serdes);
            createdResults = new ResultCorrelator(resultsConsumer(config), facadeTopics.results().name(),
                    facadeTopics.results().valueSerde().deserializer(), Duration.ofSeconds(30));
            facadeProducer = requestsProducer(config, facadeTopics);
            createdFacade = new InferenceFacade(facadeProducer, facadeTopics.requests(),
                    createdResults, new InferencePayloadParser(config.getInt(RouterConfig.MAX_PROMPT_CHARS),
                            config.getInt(RouterConfig.MAX_TOKENS_LIMIT), httpSettings.defaultTimeout(),
                            httpSettings.maxTimeout()),
                    httpSettings, http.executor(), Clock.systemUTC(), InferenceFacade.randomJobIds());
            http.mount(InferenceFacade.PATH, createdFacade);
            Properties props = RouterStreamsProperties.forTopology(config.getString(RouterConfig.APPLICATION_ID),
                    config.bootstrapServers(), topics, config.getString(RouterConfig.PROCESSING_GUARANTEE),
                    config.commitIntervalMs(), stateDir);
            props.put("num.stream.threads", config.getInt(RouterConfig.NUM_STREAM_THREADS));
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, http.hostAndPort());
            RouterStreamsProperties.withPassthrough(props, config.kafkaClientProperties());
            this.streams = new KafkaStreams(RouterTopology.build(config.settings(), topics, serdes, backlog,
                    new RouterTelemetry(meters, resultStats, Clock.systemUTC())), props);
            // The HTTP API reads the router once everything it reads exists.
            this.queries = new StreamsRouterQueries(streams, createdLag, backlog,
                    config.settings().heartbeatStaleness(), http.hostAndPort());
            new RouterQueryEndpoints(queries, http.hostAndPort(), httpSettings.authToken()).mountOn(http);
            bindings.add(StreamsBinding.bind(createdMetrics, streams));
            bindings.add(createdMetrics.bind(facadeProducer));
            bindings.add(createdMetrics.bind(createdAdmin));
        } catch (RuntimeException e) {
            // Nothing started yet: release the port and the facade's clients so a retry can bind again.
            if (createdFacade != null) {
                createdFacade.close();
            } else if (createdResults != null) {
                createdResults.close();
            }
            bindings.forEach(MetricsBinding::close);
            if (createdLag != null) {
                createdLag.close();
            }
            if (createdDeadLetters != null) {
                createdDeadLetters.close();
            }
            if (createdAdmin != null) {
                createdAdmin.close(Duration.ofSeconds(5));
            }
            if (createdMetrics != null) {
                createdMetrics.close();
            }
            http.close();
            throw e;
        }
        this.results = createdResults;
        this.inference = createdFacade;
        this.metrics = createdMetrics;
        this.admin = createdAdmin;
        this.lag = createdLag;
        this.deadLetters = createdDeadLetters;
        this.streams.setUncaughtExceptionHandler(error -> {
            // A bug or a broker hiccup in one thread: replace the thread, keep the instance serving.
            LOG.error("stream thread failed, replacing it", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.streams.setStateListener((now, before) -> {
            LOG.info("router state {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
    }

    /** Builds and starts the router; the HTTP API answers from the moment this returns. */
    public static RouterApp start(RouterConfig config) {
        RouterApp app = new RouterApp(config);
        app.results.start();
        app.lag.start();
        app.http.start();
        app.streams.start();
        LOG.info("router started: application.id={}, guarantee={}, http={}",
                config.getString(RouterConfig.APPLICATION_ID), config.getString(RouterConfig.PROCESSING_GUARANTEE),
                app.http.url());
        return app;
    }

    /**
     * The HTTP facade's reader of {@code inference-results}: no group (it assigns every partition
     * itself), read_committed (only results of committed transactions), bytes as values (decoded only
     * for awaited jobs).
     */
    private static KafkaConsumer<String, byte[]> resultsConsumer(RouterConfig config) {
        return new KafkaConsumer<>(ungroupedReader(config, "-http-results"), new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /** Reads the dead-letter topic to count it: no group, read_committed, from the beginning. */
    private static KafkaConsumer<byte[], byte[]> deadLetterConsumer(RouterConfig config) {
        return new KafkaConsumer<>(ungroupedReader(config, "-dlq-watch"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /** A reader that assigns partitions itself: no group, nothing committed, read_committed, no auto-created topics. */
    private static Map<String, Object> ungroupedReader(RouterConfig config, String clientIdSuffix) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.getString(RouterConfig.APPLICATION_ID) + clientIdSuffix);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return props;
    }

    /**
     * The lag monitor's client: offsets of every watched group and topic, nothing else. Settings under
     * {@value RouterConfig#LAG_KAFKA_PREFIX} override the router's own for it alone, so on a secured cluster the
     * monitor and dashboard can log in as a read-only monitoring principal instead of the router's.
     */
    private static Map<String, Object> adminProperties(RouterConfig config) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        config.originals().forEach((key, value) -> {
            if (key.startsWith(RouterConfig.LAG_KAFKA_PREFIX)) {
                props.put(key.substring(RouterConfig.LAG_KAFKA_PREFIX.length()), value);
            }
        });
        props.keySet().removeIf(key -> !AdminClientConfig.configNames().contains(key));
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, config.getString(RouterConfig.APPLICATION_ID) + "-lag");
        return props;
    }

    /** The HTTP facade's producer of jobs: idempotent, acks=all, failing fast when Kafka is away. */
    private static KafkaProducer<String, InferenceRequest> requestsProducer(RouterConfig config, Topics topics) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        // A send blocks the HTTP thread only while metadata is missing; bound that, and give up on a
        // record well before a runner's 60 s time-out so the answer can be 503, not 504. Settings
        // given as kafka.* win; the delivery time-out must stay above linger + request time-out.
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        if (!props.containsKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)) {
            long floor = Long.parseLong(props.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG).toString())
                    + Long.parseLong(props.getOrDefault(ProducerConfig.LINGER_MS_CONFIG, 5).toString());
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, Math.max(20_000L, floor)));
        }
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.getString(RouterConfig.APPLICATION_ID) + "-http-requests");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(props, topics.requests().keySerde().serializer(),
                topics.requests().valueSerde().serializer());
    }

    /** Waits until every stream thread runs; false on time-out. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public String httpUrl() {
        return http.url();
    }

    /** Every deployment's latest heartbeat, from the global store (complete on every instance). */
    public List<ProviderStatus> deployments() {
        return queries.deployments();
    }

    /** What the router has learned of each deployment from outcomes, by deployment id (global store). */
    public Map<String, DeploymentStats> deploymentStats() {
        return queries.deploymentStats();
    }

    /** The state of a job held by this instance, in any of its partitions. */
    public Optional<JobState> localJobAnyPartition(String jobId) {
        return queries.localJobAnyPartition(jobId);
    }

    /**
     * The HTTP addresses of the other instances of this application, the one Streams' metadata names as
     * the job's owner (by Java's partitioner) first.
     */
    public List<String> otherInstances(String jobId) {
        return queries.otherInstances(jobId);
    }

    /** The latest lag report (router and worker groups), as {@code GET /lag} shows it. */
    public LagReport lag() {
        return queries.lag();
    }

    /** Why {@code kind}'s worker group counts as behind, or empty while its queue flows. */
    public Optional<String> backlog(ProviderKind kind) {
        return queries.backlog(kind);
    }

    /** The worker group of a provider kind, as the lag monitor watches it. */
    public String workerGroup(ProviderKind kind) {
        return queries.workerGroup(kind);
    }

    /** True when the deployment's heartbeat is fresh and reports it healthy, as the router judges it. */
    public boolean isUsable(ProviderStatus status, Instant now) {
        return queries.isUsable(status, now);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        // Waiting POST /inference requests get an answer (503, the job may still finish) before the
        // server stops; then the facade's clients close.
        inference.drain(Duration.ofSeconds(2));
        http.close();
        inference.close();
        streams.close(timeout);
        lag.close();
        deadLetters.close();
        bindings.forEach(MetricsBinding::close);
        admin.close(Duration.ofSeconds(5));
        metrics.close();
        serdes.close();
        LOG.info("router stopped");
    }
}
