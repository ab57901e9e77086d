package io.beacon.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A real single-node Kafka cluster (KRaft, one process acting as broker and controller) running inside
 * this JVM. The launcher uses it so the whole router runs on a laptop with no Kafka installed; other
 * modules' integration tests reach it through {@link SharedBroker}.
 *
 * <p>The settings are those of a one-node cluster: every internal topic has one replica, so consumer
 * groups and transactions work. {@link #start()} returns only once a client has talked to the broker.
 * A JVM shutdown hook stops a running broker (Kafka's threads are not daemons and would keep the JVM
 * alive); {@link #close()} stops it and removes the hook.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().freePorts().build().start()) {
 *     String bootstrap = broker.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** The interface the broker listens on unless told otherwise: loopback, so nothing is exposed. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Kafka's usual client port, so tools pointed at {@code localhost:9092} find the embedded broker. */
    public static final int DEFAULT_BROKER_PORT = 9092;
    /** The controller port next to it, as in Kafka's own single-node example configuration. */
    public static final int DEFAULT_CONTROLLER_PORT = 9093;
    /** Pass as a port to have a free one chosen at start. */
    public static final int FREE_PORT = 0;
    /** Cold start takes a few seconds; a minute leaves room for a slow, busy machine. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);

    /** Names of this class's settings, used in error messages so users know what to change. */
    public static final String HOST_SETTING = "broker.host";
    public static final String BROKER_PORT_SETTING = "broker.port";
    public static final String CONTROLLER_PORT_SETTING = "controller.port";

    static final int NODE_ID = 1;
    static final String BROKER_LISTENER = "PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    static final String META_PROPERTIES = "meta.properties";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private enum State { NEW, RUNNING, CLOSED }

    private final String host;
    private final int requestedBrokerPort;
    private final int requestedControllerPort;
    private final Path requestedDataDir;
    private final Map<String, String> extraProperties;
    private final Duration startupTimeout;

    private State state = State.NEW;
    private KafkaRaftServer server;
    private Thread shutdownHook;
    private Path dataDir;
    private boolean ownsDataDir;
    private int brokerPort;
    private int controllerPort;

    private final boolean ownShutdownHook;
    private final int nodeId;
    private final String clusterId;
    private final String quorumVoters;
    private final BrokerSecurity security;

    private EmbeddedKafkaBroker(Builder builder) {
        this.host = builder.host;
        this.requestedBrokerPort = builder.brokerPort;
        this.requestedControllerPort = builder.controllerPort;
        this.requestedDataDir = builder.dataDir;
        this.extraProperties = Map.copyOf(builder.extraProperties);
        this.startupTimeout = builder.startupTimeout;
        this.ownShutdownHook = builder.ownShutdownHook;
        this.nodeId = builder.nodeId;
        this.clusterId = builder.clusterId;
        this.quorumVoters = builder.quorumVoters;
        this.security = builder.security;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks the ports, formats the data directory if it is new, starts Kafka and waits until an admin
     * client's describeCluster succeeds. A broker is started at most once; to restart on the same data,
     * build a new one with the same {@link Builder#dataDir(Path) data dir}.
     *
     * @return this broker, running
     * @throws PortInUseException if a fixed port is taken (checked before Kafka starts)
     * @throws BrokerStartException if Kafka fails to start or is not ready within the startup timeout;
     *     whatever was started is stopped again
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (state != State.NEW) {
            throw new IllegalStateException("an EmbeddedKafkaBroker starts once; this one is " + state
                    + " (build a new one with the same data dir to restart)");
        }
        long startNanos = System.nanoTime();
        long deadlineNanos = startNanos + startupTimeout.toNanos();
        resolvePorts();
        prepareDataDir();
        try {
            KafkaConfig config = kafkaConfig();
            formatIfNew(config);
            server = new KafkaRaftServer(config, Time.SYSTEM);
            // Registered before startup: from here on Kafka threads exist and must not outlive the JVM's exit.
            if (ownShutdownHook) {
                shutdownHook = new Thread(this::close, "embedded-kafka-shutdown-hook");
                Runtime.getRuntime().addShutdownHook(shutdownHook);
            }
            state = State.RUNNING;
            startServer();
            awaitClientRoundTrip(deadlineNanos);
        } catch (RuntimeException e) {
            LOG.warn("Embedded Kafka broker failed to start; stopping what was started");
            close();
            throw e instanceof BrokerStartException ? e
                    : new BrokerStartException("embedded Kafka broker failed to start: " + e.getMessage(), e);
        }
        LOG.info("Embedded Kafka broker ready at {} in {} ms (data dir {})", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), dataDir);
        return this;
    }

    /** The {@code bootstrap.servers} value for clients of this broker; available once started. */
    public synchronized String bootstrapServers() {
        requireStarted();
        return formatAddress(connectHost(), brokerPort);
    }

    /** The port clients connect to; the chosen one if {@link #FREE_PORT} was asked for. */
    public synchronized int brokerPort() {
        requireStarted();
        return brokerPort;
    }

    /** The KRaft controller's port; the chosen one if {@link #FREE_PORT} was asked for. */
    public synchronized int controllerPort() {
        requireStarted();
        return controllerPort;
    }

    /** Kafka's log directory: the given one, or the temporary one made at start (deleted on close). */
    public synchronized Path dataDir() {
        requireStarted();
        return dataDir;
    }

    /** The settings a super-user client needs on top of bootstrap.servers: empty for a plaintext broker. */
    public Map<String, String> adminClientProperties() {
        return security == null ? Map.of() : security.adminClientProperties();
    }

    public synchronized boolean isRunning() {
        return state == State.RUNNING;
    }

    /**
     * Stops Kafka and waits for its threads to finish, removes the shutdown hook and deletes the data
     * directory if this broker made it. Safe to call more than once and from the shutdown hook.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        boolean wasStarted = state == State.RUNNING;
        state = State.CLOSED;
        if (wasStarted) {
            stopServer();
            removeShutdownHook();
        }
        if (ownsDataDir) {
            deleteRecursively(dataDir);
        }
    }

    /**
     * The broker configuration for a one-node cluster. Extra properties are applied last, so they can
     * override any of these.
     */
    static Map<String, String> brokerProperties(String host, int brokerPort, int controllerPort, Path logDir,
            Map<String, String> extraProperties) {
        return brokerProperties(NODE_ID, null, host, brokerPort, controllerPort, logDir, null, extraProperties);
    }

    /**
     * The same for node {@code nodeId} of a cluster whose controller quorum is {@code quorumVoters}
     * ({@code id@host:port,...}; null: this node alone). The internal topics' replication settings stay
     * those of one node: a cluster passes its own in {@code extraProperties}.
     */
    static Map<String, String> brokerProperties(int nodeId, String quorumVoters, String host, int brokerPort,
            int controllerPort, Path logDir, BrokerSecurity security, Map<String, String> extraProperties) {
        String connectHost = connectHost(host);
        // Secure: clients (and the nodes between themselves) on SASL_SSL, the controller quorum on mutual TLS.
        String clientListener = security == null ? BROKER_LISTENER : BrokerSecurity.CLIENT_LISTENER;
        String controllerProtocol = security == null ? "PLAINTEXT" : BrokerSecurity.CONTROLLER_PROTOCOL;
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(nodeId));
        props.put("controller.quorum.voters", quorumVoters != null ? quorumVoters
                : nodeId + "@" + formatAddress(connectHost, controllerPort));
        props.put("listeners", clientListener + "://" + formatAddress(host, brokerPort) + ","
                + CONTROLLER_LISTENER + "://" + formatAddress(host, controllerPort));
        props.put("advertised.listeners", clientListener + "://" + formatAddress(connectHost, brokerPort));
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", clientListener);
        props.put("listener.security.protocol.map",
                clientListener + ":" + clientListener + "," + CONTROLLER_LISTENER + ":" + controllerProtocol);
        props.put("log.dirs", logDir.toAbsolutePath().toString());
        // One node, so every internal topic gets one replica; with Kafka's default of 3 the
        // __consumer_offsets topic is never created and consumer groups silently receive nothing.
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // Internal topics default to 50 partitions each; one is plenty here and creates much faster.
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.num.partitions", "1");
        props.put("share.coordinator.state.topic.num.partitions", "1");
        // No other members will join, so do not hold the first rebalance back waiting for them.
        props.put("group.initial.rebalance.delay.ms", "0");
        // The default allocates 128 MiB of heap for the log cleaner at start; compacted topics here are tiny.
        props.put("log.cleaner.dedupe.buffer.size", "2097152");
        // Topics are created on purpose (TopicAdmin), so a typo in a topic name fails instead of inventing one.
        props.put("auto.create.topics.enable", "false");
        // Deliberately not bounding Kafka's own start-up waits (server.max.startup.time.ms): when that
        // deadline passes Kafka's fault handler terminates the whole JVM instead of throwing.
        if (security != null) {
            props.putAll(security.brokerProperties());
        }
        props.putAll(extraProperties);
        return props;
    }

    private void resolvePorts() {
        if (requestedBrokerPort != FREE_PORT) {
            Ports.requireAvailable(host, requestedBrokerPort, BROKER_PORT_SETTING);
        }
        if (requestedControllerPort != FREE_PORT) {
            Ports.requireAvailable(host, requestedControllerPort, CONTROLLER_PORT_SETTING);
        }
        int wanted = (requestedBrokerPort == FREE_PORT ? 1 : 0) + (requestedControllerPort == FREE_PORT ? 1 : 0);
        if (wanted == 0) {
            brokerPort = requestedBrokerPort;
            controllerPort = requestedControllerPort;
            return;
        }
        // Ask for one more than needed so a free port equal to the other, fixed one can be skipped.
        List<Integer> free = new ArrayList<>(Ports.findFree(host, wanted + 1));
        free.remove(Integer.valueOf(requestedBrokerPort));
        free.remove(Integer.valueOf(requestedControllerPort));
        brokerPort = requestedBrokerPort != FREE_PORT ? requestedBrokerPort : free.remove(0);
        controllerPort = requestedControllerPort != FREE_PORT ? requestedControllerPort : free.remove(0);
    }

    private void prepareDataDir() {
        try {
            if (requestedDataDir == null) {
                dataDir = Files.createTempDirectory("beacon-kafka-");
                ownsDataDir = true;
            } else {
                dataDir = Files.createDirectories(requestedDataDir);
            }
        } catch (IOException e) {
            throw new BrokerStartException("cannot create the Kafka data directory "
                    + (requestedDataDir == null ? "in " + System.getProperty("java.io.tmpdir") : requestedDataDir)
                    + ": " + e.getMessage(), e);
        }
    }

    private KafkaConfig kafkaConfig() {
        Map<String, String> props = brokerProperties(nodeId, quorumVoters, host, brokerPort, controllerPort, dataDir,
                security, extraProperties);
        try {
            return new KafkaConfig(props, false);
        } catch (ConfigException e) {
            throw new BrokerStartException("invalid embedded Kafka broker configuration: " + e.getMessage(), e);
        }
    }

    /**
     * Formats the log directories with a fresh cluster id unless the metadata directory already holds
     * {@code meta.properties}: formatting again would pick a new cluster id, which Kafka refuses.
     */
    private void formatIfNew(KafkaConfig config) {
        Path metadataDir = Path.of(config.metadataLogDir());
        if (Files.exists(metadataDir.resolve(META_PROPERTIES))) {
            LOG.info("Kafka data directory {} is already formatted; reusing it", metadataDir);
            return;
        }
        Collection<String> directories = new LinkedHashSet<>(config.logDirs());
        directories.add(config.metadataLogDir());
        String clusterId = this.clusterId != null ? this.clusterId : Uuid.randomUuid().toString();
        try (PrintStream formatterOutput = new PrintStream(new LineLoggingOutputStream(LOG, Level.DEBUG), true,
                StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(formatterOutput)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(directories)
                    // SCRAM users go into the bootstrap metadata: a SCRAM listener has nowhere else to find them.
                    .setScramArguments(security == null ? List.of() : security.scramArguments())
                    .run();
        } catch (Exception e) {
            throw new BrokerStartException("cannot format the Kafka data directory " + metadataDir + ": "
                    + e.getMessage(), e);
        }
        LOG.info("Formatted Kafka data directory {} for cluster {}", metadataDir, clusterId);
    }

    /**
     * Runs Kafka's blocking startup. It is not run against the startup timeout (see
     * {@link #brokerProperties}); on a free port and a local disk it takes seconds, and the timeout is
     * then enforced on the client round trip that follows.
     */
    private void startServer() {
        try {
            server.startup();
        } catch (RuntimeException e) {
            throw new BrokerStartException("embedded Kafka broker failed to start: " + e, e);
        }
    }

    /** Kafka's startup returning is not the same as serving clients; a real request proves it is. */
    private void awaitClientRoundTrip(long deadlineNanos) {
        int apiTimeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, remainingMillis(deadlineNanos)));
        Map<String, Object> adminProps = new LinkedHashMap<>(adminClientProperties());
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, formatAddress(connectHost(), brokerPort));
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(apiTimeoutMs, 10_000));
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, apiTimeoutMs);
        Throwable lastFailure = null;
        try (Admin admin = Admin.create(adminProps)) {
            while (System.nanoTime() < deadlineNanos) {
                long remainingMs = remainingMillis(deadlineNanos);
                try {
                    Collection<Node> nodes = admin.describeCluster(
                            new DescribeClusterOptions().timeoutMs((int) Math.max(1, remainingMs)))
                            .nodes().get(remainingMs, TimeUnit.MILLISECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    lastFailure = e.getCause();
                    if (!(e.getCause() instanceof RetriableException)) {
                        break;
                    }
                } catch (TimeoutException e) {
                    lastFailure = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BrokerStartException("interrupted while waiting for the embedded Kafka broker", e);
                }
            }
        }
        throw new BrokerStartException("embedded Kafka broker at " + formatAddress(connectHost(), brokerPort)
                + " was not ready within its startup timeout of " + startupTimeout
                + (lastFailure == null ? "" : " (describeCluster failed: " + lastFailure + ")"), lastFailure);
    }

    private void stopServer() {
        if (server == null) {
            return;
        }
        LOG.info("Stopping embedded Kafka broker at {}", formatAddress(connectHost(), brokerPort));
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Embedded Kafka broker did not shut down cleanly", e);
        }
        server = null;
    }

    private void removeShutdownHook() {
        if (shutdownHook == null || Thread.currentThread() == shutdownHook) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook will run and find this broker closed.
        }
        shutdownHook = null;
    }

    private static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete the temporary Kafka data directory {}: {}", root, e.toString());
        }
    }

    private void requireStarted() {
        if (state == State.NEW || brokerPort == 0) {
            throw new IllegalStateException("the embedded Kafka broker has not been started");
        }
    }

    private String connectHost() {
        return connectHost(host);
    }

    /** Where clients and the controller quorum reach a listener bound to {@code host}. */
    static String connectHost(String host) {
        try {
            return InetAddress.getByName(host).isAnyLocalAddress() ? DEFAULT_HOST : host;
        } catch (UnknownHostException e) {
            throw new BrokerStartException("unknown host '" + host + "' (setting: " + HOST_SETTING + ")", e);
        }
    }

    static String formatAddress(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    /** Options for an {@link EmbeddedKafkaBroker}; every one has a sensible default. */
    public static final class Builder {

        private String host = DEFAULT_HOST;
        private int brokerPort = DEFAULT_BROKER_PORT;
        private int controllerPort = DEFAULT_CONTROLLER_PORT;
        private Path dataDir;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private boolean ownShutdownHook = true;
        private int nodeId = NODE_ID;
        private String clusterId;
        private String quorumVoters;
        private BrokerSecurity security;

        private Builder() {
        }

        /**
         * Serves clients on SASL_SSL with SCRAM users and ACLs instead of PLAINTEXT (see {@link BrokerSecurity});
         * null (the default) for a plaintext broker that lets anyone do anything.
         */
        public Builder security(BrokerSecurity security) {
            this.security = security;
            return this;
        }

        /**
         * Makes this broker node {@code nodeId} of a multi-node KRaft cluster (see {@link KafkaCluster}): every
         * node of one cluster is formatted with the same {@code clusterId} and names the same controller quorum,
         * {@code id@host:port,...}. Default: node 1, alone, with a random cluster id.
         */
        public Builder clusterMember(int nodeId, String clusterId, String quorumVoters) {
            if (nodeId < 0) {
                throw new IllegalArgumentException("node id must not be negative: " + nodeId);
            }
            this.nodeId = nodeId;
            this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
            this.quorumVoters = Objects.requireNonNull(quorumVoters, "quorumVoters");
            return this;
        }

        /**
         * Whether the broker registers its own JVM shutdown hook (default true). An application that stops
         * its clients before the broker in its own hook turns it off: JVM hooks run concurrently, and
         * clients whose broker vanished first wait out their timeouts.
         */
        public Builder ownShutdownHook(boolean ownShutdownHook) {
            this.ownShutdownHook = ownShutdownHook;
            return this;
        }

        /** The interface to listen on; default {@value EmbeddedKafkaBroker#DEFAULT_HOST}. */
        public Builder host(String host) {
            Objects.requireNonNull(host, HOST_SETTING);
            if (host.isBlank()) {
                throw new IllegalArgumentException(HOST_SETTING + " must not be blank");
            }
            this.host = host.strip();
            return this;
        }

        /** The client port; default {@value EmbeddedKafkaBroker#DEFAULT_BROKER_PORT}, 0 for a free one. */
        public Builder brokerPort(int brokerPort) {
            this.brokerPort = requirePort(brokerPort, BROKER_PORT_SETTING);
            return this;
        }

        /** The controller port; default {@value EmbeddedKafkaBroker#DEFAULT_CONTROLLER_PORT}, 0 for a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = requirePort(controllerPort, CONTROLLER_PORT_SETTING);
            return this;
        }

        /** Free ports for both listeners: for tests, and for running beside another Kafka. */
        public Builder freePorts() {
            return brokerPort(FREE_PORT).controllerPort(FREE_PORT);
        }

        /**
         * Kafka's log directory, kept across restarts (formatted on first use). Kafka owns its contents,
         * so give it a directory of its own. Default null: a temporary directory deleted on close.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** One broker property, applied after (and so overriding) the one-node defaults. */
        public Builder brokerProperty(String name, String value) {
            extraProperties.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, name));
            return this;
        }

        /** Broker properties, applied after (and so overriding) the one-node defaults. */
        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /**
         * How long {@link EmbeddedKafkaBroker#start()} may take until a client round trip succeeds; default
         * one minute. Kafka's own start-up phase is not interrupted (Kafka would end the JVM), so a start
         * that overruns fails once that phase returns.
         */
        public Builder startupTimeout(Duration startupTimeout) {
            if (startupTimeout.isNegative() || startupTimeout.isZero()) {
                throw new IllegalArgumentException("startup timeout must be positive: " + startupTimeout);
            }
            this.startupTimeout = startupTimeout;
            return this;
        }

        public EmbeddedKafkaBroker build() {
            if (brokerPort != FREE_PORT && brokerPort == controllerPort) {
                throw new IllegalArgumentException(BROKER_PORT_SETTING + " and " + CONTROLLER_PORT_SETTING
                        + " must differ, both are " + brokerPort);
            }
            return new EmbeddedKafkaBroker(this);
        }

        private static int requirePort(int port, String setting) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(setting + " must be 0 (a free port) to 65535, was " + port);
            }
            return port;
        }
    }
}
