package io.beacon.launcher.stack;

import io.beacon.kafka.BrokerSecurity;
import io.beacon.kafka.TopicAdmin;
import io.beacon.launcher.security.AclPlan;
import io.beacon.launcher.security.DemoCredentials;
import io.beacon.launcher.security.Role;
import io.beacon.launcher.cost.CostReconciler;
import io.beacon.router.RouterApp;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimulatorFleet;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.ProviderWorker;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.IntSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the demo runs, in one JVM: the embedded broker and registry (unless a cluster is
 * configured), the topics, the provider simulators, the router and one worker per provider kind.
 * Started in dependency order and closed in reverse.
 */
public final class LocalPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalPipeline.class);
    private static final List<ProviderKind> KINDS = List.of(ProviderKind.GOLEM, ProviderKind.MODAL, ProviderKind.RUNPOD);

    /**
     * @param settings   every Beacon setting (bootstrap.servers empty = embedded broker)
     * @param partitions        partitions of the job topics
     * @param replicationFactor replication of created topics on a configured cluster (the embedded broker: 1)
     * @param brokers           embedded Kafka nodes: 1 (in this JVM, the default) or 3 (a KRaft cluster of node
     *                          JVMs from brokerPort on: node n at brokerPort + 2(n-1), its controller on the next
     *                          port; topics at replication factor 3, min.insync.replicas 2)
     * @param secure            the embedded broker(s) serve SASL_SSL with one SCRAM principal per {@link Role} and
     *                          least-privilege ACLs ({@link AclPlan}), the registry asks for basic auth, and every
     *                          component logs in as its own role (see {@link DemoCredentials})
     * @param runnerGroup       the runner's results group, which the runner principal may read (secure only)
     */
    public record Options(Map<String, String> settings, int brokerPort, int controllerPort, int registryPort,
                          int simFirstPort, int partitions, short replicationFactor, int brokers, boolean secure,
                          String runnerGroup) {

        public Options(Map<String, String> settings, int brokerPort, int controllerPort, int registryPort,
                       int simFirstPort, int partitions, short replicationFactor) {
            this(settings, brokerPort, controllerPort, registryPort, simFirstPort, partitions, replicationFactor, 1);
        }

        public Options(Map<String, String> settings, int brokerPort, int controllerPort, int registryPort,
                       int simFirstPort, int partitions, short replicationFactor, int brokers) {
            this(settings, brokerPort, controllerPort, registryPort, simFirstPort, partitions, replicationFactor, brokers,
                    false, AclPlan.DEFAULT_RUNNER_GROUP);
        }
    }

    private final List<AutoCloseable> started = new ArrayList<>();
    private EmbeddedStack stack;
    private SimulatorFleet fleet;
    private volatile RouterApp router;
    private Map<String, String> routerSettings;
    private SimCredentials credentials;
    private final java.util.Set<String> extraWorkerIds = new java.util.concurrent.CopyOnWriteArraySet<>();
    private final List<ProviderWorker> workers = new ArrayList<>();
    private Topics topics;
    private SerdeProvider serdes;
    private Map<String, String> common;
    private CommonConfig commonConfig;
    private Path stateDir;
    /** The settings before any credentials: what each role's own are added to. */
    private Map<String, String> baseSettings;
    private DemoCredentials security;
    private Topics runnerTopics;

    private LocalPipeline() {
    }

    public static LocalPipeline start(Options options) {
        LocalPipeline pipeline = new LocalPipeline();
        try {
            pipeline.startAll(options);
            return pipeline;
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
    }

    private void startAll(Options options) {
        Map<String, String> settings = new LinkedHashMap<>(options.settings());
        if (settings.getOrDefault(CommonConfig.BOOTSTRAP_SERVERS, "").isBlank()) {
            if (options.secure()) {
                // Closed last: the files stay until everything that reads them has stopped.
                security = DemoCredentials.create("127.0.0.1");
                started.add(security);
            }
            BrokerSecurity brokerSecurity = security == null ? null : security.brokerSecurity();
            Map<String, String> registryUsers = security == null ? Map.of() : security.registryUsers();
            stack = options.brokers() > 1
                    ? EmbeddedStack.startCluster("127.0.0.1", options.brokers(), options.brokerPort(), options.registryPort(),
                            brokerSecurity, registryUsers)
                    : EmbeddedStack.start("127.0.0.1", options.brokerPort(), options.controllerPort(), options.registryPort(),
                            brokerSecurity, registryUsers);
            started.add(stack);
            settings.put(CommonConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers());
            if (settings.getOrDefault(CommonConfig.SCHEMA_REGISTRY_URL, "").isBlank()) {
                settings.put(CommonConfig.SCHEMA_REGISTRY_URL, stack.registryUrl());
            }
        } else if (options.secure()) {
            throw new IllegalArgumentException("--secure secures the embedded broker; a configured cluster keeps its own"
                    + " security: give the clients kafka.* settings and apply the ACLs with `beacon acls --apply`");
        }
        if (settings.getOrDefault(CommonConfig.SCHEMA_REGISTRY_URL, "").isBlank()) {
            throw new IllegalArgumentException("schema.registry.url is not set: a configured Kafka cluster needs a"
                    + " schema registry (set BEACON_SCHEMA_REGISTRY_URL or --set schema.registry.url=...)");
        }
        baseSettings = Map.copyOf(settings);
        if (security != null) {
            // The pipeline's own bookkeeping (topics, ACLs, the demo's cost reconciler) runs as the admin.
            settings.putAll(security.beaconSettings(Role.ADMIN));
            security.writeFiles(settings.get(CommonConfig.BOOTSTRAP_SERVERS), settings.get(CommonConfig.SCHEMA_REGISTRY_URL));
        }
        common = settings;
        commonConfig = new CommonConfig(CommonConfig.define(new org.apache.kafka.common.config.ConfigDef()), settings);
        serdes = commonConfig.serdeProvider();
        started.add(serdes);
        topics = Topics.create(commonConfig.topicNames(), serdes);
        try (TopicAdmin admin = new TopicAdmin(commonConfig.bootstrapServers(),
                ConfigLoader.kafkaPassthrough(settings))) {
            admin.createTopics(topics.newTopics(options.partitions(),
                            stack != null ? stack.replicationFactor() : options.replicationFactor()),
                    Duration.ofSeconds(60));
        }
        if (security != null) {
            RouterConfig names = new RouterConfig(settings);
            try (Admin admin = Admin.create(clientProperties(settings))) {
                aclPlan(names, options.runnerGroup()).apply(admin, Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating the ACLs", e);
            }
        }
        SerdeProvider runnerSerdes = new CommonConfig(CommonConfig.define(new org.apache.kafka.common.config.ConfigDef()),
                settingsFor(Role.RUNNER)).serdeProvider();
        started.add(runnerSerdes);
        runnerTopics = Topics.create(commonConfig.topicNames(), runnerSerdes);

        // Fresh fake credentials every run: the simulators demand them, the workers present them.
        String modalKey = "wk-demo-" + randomHex();
        String modalSecret = "ws-demo-" + randomHex();
        String runpodKey = "rp-demo-" + randomHex();
        credentials = new SimCredentials(modalKey, modalSecret, runpodKey);
        fleet = SimulatorFleet.start(SimulatorFleet.demoDeployments(), "127.0.0.1", options.simFirstPort(),
                credentials);
        started.add(fleet);

        routerSettings = new LinkedHashMap<>(settingsFor(Role.ROUTER));
        if (routerSettings.getOrDefault(RouterConfig.STATE_DIR, "").isBlank()) {
            stateDir = tempDir("beacon-router-state");
            routerSettings.put(RouterConfig.STATE_DIR, stateDir.toString());
        }
        router = RouterApp.start(new RouterConfig(routerSettings));
        started.add(router);

        ProviderSecrets secrets = ProviderSecrets.of(runpodKey, modalKey, modalSecret);
        for (ProviderKind kind : KINDS) {
            Map<String, String> workerSettings = new LinkedHashMap<>(settingsFor(Role.worker(kind)));
            workerSettings.put(WorkerConfig.PROVIDER, kind.name().toLowerCase());
            // The demo's deployments are its own simulators, which it started with the credentials below.
            workerSettings.put(WorkerConfig.ENDPOINTS_SIMULATORS, "true");
            // The router watches the lag of the worker groups named by its prefix: give the workers those names.
            String groupPrefix = settings.get(RouterConfig.LAG_WORKER_GROUP_PREFIX);
            if (groupPrefix != null && !groupPrefix.isBlank() && !settings.containsKey(WorkerConfig.CONSUMER_GROUP)) {
                workerSettings.put(WorkerConfig.CONSUMER_GROUP, groupPrefix + kind.name().toLowerCase());
            }
            // http.port in the shared settings is the router's. Each worker serves its metrics on its
            // kind's documented port (9401 golem, 9402 modal, 9403 runpod), or on a free port when the
            // router's is free too (tests, several pipelines on one machine).
            workerSettings.put(WorkerConfig.HTTP_PORT, "0".equals(settings.get(RouterConfig.HTTP_PORT)) ? "0"
                    : Integer.toString(WorkerConfig.defaultHttpPort(kind)));
            ProviderWorker worker = WorkerApp.start(new WorkerConfig(workerSettings),
                    DemoFleet.endpoints(fleet.simulators(), kind), secrets);
            workers.add(worker);
            started.add(worker);
        }
    }

    /**
     * Rolls this pipeline's router: closes it gracefully (its tasks committed and handed over, its group left)
     * and starts it again on the same settings and state directory, then waits until it runs.
     */
    public synchronized void restartRouter(Duration timeout) throws InterruptedException {
        RouterApp old = router;
        int index = started.indexOf(old);
        old.close(Duration.ofSeconds(30));
        RouterApp fresh = RouterApp.start(new RouterConfig(routerSettings));
        router = fresh;
        if (index >= 0) {
            started.set(index, fresh);
        } else {
            started.add(fresh);
        }
        if (!fresh.awaitRunning(timeout)) {
            throw new IllegalStateException("the restarted router did not reach RUNNING within " + timeout.toSeconds() + " s");
        }
    }

    /** The embedded multi-node cluster, or null (one embedded broker, or a configured cluster). */
    public io.beacon.kafka.KafkaCluster cluster() {
        return stack == null ? null : stack.cluster();
    }

    /**
     * The settings every role of this pipeline shares (bootstrap servers, registry, kafka.*), the router's HTTP port
     * too; on a secure pipeline with the admin's login (each role's own: {@link #settingsFor(Role)}).
     */
    public Map<String, String> settings() {
        return Map.copyOf(common);
    }

    /**
     * The settings a process of {@code role} runs on: the shared ones plus, on a secure pipeline, the role's own
     * login (the router's also carries the ops login for its lag monitor, {@code lag.kafka.*}).
     */
    public Map<String, String> settingsFor(Role role) {
        if (security == null) {
            return Map.copyOf(common);
        }
        Map<String, String> out = new LinkedHashMap<>(baseSettings);
        out.putAll(security.beaconSettings(role));
        return out;
    }

    /** The credentials directory of a secure pipeline, empty otherwise. */
    public java.util.Optional<Path> credentialsDir() {
        return security == null ? java.util.Optional.empty() : java.util.Optional.of(security.dir());
    }

    /** The runner's Kafka client settings ({@code kafka.*} without the prefix), its own login on a secure pipeline. */
    public Map<String, Object> runnerPassthrough() {
        return ConfigLoader.kafkaPassthrough(settingsFor(Role.RUNNER));
    }

    /** The topic catalogue with the runner's serdes (its own registry login on a secure pipeline). */
    public Topics runnerTopics() {
        return runnerTopics;
    }

    /** The ACLs of this pipeline's principals, from its topic names, application id and group names. */
    static AclPlan aclPlan(RouterConfig config, String runnerGroup) {
        return new AclPlan(config.topicNames(), config.getString(RouterConfig.APPLICATION_ID),
                config.getString(RouterConfig.LAG_WORKER_GROUP_PREFIX), runnerGroup, Map.of());
    }

    private static Map<String, Object> clientProperties(Map<String, String> settings) {
        Map<String, Object> props = new LinkedHashMap<>(ConfigLoader.kafkaPassthrough(settings));
        props.put(CommonConfig.BOOTSTRAP_SERVERS, settings.get(CommonConfig.BOOTSTRAP_SERVERS));
        return props;
    }

    /** Replicas of the topics this pipeline created. */
    public short replicationFactor() {
        return stack != null ? stack.replicationFactor() : (short) 1;
    }

    /** The simulators' credentials for this run, which workers present. */
    public SimCredentials credentials() {
        return credentials;
    }

    /** The simulated deployments of {@code kind}, as this pipeline's workers call them. */
    public List<io.beacon.workers.core.DeploymentEndpoint> endpoints(ProviderKind kind) {
        return DemoFleet.endpoints(fleet.simulators(), kind);
    }

    /** The consumer group this pipeline gave its workers of {@code kind}; empty when they use the default. */
    public java.util.Optional<String> workerGroup(ProviderKind kind) {
        String groupPrefix = common.get(RouterConfig.LAG_WORKER_GROUP_PREFIX);
        if (common.containsKey(WorkerConfig.CONSUMER_GROUP)) {
            return java.util.Optional.of(common.get(WorkerConfig.CONSUMER_GROUP));
        }
        return groupPrefix == null || groupPrefix.isBlank() ? java.util.Optional.empty()
                : java.util.Optional.of(groupPrefix + kind.name().toLowerCase());
    }

    /** Counts the cost-ledger entries of workers started beside this pipeline (their own processes) as its own. */
    public void addWorkerIds(Set<String> ids) {
        extraWorkerIds.addAll(ids);
    }

    /** Waits until the router runs and every simulated deployment has reported healthy to it. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        if (!router.awaitRunning(timeout)) {
            throw new IllegalStateException("the router did not reach RUNNING within " + timeout.toSeconds() + " s");
        }
        int expected = fleet.simulators().size();
        while (true) {
            Instant now = Instant.now();
            List<ProviderStatus> deployments = router.deployments();
            long healthy = deployments.stream().filter(d -> router.isUsable(d, now)).count();
            if (healthy >= expected) {
                return;
            }
            if (now.isAfter(until)) {
                throw new IllegalStateException("only " + healthy + " of " + expected
                        + " deployments reported healthy within " + timeout.toSeconds() + " s: "
                        + deployments.stream().map(d -> d.getDeploymentId() + "=" + router.isUsable(d, now))
                        .collect(Collectors.joining(", ")));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Prints where everything listens. With {@code simulatorTable} false, the simulators take one line
     * (their count and ports) and their full table goes to the log: a run's console output stays short.
     */
    public void printAddresses(PrintWriter out, boolean simulatorTable) {
        out.println("Beacon is up:");
        out.println("  Kafka bootstrap     " + commonConfig.bootstrapServers() + (stack == null ? ""
                : stack.cluster() != null ? "  (embedded KRaft cluster: " + stack.cluster().nodeIds().size()
                        + " node JVMs, controllers on each client port + 1)" : "  (embedded KRaft broker)"));
        if (security != null) {
            out.println("  security            SASL_SSL (SCRAM-SHA-512 over TLS, CA made for this run), ACLs per principal,"
                    + " registry behind basic auth");
            out.println("  credentials         " + security.dir() + "  (runner.properties, router.properties,"
                    + " worker-golem.properties, ..., ops, admin; *-beacon.properties for beacon --config; ca.pem)");
        }
        out.println("  schema registry     " + commonConfig.schemaRegistryUrl() + (security == null ? "" : "  (basic auth)"));
        out.println("  router HTTP         " + router.httpUrl() + "  (POST /inference, GET /health, GET /providers,"
                + " GET /jobs/{id}, GET /lag, GET /metrics)");
        out.println("  dashboard           " + router.httpUrl() + "/dashboard/");
        for (int i = 0; i < workers.size(); i++) {
            out.println("  " + String.format("%-20s", KINDS.get(i).name().toLowerCase() + " worker")
                    + workers.get(i).httpUrl().map(url -> url + "  (GET /metrics, GET /health)").orElse("-"));
        }
        String table = fleet.describe().lines().map(line -> "    " + line).collect(Collectors.joining(System.lineSeparator()));
        if (simulatorTable) {
            out.println("  provider simulators");
            out.println(table);
        } else {
            IntSummaryStatistics ports = fleet.simulators().stream().mapToInt(ProviderSimulator::port).summaryStatistics();
            out.println("  provider simulators " + fleet.simulators().size() + " deployments on ports " + ports.getMin()
                    + "-" + ports.getMax() + "  (table and fault injection: in the log, or with --serve)");
            LOG.info("provider simulators:{}{}", System.lineSeparator(), table);
        }
        out.flush();
    }

    public Topics topics() {
        return topics;
    }

    public SimulatorFleet fleet() {
        return fleet;
    }

    /** The ids of the pipeline's workers, as they sign their attempts, heartbeats and cost-ledger entries. */
    public Set<String> workerIds() {
        return Stream.concat(workers.stream().map(ProviderWorker::workerId), extraWorkerIds.stream())
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Sets the cost ledger of this pipeline's workers beside the simulators' invoices; the caller closes it.
     * Open it before the run: it reads the ledger from the start.
     */
    public CostReconciler costReconciler() {
        List<URI> invoices = fleet.simulators().stream().map(sim -> URI.create(sim.rootUrl() + "/__sim/stats"))
                .toList();
        Set<String> deployments = fleet.simulators().stream().map(sim -> sim.deployment().id())
                .collect(Collectors.toUnmodifiableSet());
        return new CostReconciler(bootstrapServers(), clientPassthrough(), topics, workerIds(), invoices, deployments);
    }

    public RouterApp router() {
        return router;
    }

    public String bootstrapServers() {
        return commonConfig.bootstrapServers();
    }

    public Map<String, Object> clientPassthrough() {
        return ConfigLoader.kafkaPassthrough(common);
    }

    @Override
    public void close() {
        // Workers first (they drain and commit), then the router, then what they talk to.
        for (int i = started.size() - 1; i >= 0; i--) {
            AutoCloseable component = started.get(i);
            try {
                if (component instanceof ProviderWorker worker) {
                    worker.close(Duration.ofSeconds(10));
                } else if (component instanceof RouterApp app) {
                    app.close(Duration.ofSeconds(10));
                } else {
                    component.close();
                }
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", component.getClass().getSimpleName(), e.toString());
            }
        }
        started.clear();
        if (stateDir != null) {
            deleteRecursively(stateDir);
            stateDir = null;
        }
    }

    private static String randomHex() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }
}
