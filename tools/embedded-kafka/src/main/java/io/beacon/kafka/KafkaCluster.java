package io.beacon.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real multi-node KRaft cluster on this machine: each node is its own JVM ({@link KafkaNodeMain}) acting
 * as broker and controller, with its own client port, controller port and log directory, and the nodes
 * together form the controller quorum (three voters for three nodes). Separate processes so a node can be
 * killed the way a machine dies ({@link #kill}: SIGKILL, no shutdown, no flush) and started again on its
 * data ({@link #restart}).
 *
 * <p>Settings are those of a production cluster in miniature: every internal topic (consumer offsets,
 * transaction state, share-group state) and every topic created without a replication factor has one
 * replica per node up to three, and {@code min.insync.replicas} is two, so a write acknowledged with
 * {@code acks=all} is on two nodes and survives the loss of any one.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.builder().nodes(3).freePorts().build().start()) {
 *     String bootstrap = cluster.bootstrapServers();   // all three nodes
 *     cluster.kill(cluster.leaderOf("jobs", 0));
 * }
 * }</pre>
 */
public final class KafkaCluster implements AutoCloseable {

    /** Node 1's client port; node n listens on {@code FIRST_PORT + 2(n-1)} and its controller on the next port. */
    public static final int DEFAULT_FIRST_PORT = EmbeddedKafkaBroker.DEFAULT_BROKER_PORT;
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(3);
    /** Node JVMs: small heaps, the serial collector and the quick compiler; a busy two-core machine runs three. */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xms64m", "-Xmx384m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xss512k");

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCluster.class);

    private final String host;
    private final int nodeCount;
    private final int firstPort;
    private final Path requestedDataDir;
    private final Map<String, String> extraProperties;
    private final List<String> jvmOptions;
    private final Duration startupTimeout;
    private final BrokerSecurity security;

    private final List<ClusterNode> nodes = new ArrayList<>();
    private Path root;
    private boolean ownsRoot;
    private String clusterId;
    private Admin admin;
    private Thread killOnExit;
    private boolean closed;

    private KafkaCluster(Builder builder) {
        this.host = builder.host;
        this.nodeCount = builder.nodes;
        this.firstPort = builder.firstPort;
        this.requestedDataDir = builder.dataDir;
        this.extraProperties = Map.copyOf(builder.extraProperties);
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.startupTimeout = builder.startupTimeout;
        this.security = builder.security;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks the ports, starts every node's JVM at once (a node waits for a quorum before it serves) and
     * returns when all nodes are registered and unfenced.
     *
     * @throws PortInUseException if a fixed port is taken
     * @throws BrokerStartException if a node exits or the cluster is not up within the startup timeout;
     *     every node started is stopped again
     */
    public synchronized KafkaCluster start() {
        if (!nodes.isEmpty() || closed) {
            throw new IllegalStateException("a KafkaCluster starts once");
        }
        long startNanos = System.nanoTime();
        try {
            prepareRoot();
            List<Integer> ports = resolvePorts();
            clusterId = Uuid.randomUuid().toString();
            StringBuilder voters = new StringBuilder();
            for (int i = 0; i < nodeCount; i++) {
                voters.append(i == 0 ? "" : ",").append(i + 1).append('@')
                        .append(EmbeddedKafkaBroker.formatAddress(connectHost(), ports.get(2 * i + 1)));
            }
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(new ClusterNode(i + 1, ports.get(2 * i), ports.get(2 * i + 1), root.resolve("node-" + (i + 1))));
            }
            killOnExit = new Thread(this::killAll, "kafka-cluster-kill-on-exit");
            Runtime.getRuntime().addShutdownHook(killOnExit);
            for (ClusterNode node : nodes) {
                node.writeSettings(clusterId, voters.toString());
                node.launch();
            }
            long deadline = System.nanoTime() + startupTimeout.toNanos();
            for (ClusterNode node : nodes) {
                node.awaitReady(deadline);
            }
            Map<String, Object> adminProps = new LinkedHashMap<>(adminClientProperties());
            adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka-cluster-admin");
            adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
            admin = Admin.create(adminProps);
            awaitRegistered(nodeIds(), deadline);
        } catch (RuntimeException e) {
            LOG.warn("Kafka cluster failed to start; stopping its nodes");
            close();
            throw e instanceof BrokerStartException || e instanceof PortInUseException ? e
                    : new BrokerStartException("Kafka cluster failed to start: " + e.getMessage(), e);
        }
        LOG.info("Kafka cluster of {} nodes ready at {} in {} ms (data under {})", nodeCount, bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), root);
        return this;
    }

    /** The settings a super-user client needs on top of bootstrap.servers: empty for a plaintext cluster. */
    public Map<String, String> adminClientProperties() {
        return security == null ? Map.of() : security.adminClientProperties();
    }

    /** Every node's client address, comma-separated: clients find the cluster through any node that is up. */
    public String bootstrapServers() {
        return nodes.stream().map(node -> EmbeddedKafkaBroker.formatAddress(connectHost(), node.brokerPort))
                .collect(Collectors.joining(","));
    }

    /** The node ids, 1 to n. */
    public List<Integer> nodeIds() {
        return nodes.stream().map(node -> node.id).toList();
    }

    public int brokerPort(int nodeId) {
        return node(nodeId).brokerPort;
    }

    public int controllerPort(int nodeId) {
        return node(nodeId).controllerPort;
    }

    /** The node's log directory (its data and metadata log). */
    public Path dataDir(int nodeId) {
        return node(nodeId).dataDir;
    }

    /** The node JVM's output (Kafka's warnings, the ready line), kept across restarts. */
    public Path logFile(int nodeId) {
        return node(nodeId).logFile;
    }

    /** The node JVM's process id, while it runs. */
    public synchronized long pid(int nodeId) {
        Process process = node(nodeId).process;
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("kafka node " + nodeId + " is not running");
        }
        return process.pid();
    }

    public synchronized boolean isRunning(int nodeId) {
        Process process = node(nodeId).process;
        return process != null && process.isAlive();
    }

    /** The id of the node leading {@code topic}'s {@code partition}, as the cluster's metadata says now. */
    public int leaderOf(String topic, int partition) {
        TopicDescription description = describe(Set.of(topic)).get(topic);
        for (TopicPartitionInfo info : description.partitions()) {
            if (info.partition() == partition) {
                if (info.leader() == null || info.leader().isEmpty()) {
                    throw new IllegalStateException(topic + "-" + partition + " has no leader");
                }
                return info.leader().id();
            }
        }
        throw new IllegalArgumentException(topic + " has no partition " + partition);
    }

    /**
     * SIGKILL for the node's JVM ({@code kill -9}: no controlled shutdown, nothing flushed), and waits until
     * it has ended.
     */
    public void kill(int nodeId) {
        ClusterNode node = node(nodeId);
        Process process;
        synchronized (this) {
            process = node.process;
        }
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("kafka node " + nodeId + " is not running");
        }
        LOG.info("kill -9 kafka node {} (pid {})", nodeId, process.pid());
        process.destroyForcibly();
        waitFor(process, Duration.ofSeconds(30), "kafka node " + nodeId + " after SIGKILL");
    }

    /** SIGTERM for the node's JVM: a controlled shutdown (leadership moved away first); waits until it ended. */
    public void stop(int nodeId, Duration timeout) {
        Process process = node(nodeId).process;
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!waitQuietly(process, timeout)) {
                LOG.warn("kafka node {} did not stop within {}; killing it", nodeId, timeout);
                process.destroyForcibly();
                waitFor(process, Duration.ofSeconds(30), "kafka node " + nodeId);
            }
        }
    }

    /**
     * Starts a stopped or killed node again on its data directory and ports, and returns when it is back in
     * the cluster (registered and unfenced). It then catches up as a follower: {@link #awaitInSync} waits for that.
     */
    public void restart(int nodeId, Duration timeout) {
        ClusterNode node = node(nodeId);
        synchronized (this) {
            if (node.process != null && node.process.isAlive()) {
                throw new IllegalStateException("kafka node " + nodeId + " is still running");
            }
            node.launch();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        node.awaitReady(deadline);
        awaitRegistered(List.of(nodeId), deadline);
        LOG.info("kafka node {} restarted (pid {})", nodeId, node.process.pid());
    }

    /** Waits until every partition of every topic has all its replicas in sync (a restarted node caught up). */
    public void awaitInSync(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lagging = null;
        while (System.nanoTime() < deadline) {
            try {
                Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                        .get(10, TimeUnit.SECONDS);
                lagging = firstUnderReplicated(describe(names).values());
                if (lagging == null) {
                    return;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
                lagging = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for replicas to catch up", e);
            }
            pause(200);
        }
        throw new IllegalStateException("replicas not in sync within " + timeout + ": " + lagging);
    }

    /** Stops every node (SIGTERM, then SIGKILL for one that lingers) and deletes the data if it made it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
        // All at once: a node stopping alone would wait for a controlled shutdown the others may not answer.
        for (ClusterNode node : nodes) {
            if (node.process != null && node.process.isAlive()) {
                node.process.destroy();
            }
        }
        for (ClusterNode node : nodes) {
            if (node.process != null && !waitQuietly(node.process, Duration.ofSeconds(15))) {
                node.process.destroyForcibly();
                waitQuietly(node.process, Duration.ofSeconds(10));
            }
        }
        if (killOnExit != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it kills what is left.
            }
        }
        if (ownsRoot) {
            deleteRecursively(root);
        }
    }

    static String firstUnderReplicated(Collection<TopicDescription> descriptions) {
        for (TopicDescription description : descriptions) {
            for (TopicPartitionInfo partition : description.partitions()) {
                Set<Integer> replicas = partition.replicas().stream().map(Node::id).collect(Collectors.toSet());
                Set<Integer> isr = partition.isr().stream().map(Node::id).collect(Collectors.toSet());
                if (!isr.containsAll(replicas) || partition.leader() == null || partition.leader().isEmpty()) {
                    return description.name() + "-" + partition.partition() + " isr " + new TreeSet<>(isr)
                            + " of replicas " + new TreeSet<>(replicas);
                }
            }
        }
        return null;
    }

    /**
     * Broker settings of node {@code nodeId} of an {@code nodes}-node cluster, on top of
     * {@link EmbeddedKafkaBroker}'s one-node ones (extra properties applied last).
     */
    static Map<String, String> clusterProperties(int nodes, Map<String, String> extraProperties) {
        String replicas = Integer.toString(Math.min(3, nodes));
        String minIsr = Integer.toString(Math.max(1, Math.min(3, nodes) - 1));
        Map<String, String> props = new LinkedHashMap<>();
        props.put("default.replication.factor", replicas);
        props.put("min.insync.replicas", minIsr);
        props.put("offsets.topic.replication.factor", replicas);
        props.put("transaction.state.log.replication.factor", replicas);
        props.put("transaction.state.log.min.isr", minIsr);
        props.put("share.coordinator.state.topic.replication.factor", replicas);
        props.put("share.coordinator.state.topic.min.isr", minIsr);
        // Spread the group and transaction coordinators over the nodes, so killing one moves only some.
        props.put("offsets.topic.num.partitions", Integer.toString(nodes));
        props.put("transaction.state.log.num.partitions", Integer.toString(nodes));
        // Never elect a replica that missed acknowledged writes: losing a node must not lose records.
        props.put("unclean.leader.election.enable", "false");
        props.putAll(extraProperties);
        return props;
    }

    private Map<String, TopicDescription> describe(Set<String> topics) {
        try {
            return admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe " + topics + ": " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out describing " + topics, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted describing " + topics, e);
        }
    }

    private void awaitRegistered(List<Integer> ids, long deadlineNanos) {
        Object last = null;
        while (System.nanoTime() < deadlineNanos) {
            try {
                Set<Integer> live = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000)).nodes()
                        .get(10, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
                if (live.containsAll(ids)) {
                    return;
                }
                last = "live nodes " + new TreeSet<>(live);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BrokerStartException("interrupted waiting for kafka nodes " + ids, e);
            }
            for (Integer id : ids) {
                node(id).requireAlive();
            }
            pause(200);
        }
        throw new BrokerStartException("kafka nodes " + ids + " did not join the cluster within the time allowed ("
                + last + ")", null);
    }

    private ClusterNode node(int nodeId) {
        if (nodeId < 1 || nodeId > nodes.size()) {
            throw new IllegalArgumentException("no kafka node " + nodeId + " (nodes are 1 to " + nodes.size() + ")");
        }
        return nodes.get(nodeId - 1);
    }

    private void prepareRoot() {
        try {
            if (requestedDataDir == null) {
                root = Files.createTempDirectory("beacon-kafka-cluster-");
                ownsRoot = true;
            } else {
                root = Files.createDirectories(requestedDataDir);
            }
        } catch (IOException e) {
            throw new BrokerStartException("cannot create the Kafka cluster's data directory: " + e.getMessage(), e);
        }
    }

    private List<Integer> resolvePorts() {
        if (firstPort == EmbeddedKafkaBroker.FREE_PORT) {
            return Ports.findFree(host, 2 * nodeCount);
        }
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 2 * nodeCount; i++) {
            int port = firstPort + i;
            Ports.requireAvailable(host, port, (i % 2 == 0 ? "broker" : "controller") + " port of kafka node "
                    + (i / 2 + 1) + " (first port " + firstPort + ")");
            ports.add(port);
        }
        return ports;
    }

    private String connectHost() {
        return EmbeddedKafkaBroker.connectHost(host);
    }

    private synchronized void killAll() {
        for (ClusterNode node : nodes) {
            if (node.process != null && node.process.isAlive()) {
                node.process.destroyForcibly();
            }
        }
    }

    private static void waitFor(Process process, Duration timeout, String what) {
        if (!waitQuietly(process, timeout)) {
            throw new IllegalStateException(what + " (pid " + process.pid() + ") still alive after " + timeout);
        }
    }

    private static boolean waitQuietly(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** One node: its ports, directory, settings file, log and (while it runs) its process. */
    private final class ClusterNode {
        final int id;
        final int brokerPort;
        final int controllerPort;
        final Path dataDir;
        final Path settingsFile;
        final Path logFile;
        Process process;
        long logOffsetAtLaunch;

        ClusterNode(int id, int brokerPort, int controllerPort, Path home) {
            this.id = id;
            this.brokerPort = brokerPort;
            this.controllerPort = controllerPort;
            this.dataDir = home.resolve("data");
            this.settingsFile = home.resolve("node.properties");
            this.logFile = home.resolve("node.log");
        }

        void writeSettings(String clusterId, String voters) {
            Properties settings = new Properties();
            settings.setProperty("node.id", Integer.toString(id));
            settings.setProperty("cluster.id", clusterId);
            settings.setProperty("quorum.voters", voters);
            settings.setProperty("host", host);
            settings.setProperty("broker.port", Integer.toString(brokerPort));
            settings.setProperty("controller.port", Integer.toString(controllerPort));
            settings.setProperty("data.dir", dataDir.toAbsolutePath().toString());
            clusterProperties(nodeCount, extraProperties).forEach((name, value) ->
                    settings.setProperty(KafkaNodeMain.BROKER_SETTING_PREFIX + name, value));
            if (security != null) {
                security.toNodeSettings().forEach(settings::setProperty);
            }
            try {
                Files.createDirectories(dataDir);
                try (Writer writer = Files.newBufferedWriter(settingsFile, StandardCharsets.UTF_8)) {
                    settings.store(writer, "kafka node " + id + " of cluster " + clusterId);
                }
                if (security != null && settingsFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    // It holds every SCRAM password and the keystore's: for this user's eyes only.
                    Files.setPosixFilePermissions(settingsFile,
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                }
            } catch (IOException e) {
                throw new BrokerStartException("cannot write " + settingsFile + ": " + e.getMessage(), e);
            }
        }

        void launch() {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(KafkaNodeMain.class.getName());
            command.add(settingsFile.toAbsolutePath().toString());
            try {
                logOffsetAtLaunch = Files.exists(logFile) ? Files.size(logFile) : 0;
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
                process = builder.start();
            } catch (IOException e) {
                throw new BrokerStartException("cannot start kafka node " + id + ": " + e.getMessage(), e);
            }
            LOG.info("kafka node {} starting (pid {}, client port {}, controller port {}, log {})", id, process.pid(),
                    brokerPort, controllerPort, logFile);
        }

        void awaitReady(long deadlineNanos) {
            while (System.nanoTime() < deadlineNanos) {
                if (newOutput().contains(KafkaNodeMain.READY_LINE + " " + id + " ")) {
                    return;
                }
                requireAlive();
                pause(100);
            }
            throw new BrokerStartException("kafka node " + id + " was not ready within " + startupTimeout
                    + "; its output:\n" + tail(newOutput()), null);
        }

        void requireAlive() {
            if (process == null || !process.isAlive()) {
                throw new BrokerStartException("kafka node " + id + " exited"
                        + (process == null ? "" : " with " + process.exitValue()) + "; its output:\n"
                        + tail(newOutput()), null);
            }
        }

        private String newOutput() {
            try {
                if (!Files.exists(logFile)) {
                    return "";
                }
                byte[] all = Files.readAllBytes(logFile);
                int from = (int) Math.min(all.length, logOffsetAtLaunch);
                return new String(all, from, all.length - from, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        private String tail(String text) {
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        }
    }

    /** Options for a {@link KafkaCluster}. */
    public static final class Builder {

        private String host = EmbeddedKafkaBroker.DEFAULT_HOST;
        private int nodes = 3;
        private int firstPort = DEFAULT_FIRST_PORT;
        private Path dataDir;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>(DEFAULT_JVM_OPTIONS);
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private BrokerSecurity security;

        private Builder() {
        }

        /** Every node serves SASL_SSL with SCRAM users and ACLs (see {@link BrokerSecurity}); null: plaintext. */
        public Builder security(BrokerSecurity security) {
            this.security = security;
            return this;
        }

        /** How many nodes (each broker and controller voter); default 3. */
        public Builder nodes(int nodes) {
            if (nodes < 1 || nodes > 9) {
                throw new IllegalArgumentException("a cluster has 1 to 9 nodes, not " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host").strip();
            return this;
        }

        /**
         * Node n's client port is {@code firstPort + 2(n-1)}, its controller's the next one: 9092-9097 for three
         * nodes by default.
         */
        public Builder firstPort(int firstPort) {
            if (firstPort < 1 || firstPort > 65_000) {
                throw new IllegalArgumentException("first port must be 1 to 65000, was " + firstPort);
            }
            this.firstPort = firstPort;
            return this;
        }

        /** Free ports for every listener (tests). */
        public Builder freePorts() {
            this.firstPort = EmbeddedKafkaBroker.FREE_PORT;
            return this;
        }

        /** Where the nodes keep their data ({@code node-N/data}) and output; default a temporary directory deleted on close. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** A broker setting for every node, applied after the cluster's own. */
        public Builder brokerProperty(String name, String value) {
            extraProperties.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, name));
            return this;
        }

        /** The node JVMs' options (heap, collector); default {@link #DEFAULT_JVM_OPTIONS}. */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.clear();
            jvmOptions.addAll(options);
            return this;
        }

        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = Objects.requireNonNull(startupTimeout, "startupTimeout");
            return this;
        }

        public KafkaCluster build() {
            return new KafkaCluster(this);
        }
    }
}
