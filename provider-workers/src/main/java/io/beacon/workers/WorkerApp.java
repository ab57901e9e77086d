package io.beacon.workers;

import io.beacon.ops.http.OpsHttpServer;
import io.beacon.ops.metrics.MetricsBinding;
import io.beacon.ops.metrics.OpsMetrics;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.core.RecordCodec;
import io.beacon.workers.golem.OllamaClient;
import io.beacon.workers.membership.DeploymentSpecReader;
import io.beacon.workers.membership.SpecResolver;
import io.beacon.workers.modal.ModalClient;
import io.beacon.workers.runpod.RunPodClient;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires a {@link ProviderWorker} from configuration: the real Kafka clients, the provider's HTTP client
 * and the topic catalogue. The launcher calls {@link #start(WorkerConfig, List, ProviderSecrets)};
 * {@link #main(String[])} runs one worker as its own process.
 */
public final class WorkerApp {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerApp.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_POLL_RECORDS = 500;
    private static final Duration DEPLOYMENTS_CATCH_UP = Duration.ofSeconds(30);

    private WorkerApp() {
    }

    /**
     * Starts a worker with the serde provider and topic names of {@code config}; the worker closes the
     * serde provider when it closes.
     */
    public static ProviderWorker start(WorkerConfig config, List<DeploymentEndpoint> deployments,
                                       ProviderSecrets secrets) {
        SerdeProvider serdes = config.serdeProvider();
        try {
            return start(config, Topics.create(config.topicNames(), serdes), deployments, secrets).closeAlso(serdes);
        } catch (RuntimeException e) {
            serdes.close();
            throw e;
        }
    }

    /**
     * Starts a worker on an existing topic catalogue (the launcher shares one across its apps), with its
     * metrics ({@code worker-<kind>}: JVM, its Kafka clients', {@link WorkerMetrics}) served at
     * {@code GET /metrics} and {@code GET /health} on {@code http.host:http.port}; see
     * {@link ProviderWorker#httpUrl()}. Everything closes with the worker.
     *
     * @throws io.beacon.ops.http.PortInUseException naming {@code http.port} when the port is taken
     */
    public static ProviderWorker start(WorkerConfig config, Topics topics, List<DeploymentEndpoint> deployments,
                                       ProviderSecrets secrets) {
        ProviderKind kind = config.provider();
        // Before anything connects: a missing credential or a cleartext node stops the worker here.
        WorkerPreflight.check(config, deployments, secrets);
        Optional<SSLContext> tls = config.sslContext();
        warnAboutMissingSecrets(kind, secrets);
        // Closed in reverse order if anything below fails to start.
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            ProviderClient client = client(kind, secrets, config.probeTimeout(), config.golemStreaming(),
                    Clock.systemUTC(), tls);
            opened.push(client);
            KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProperties(config),
                    new StringDeserializer(), new ByteArrayDeserializer());
            opened.push(consumer);
            KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProperties(config),
                    new StringSerializer(), new ByteArraySerializer());
            opened.push(producer);
            OpsMetrics metrics = OpsMetrics.create("worker-" + kind.name().toLowerCase(Locale.ROOT));
            opened.push(metrics);
            MetricsBinding consumerMetrics = metrics.bind(consumer);
            opened.push(consumerMetrics);
            MetricsBinding producerMetrics = metrics.bind(producer);
            opened.push(producerMetrics);
            WorkerMetrics workerMetrics = new WorkerMetrics(metrics.registry(), kind, deployments);
            OpsHttpServer http = OpsHttpServer.builder(metrics).host(config.httpHost()).port(config.httpPort())
                    .portSetting(WorkerConfig.HTTP_PORT + " (" + ConfigLoader.envName(WorkerConfig.HTTP_PORT) + ")")
                    .start();
            opened.push(http);
            ProviderWorker worker = new ProviderWorker(config.settings(), deployments, client, consumer, producer,
                    RecordCodec.of(topics, kind), Clock.systemUTC(), workerMetrics)
                    .resolveDeploymentsWith(specResolver(config, secrets))
                    // The worker closes its clients first, then these in this order.
                    .serveHttp(http)
                    .closeAlso(consumerMetrics)
                    .closeAlso(producerMetrics)
                    .closeAlso(metrics);
            // Deployments added or retired while the pipeline runs: known before the first job is taken.
            DeploymentSpecReader reader = new DeploymentSpecReader(new KafkaConsumer<>(deploymentsReaderProperties(config),
                    new StringDeserializer(), new ByteArrayDeserializer()), topics.deployments().name(),
                    topics.deployments().valueSerde().deserializer(), kind, worker::offer).start();
            opened.push(reader);
            worker.closeAlso(reader);
            try {
                if (!reader.awaitCaughtUp(DEPLOYMENTS_CATCH_UP)) {
                    LOG.warn("deployments topic {} not read to its end within {} s: starting with what is known; later"
                            + " records apply as they arrive", topics.deployments().name(),
                            DEPLOYMENTS_CATCH_UP.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the deployments topic", e);
            }
            worker.start();
            LOG.info("worker {} serves GET /metrics and GET /health at {}", worker.workerId(), http.url());
            return worker;
        } catch (RuntimeException e) {
            for (AutoCloseable resource : opened) {
                try {
                    resource.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * How the worker turns a {@code deployments} record into a deployment: its entry parsed as an entry of the
     * provider's variable, with this worker's defaults, then the checks of {@link WorkerPreflight}.
     */
    public static SpecResolver specResolver(WorkerConfig config, ProviderSecrets secrets) {
        ProviderKind kind = config.provider();
        DeploymentEndpoints.Defaults defaults = config.deploymentDefaults();
        boolean allowPlaintext = config.golemAllowPlaintext();
        return spec -> {
            String source = "deployments topic record " + spec.getDeploymentId();
            List<DeploymentEndpoint> parsed = DeploymentEndpoints.parse(kind, spec.getEntry(), defaults, source);
            if (parsed.size() != 1) {
                throw new IllegalArgumentException(source + " must hold one entry, not " + parsed.size());
            }
            DeploymentEndpoint d = parsed.get(0);
            if (!d.id().equals(spec.getDeploymentId())) {
                throw new IllegalArgumentException(source + ": its entry names deployment " + d.id());
            }
            Optional<String> problem = WorkerPreflight.deploymentProblem(d, allowPlaintext, secrets);
            if (problem.isPresent()) {
                throw new IllegalArgumentException(problem.get());
            }
            return d;
        };
    }

    /** The deployments reader's settings: no group (every worker reads every record), nothing committed. */
    static Map<String, Object> deploymentsReaderProperties(WorkerConfig config) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-deployments");
        return props;
    }

    /** The consumer's settings: the {@code kafka.*} pass-through, then what the delivery guarantees need. */
    public static Map<String, Object> consumerProperties(WorkerConfig config) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumerGroup());
        // Offsets are committed by the worker, only up to jobs whose attempt the broker acknowledged.
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A worker killed without a goodbye holds its partitions until its session expires: Kafka's 45 s
        // default stalled every job behind it that long (WorkerBenchmark's kill -9 run). 10 s rides out GC.
        props.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        // The router writes jobs in transactions: a job from an aborted routing must never be called.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(MAX_POLL_RECORDS, config.maxOutstanding()));
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, config.workerId() + "-jobs");
        return props;
    }

    /** The producer's settings: idempotent with acks=all, so an acknowledged attempt is never lost or doubled. */
    public static Map<String, Object> producerProperties(WorkerConfig config) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        // send() must not hold the poll thread for a minute when the broker is away.
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, config.workerId() + "-attempts");
        return props;
    }

    /** The client for {@code kind}, on an HTTP client of its own that it closes; the JDK's CAs for https. */
    public static ProviderClient client(ProviderKind kind, ProviderSecrets secrets, Duration probeTimeout,
                                        boolean golemStreaming, Clock clock) {
        return client(kind, secrets, probeTimeout, golemStreaming, clock, Optional.empty());
    }

    /** The same, trusting {@code tls}'s certificates for https endpoints ({@link WorkerConfig#sslContext()}). */
    public static ProviderClient client(ProviderKind kind, ProviderSecrets secrets, Duration probeTimeout,
                                        boolean golemStreaming, Clock clock, Optional<SSLContext> tls) {
        ExecutorService executor = Executors.newCachedThreadPool(daemonThreads("beacon-http-"
                + kind.name().toLowerCase(Locale.ROOT)));
        HttpClient http = httpClient(executor, tls);
        return switch (kind) {
            case GOLEM -> new OllamaClient(http, clock, secrets, probeTimeout, golemStreaming, executor);
            case MODAL -> new ModalClient(http, clock, secrets, probeTimeout, executor);
            case RUNPOD -> new RunPodClient(http, clock, secrets, probeTimeout, executor);
            default -> {
                executor.shutdownNow();
                throw new IllegalArgumentException("no client for provider kind " + kind);
            }
        };
    }

    /**
     * An HTTP client for provider calls: HTTP/1.1 (plain-http Ollama nodes and simulators do not speak h2c),
     * redirects followed (Modal's 303 to the result URL is re-issued as GET).
     */
    public static HttpClient httpClient(ExecutorService executor) {
        return httpClient(executor, Optional.empty());
    }

    /** The same, with {@code tls} (when present) deciding which https certificates are trusted. */
    public static HttpClient httpClient(ExecutorService executor, Optional<SSLContext> tls) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(CONNECT_TIMEOUT)
                .executor(executor);
        tls.ifPresent(builder::sslContext);
        return builder.build();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void warnAboutMissingSecrets(ProviderKind kind, ProviderSecrets secrets) {
        if (kind == ProviderKind.RUNPOD && secrets.runpodApiKey().isEmpty()) {
            LOG.warn("no RunPod API key configured (RUNPOD_API_KEY or RUNPOD_API_KEY_FILE); calls will be refused"
                    + " unless the endpoint needs none");
        }
        if (kind == ProviderKind.MODAL && !secrets.hasModalProxyAuth()) {
            LOG.info("no Modal proxy credentials configured (MODAL_KEY/MODAL_SECRET or MODAL_API_TOKEN); calling"
                    + " endpoints without proxy auth");
        }
    }

    /**
     * Runs one worker until the process is stopped. Optional argument: a properties file. Everything else
     * comes from {@code BEACON_*} variables, the runner's deployment variables and the secret variables.
     * A missing or invalid setting, deployment list or credential ends the process with exit code 2 and a
     * message naming it.
     */
    public static void main(String[] args) throws InterruptedException {
        Map<String, String> env = System.getenv();
        ProviderWorker worker;
        try {
            WorkerConfig config = WorkerConfig.load(args.length > 0 ? Path.of(args[0]) : null, env, Map.of());
            worker = start(config, config.deployments(env), ProviderSecrets.fromEnvironment(env));
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("beacon worker: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close(SHUTDOWN_TIMEOUT);
            done.countDown();
        }, "beacon-worker-shutdown"));
        done.await();
    }
}
