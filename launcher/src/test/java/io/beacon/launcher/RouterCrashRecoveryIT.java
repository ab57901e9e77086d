package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.launcher.stack.DemoFleet;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.registry.RegistryHttpServer;
import io.beacon.schemas.topics.TopicSpec;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimulatorFleet;
import io.beacon.testsupport.GroupOffsets;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.ProviderWorker;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's crash guarantee on the real broker. The router runs as its own JVM and is killed with
 * {@code kill -9} while jobs are in flight (answered by a provider and not yet final, being called,
 * waiting in its input) and more keep coming, then a new router process takes over with the same
 * application.id and state directory. Exactly-once processing must still give every job exactly one
 * final result: nothing lost with the dead process, nothing answered twice by its successor.
 *
 * <p>Broker, schema registry (over HTTP, shared with the router process), provider simulators and
 * workers run in the test JVM; only the router is killed. The routers' logs are kept in
 * {@code target/router-crash-recovery-<run>/}; their state directory there is deleted after the test.
 */
class RouterCrashRecoveryIT {

    private static final Logger LOG = LoggerFactory.getLogger(RouterCrashRecoveryIT.class);

    private static final int JOBS = 200;
    /** Sent before the kill; the rest arrive while no router processes anything. */
    private static final int JOBS_BEFORE_KILL = 150;
    /** 40 jobs a second, more than the fleet answers: jobs queue and run everywhere when the kill comes. */
    private static final Duration SEND_INTERVAL = Duration.ofMillis(25);
    /** Kill once a third of the jobs are answered: well into the run, far from its end. */
    private static final int RESULTS_BEFORE_KILL = JOBS / 3;
    private static final List<ProviderKind> KINDS = List.of(ProviderKind.GOLEM, ProviderKind.MODAL,
            ProviderKind.RUNPOD);
    /** What the router logs when it meets the leftovers of a crash: re-delivered or outdated attempts. */
    private static final List<String> RECOVERY_LOG_MARKERS = List.of("stale attempt", "duplicate attempt",
            "duplicate request", "for an unknown job", "no candidate", "job failed", "stream thread failed",
            " WARN ", " ERROR ");

    private final List<RouterProcess> routers = new ArrayList<>();
    private final List<ProviderWorker> workers = new ArrayList<>();
    private RegistryHttpServer registry;
    private IsolatedRun run;
    private Path logDir;
    private SimulatorFleet fleet;
    private Topics topics;
    private Map<String, String> routerSettings;
    private Path stateDir;

    @BeforeEach
    void startRegistryTopicsProvidersAndWorkers() throws IOException {
        registry = new RegistryHttpServer(new InMemorySchemaRegistry(), "127.0.0.1", 0).start();
        // The router process reaches the registry over HTTP; the run's settings name it, and the topics.
        run = IsolatedRun.named("router-crash-recovery").registryUrl(registry.url()).start();
        logDir = Path.of("target", run.id()).toAbsolutePath();
        Map<String, String> settings = run.settings();
        topics = run.topics();

        fleet = SimulatorFleet.start(SimulatorFleet.demoDeployments(), "127.0.0.1", 0, SimCredentials.none());
        for (ProviderKind kind : KINDS) {
            String provider = kind.name().toLowerCase(Locale.ROOT);
            Map<String, String> workerSettings = new LinkedHashMap<>(settings);
            workerSettings.put(WorkerConfig.PROVIDER, provider);
            // Simulators started without credentials: the workers need none.
            workerSettings.put(WorkerConfig.ENDPOINTS_SIMULATORS, "true");
            // Own groups: other tests on the shared broker use the default beacon-worker-* groups.
            workerSettings.put(WorkerConfig.CONSUMER_GROUP, run.workerGroup(kind));
            workers.add(WorkerApp.start(new WorkerConfig(workerSettings), DemoFleet.endpoints(fleet.simulators(), kind),
                    ProviderSecrets.none()));
        }

        // The state directory outlives the killed process: the new one must find (and distrust) its leftovers.
        stateDir = Files.createDirectories(logDir.resolve("state"));
        routerSettings = new LinkedHashMap<>(settings);
        routerSettings.put(RouterConfig.STATE_DIR, stateDir.toString());
        // The killed router never leaves its consumer group: the broker drops it only when its session
        // times out, and until then the new router gets no tasks. Kafka's default of 45 s would make that
        // wait most of this test; 10 s keeps it short and changes nothing about what is committed.
        routerSettings.put(ConfigLoader.KAFKA_PASSTHROUGH_PREFIX + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    }

    @AfterEach
    void stopEverything() throws Exception {
        // Routers first (SIGKILL by pid if one still runs), then the workers, then what they all talk to.
        for (RouterProcess router : routers) {
            router.close();
        }
        for (ProviderWorker worker : workers) {
            worker.close(Duration.ofSeconds(10));
        }
        if (fleet != null) {
            fleet.close();
        }
        if (run != null) {
            run.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (stateDir != null) {
            try (Stream<Path> paths = Files.walk(stateDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void shouldGiveEveryJobExactlyOneResultWhenTheRouterIsKilledWithSigkillMidRunAndRestarted() throws Exception {
        // Given a router process that runs and sees every simulated deployment healthy
        RouterProcess first = startRouter("router-1");
        first.awaitRunning(Duration.ofSeconds(60));
        awaitHealthyDeployments(first, fleet.simulators().size());

        try (ResultReader results = new ResultReader(topics.results());
             JobSender runner = new JobSender(topics.requests())) {
            // When it is killed with kill -9 once a third of the jobs are answered and more are under way,
            runner.sendUpTo(JOBS_BEFORE_KILL);
            results.awaitJobs(RESULTS_BEFORE_KILL, Duration.ofSeconds(30));
            int sentAtKill = runner.sent();
            int answeredAtKill = results.jobs();
            Instant killedAt = Instant.now();
            int exitCode = first.killHard(Duration.ofSeconds(10));

            // ... the runner goes on sending jobs while no router runs,
            runner.sendUpTo(JOBS);
            // ... and a new router process takes over with the same application.id and state directory
            RouterProcess second = startRouter("router-2");
            second.awaitRunning(Duration.ofSeconds(60));
            Instant secondRunningAt = Instant.now();
            runner.awaitSent(JOBS, Duration.ofSeconds(30));
            results.awaitJobs(JOBS, Duration.ofSeconds(60));
            Instant allAnsweredAt = Instant.now();
            // Late duplicates would come from input the new router has not processed yet: wait until it
            // has committed past every request and attempt, then read the results up to their end.
            awaitRouterCaughtUp();
            results.readToEnd(Duration.ofSeconds(30));

            // Then every job has exactly one final result, a successful one
            long answeredByFirst = results.all().stream().filter(r -> r.getCompletedAt().isBefore(killedAt)).count();
            LOG.info("crash summary: {} jobs; {} sent and {} answered (read) when router-1 (pid {}) was killed;"
                            + " {} completed by router-1, {} by router-2; router-1 exit code {}; router-2 RUNNING {} ms"
                            + " after the kill; all jobs answered {} ms after the kill; {} results, {} duplicates",
                    JOBS, sentAtKill, answeredAtKill, first.pid(), answeredByFirst, JOBS - answeredByFirst, exitCode,
                    Duration.between(killedAt, secondRunningAt).toMillis(),
                    Duration.between(killedAt, allAnsweredAt).toMillis(), results.records(), results.duplicates());
            logRecoveryLines(first);
            logRecoveryLines(second);

            assertThat(exitCode).as("router-1 ended by SIGKILL").isEqualTo(RouterProcess.SIGKILL_EXIT_CODE);
            assertThat(first.log()).as("router-1 log: no shutdown hook ran").doesNotContain("router stopped");
            assertThat(answeredAtKill).as("results before the kill").isBetween(RESULTS_BEFORE_KILL, JOBS - 1);
            assertThat(sentAtKill - answeredAtKill).as("jobs in flight at the kill").isPositive();
            assertThat(runner.errors()).as("send errors").isEmpty();
            assertThat(results.duplicatedJobs()).as("jobs with more than one result").isEmpty();
            assertThat(results.byJob().keySet()).containsExactlyInAnyOrderElementsOf(runner.jobIds());
            assertThat(results.records()).isEqualTo(JOBS);
            assertThat(results.all()).allSatisfy(r -> {
                assertThat(r.getSuccess()).as("job %s: %s", r.getJobId(), r.getError()).isTrue();
                assertThat(r.getResponse()).isNotBlank();
                assertThat(r.getProviderUsed()).isNotBlank();
            });
        }
    }

    private RouterProcess startRouter(String name) throws IOException {
        RouterProcess router = RouterProcess.start(name, routerSettings, logDir);
        routers.add(router);
        LOG.info("started {} logging to {}", router, router.logFile());
        return router;
    }

    /** Waits until the router's own health view (its GET /health) counts {@code expected} healthy deployments. */
    private static void awaitHealthyDeployments(RouterProcess router, int expected) {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        HttpRequest health = HttpRequest.newBuilder(router.httpUrl().resolve("/health"))
                .timeout(Duration.ofSeconds(2)).build();
        await(router + " sees every deployment healthy").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    JsonNode body = json.readTree(http.send(health, HttpResponse.BodyHandlers.ofString()).body());
                    return body.path("providers_healthy").asInt() >= expected;
                });
    }

    /**
     * Waits until the router's consumer group has committed the end of the requests and attempts topics:
     * from then on it has nothing left to turn into a result.
     */
    private void awaitRouterCaughtUp() {
        List<String> inputs = List.of(topics.requests().name(), topics.attempts().name());
        try (GroupOffsets offsets = new GroupOffsets(run.bootstrapServers())) {
            await("router-2 committed all its input").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> offsets.committedToEnd(run.applicationId(), inputs));
        }
    }

    /** One line per router: how often it logged each recovery marker, and its first error if any. */
    private static void logRecoveryLines(RouterProcess router) {
        LOG.info("{} log: {}", router, RECOVERY_LOG_MARKERS.stream()
                .map(marker -> "'" + marker.strip() + "' x" + router.logLines(marker).size())
                .collect(Collectors.joining(", ")));
        router.logLines(" ERROR ").stream().findFirst().ifPresent(line -> LOG.info("{} first error: {}", router, line));
    }

    /**
     * Plays the runner: one job every {@link #SEND_INTERVAL} on a scheduler thread, as many as the test
     * has released so far, so the test decides which jobs exist before the kill and which only after.
     */
    private final class JobSender implements AutoCloseable {

        private final TopicSpec<String, InferenceRequest> requests;
        private final KafkaProducer<String, InferenceRequest> producer;
        private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "crash-it-runner");
            thread.setDaemon(true);
            return thread;
        });
        private final AtomicInteger sent = new AtomicInteger();
        private final AtomicInteger released = new AtomicInteger();
        private final Queue<Exception> errors = new ConcurrentLinkedQueue<>();

        JobSender(TopicSpec<String, InferenceRequest> requests) {
            this.requests = requests;
            this.producer = run.producer(requests);
        }

        /** Lets the runner send jobs up to {@code count} in all; the first call starts the schedule. */
        void sendUpTo(int count) {
            if (released.getAndSet(count) == 0) {
                LOG.info("sending jobs, one every {} ms", SEND_INTERVAL.toMillis());
                scheduler.scheduleAtFixedRate(this::sendNext, 0, SEND_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        private void sendNext() {
            int index = sent.get();
            if (index >= released.get()) {
                return;
            }
            try {
                String id = jobId(index);
                producer.send(new ProducerRecord<>(requests.name(), id, InferenceRequest.newBuilder()
                        .setJobId(id).setModel("llama3.2:1b")
                        .setPrompt("Describe a typical day of a nurse in three sentences.")
                        .setRegionPreference(index % 2 == 0 ? "us-east" : "eu-central").setCreatedAt(Instant.now())
                        .setMetadata(Map.of("runner_job_id", "crash-" + index)).build()), (metadata, error) -> {
                            if (error != null) {
                                errors.add(error);
                            }
                        });
            } catch (RuntimeException e) {
                // A throwing task would silently end the schedule; record it and let the assertions say so.
                errors.add(e);
            }
            sent.incrementAndGet();
        }

        int sent() {
            return sent.get();
        }

        void awaitSent(int count, Duration timeout) {
            await(count + " jobs sent").atMost(timeout).until(() -> sent.get() >= count);
            producer.flush();
        }

        List<String> jobIds() {
            return IntStream.range(0, JOBS).mapToObj(this::jobId).toList();
        }

        List<Exception> errors() {
            return List.copyOf(errors);
        }

        private String jobId(int index) {
            return run.id() + "-job-" + index;
        }

        @Override
        public void close() {
            scheduler.shutdownNow();
            producer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Reads the results topic from the start as the runner does (read_committed, so results of aborted
     * transactions never count) and tallies them per job.
     */
    private final class ResultReader implements AutoCloseable {

        /** Assigned, not subscribed: no group, no rebalance, every partition from offset 0. */
        private final TopicReader<String, InferenceResult> reader;
        private final Map<String, List<InferenceResult>> byJob = new HashMap<>();
        private int records;

        ResultReader(TopicSpec<String, InferenceResult> results) {
            this.reader = run.reader(results);
        }

        void awaitJobs(int jobs, Duration timeout) {
            await(jobs + " jobs answered").atMost(timeout).pollInSameThread().pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        poll();
                        return byJob.size() >= jobs;
                    });
        }

        /** Reads until the position reaches the last stable offset of every partition. */
        void readToEnd(Duration timeout) {
            int tallied = reader.records().size();
            List<ConsumerRecord<String, InferenceResult>> all = reader.readToEnd(timeout);
            all.subList(tallied, all.size()).forEach(this::tally);
        }

        private void poll() {
            reader.poll(Duration.ofMillis(200)).forEach(this::tally);
        }

        private void tally(ConsumerRecord<String, InferenceResult> record) {
            byJob.computeIfAbsent(record.key(), key -> new ArrayList<>()).add(record.value());
            records++;
        }

        int jobs() {
            return byJob.size();
        }

        int records() {
            return records;
        }

        int duplicates() {
            return records - byJob.size();
        }

        Set<String> duplicatedJobs() {
            return byJob.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
        }

        Map<String, List<InferenceResult>> byJob() {
            return byJob;
        }

        List<InferenceResult> all() {
            return byJob.values().stream().flatMap(List::stream).toList();
        }

        @Override
        public void close() {
            reader.close();
        }
    }
}
