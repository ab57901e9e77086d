package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.registry.RegistryHttpServer;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimProvider;
import io.beacon.testsupport.GroupOffsets;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import io.beacon.workers.core.DeploymentEndpoint;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker killed with {@code kill -9} while calls are in flight loses no job. The worker runs as a separate
 * JVM ({@link WorkerApp#main}) against the shared broker, a schema registry served over HTTP and a simulated
 * Golem node slow enough (500 ms, 16 calls at once) that many calls are in flight when it dies; a second
 * worker process in the same consumer group then takes over from the committed offsets.
 *
 * <p>What the test asserts and why: every job gets at least one attempt (offsets are committed only past
 * jobs whose attempt the broker acknowledged, so what the dead worker had not finished is re-delivered).
 * Duplicates, i.e. two attempts for the same job and attempt number, are expected: a job whose attempt was
 * published after the last offset commit is attempted again. They are counted and logged, and bounded by the
 * worker's {@code max.outstanding}; the router, which is not part of this test, absorbs them by keeping the
 * first attempt it reads for each job and attempt number.
 */
class WorkerCrashRecoveryIT {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerCrashRecoveryIT.class);
    private static final int JOBS = 200;
    private static final int MAX_OUTSTANDING = 64;
    private static final int PARTITIONS = 3;
    private static final String DEPLOYMENT = "golem-crash";

    private final List<Process> processes = new ArrayList<>();
    private RegistryHttpServer registry;
    private ProviderSimulator node;
    private IsolatedRun run;
    private Topics topics;
    private GroupOffsets offsets;
    private TopicReader<String, JobAttempt> attempts;
    private Path workDir;
    private String group;

    @BeforeEach
    void setUp() throws IOException {
        registry = new RegistryHttpServer(new InMemorySchemaRegistry(), "127.0.0.1", 0).start();
        node = Sims.start(DEPLOYMENT, SimProvider.GOLEM, Duration.ofMillis(500), 16, SimCredentials.none());
        // The worker process reaches the registry over HTTP; the run's settings name it, and the topics.
        run = IsolatedRun.named("crash-it").registryUrl(registry.url()).partitions(PARTITIONS).start();
        workDir = Files.createDirectories(Path.of("target", run.id()));
        group = run.workerGroup(ProviderKind.GOLEM);
        topics = run.topics();
        offsets = new GroupOffsets(run.bootstrapServers());
        attempts = run.reader(topics.attempts());
    }

    @AfterEach
    void tearDown() {
        for (Process p : processes) {
            stop(p);
        }
        for (AutoCloseable c : new AutoCloseable[] {attempts, offsets, node, run, registry}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    /** Ends a worker process by its PID: SIGTERM (the worker drains and commits), then SIGKILL if it hangs. */
    private static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    private Path workerProperties() throws IOException {
        Properties props = new Properties();
        // The run's settings: its broker, registry, topic names and a free port for GET /metrics each.
        run.settings().forEach(props::setProperty);
        props.setProperty("provider", "golem");
        props.setProperty("consumer.group", group);
        props.setProperty("deployments", DEPLOYMENT + "=" + node.baseUrl() + ";region=eu-central;capacity=16");
        props.setProperty("max.outstanding", Integer.toString(MAX_OUTSTANDING));
        // The dead worker's partitions move on when its group session expires: keep that short for the test.
        props.setProperty("kafka.session.timeout.ms", "6000");
        props.setProperty("kafka.heartbeat.interval.ms", "1000");
        Path file = workDir.resolve("worker.properties");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(out, "WorkerCrashRecoveryIT " + run.id());
        }
        return file;
    }

    /** Starts {@link WorkerApp#main} in its own JVM, on this test JVM's classpath, logging to a file. */
    private Process startWorkerProcess(Path properties, int n) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Failsafe runs tests from a manifest-only jar; this property holds the real classpath.
        String classpath = System.getProperty("surefire.test.class.path", "");
        if (classpath.isBlank()) {
            classpath = System.getProperty("java.class.path");
        }
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", classpath,
                WorkerApp.class.getName(), properties.toString());
        builder.redirectErrorStream(true);
        builder.redirectOutput(workDir.resolve("worker-" + n + ".log").toFile());
        Process p = builder.start();
        processes.add(p);
        LOG.info("worker process {} started: pid {}", n, p.pid());
        return p;
    }

    private List<String> produceJobs() throws Exception {
        DeploymentEndpoint d = new DeploymentEndpoint(DEPLOYMENT, ProviderKind.GOLEM, "eu-central", node.baseUrl(),
                List.of(TestJobs.MODEL), 0.0001, 16, Duration.ofSeconds(30));
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, RoutedJob> producer = run.producer(topics.providerJobs(ProviderKind.GOLEM))) {
            for (int i = 0; i < JOBS; i++) {
                String id = "crash-job-" + i + "-" + run.id();
                ids.add(id);
                // One at a time, each acknowledged: a send right after the topics were created may meet a
                // metadata error, and a failed batch must fail the set-up, not pass for a job the worker lost.
                producer.send(new ProducerRecord<>(topics.providerJobs(ProviderKind.GOLEM).name(), id,
                        TestJobs.promptJob(id, d, Instant.now().plus(Duration.ofMinutes(5))))).get();
            }
            producer.flush();
        }
        return ids;
    }

    private int read(List<JobAttempt> into) {
        List<ConsumerRecord<String, JobAttempt>> records = attempts.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, JobAttempt> r : records) {
            into.add(r.value());
        }
        return records.size();
    }

    private long committedTotal() {
        return offsets.committedTotal(group);
    }

    private long endOffsetsTotal() {
        return offsets.endOffsetsTotal(topics.providerJobs(ProviderKind.GOLEM).name());
    }

    @Test
    void shouldLoseNoJobWhenAWorkerIsKilledWithCallsInFlightAndCountTheDuplicates() throws Exception {
        // Given 200 routed jobs and a worker process calling a slow node, 16 calls at a time
        List<String> ids = produceJobs();
        Path properties = workerProperties();
        Process first = startWorkerProcess(properties, 1);
        List<JobAttempt> seen = new ArrayList<>();

        // When some attempts are out and calls are in flight
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
            read(seen);
            return seen.size() >= 30 && node.stats().inFlight() >= 8;
        });
        int inFlightAtKill = node.stats().inFlight();
        int attemptsBeforeKill = seen.size();

        // And the worker is killed with SIGKILL: no shutdown hook, no drain, no commit
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(first.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as("exit status of a process killed by SIGKILL").isEqualTo(137);
        long committedAtKill = committedTotal();

        // And a new worker process joins the group
        startWorkerProcess(properties, 2);

        // Then every job gets an attempt: none is lost
        await().atMost(Duration.ofSeconds(120)).pollInSameThread().until(() -> {
            read(seen);
            return seen.stream().map(JobAttempt::getJobId).collect(Collectors.toSet()).containsAll(ids);
        });
        // And once the new worker has committed everything, no attempt is still on its way
        long end = endOffsetsTotal();
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
            read(seen);
            return committedTotal() == end;
        });
        await().atMost(Duration.ofSeconds(10)).pollInSameThread().until(() -> read(seen) == 0);

        Map<String, Long> perJobAndAttempt = seen.stream().collect(Collectors.groupingBy(
                a -> a.getJobId() + "#" + a.getAttempt(), Collectors.counting()));
        long duplicates = perJobAndAttempt.values().stream().mapToLong(n -> n - 1).sum();
        Set<String> workers = seen.stream().map(JobAttempt::getWorkerId).collect(Collectors.toSet());
        LOG.info("crash recovery: {} jobs, {} attempts before the kill, {} calls in flight at the kill, {} offsets"
                        + " committed at the kill, {} attempts in all, {} duplicate attempts (same job and attempt"
                        + " number), workers {}", JOBS, attemptsBeforeKill, inFlightAtKill, committedAtKill,
                seen.size(), duplicates, workers);

        assertThat(perJobAndAttempt.keySet()).hasSize(JOBS);
        assertThat(seen).allSatisfy(a -> assertThat(a.getOutcome()).isEqualTo(AttemptOutcome.SUCCEEDED));
        assertThat(workers).as("attempts from both worker processes").hasSize(2);
        assertThat(duplicates).as("duplicates are bounded by the jobs outstanding at the crash")
                .isLessThanOrEqualTo(MAX_OUTSTANDING);
        assertThat(seen.size()).isEqualTo(JOBS + (int) duplicates);
    }
}
