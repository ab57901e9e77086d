package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimProvider;
import io.beacon.testsupport.GroupOffsets;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.PrometheusText;
import io.beacon.testsupport.TopicReader;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Golem worker end to end on a real broker: routed jobs in, one attempt per job out, offsets committed to
 * the end, heartbeats per deployment, a failing deployment reported unhealthy within seconds, and all of it
 * visible at GET /metrics on the worker's own port. The tests share one worker and run in any order.
 */
class ProviderWorkerIT {

    private static final int JOBS = 40;

    private static IsolatedRun run;
    private static String group;
    private static ProviderSimulator node1;
    private static ProviderSimulator node2;
    private static WorkerConfig config;
    private static Topics topics;
    private static ProviderWorker worker;
    private static KafkaProducer<String, RoutedJob> jobs;
    private static TopicReader<String, JobAttempt> attempts;
    private static TopicReader<String, ProviderStatus> statuses;
    private static GroupOffsets offsets;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final Map<String, JobAttempt> seenAttempts = new ConcurrentHashMap<>();
    private static final Map<String, ProviderStatus> latestStatus = new HashMap<>();
    private static final List<ProviderStatus> allStatuses = new ArrayList<>();

    @BeforeAll
    static void startEverything() {
        run = IsolatedRun.start("workers-it");
        group = run.workerGroup(ProviderKind.GOLEM);
        node1 = Sims.start("golem-it-1", SimProvider.GOLEM, Duration.ofMillis(80), 4,
                SimCredentials.none());
        node2 = Sims.start("golem-it-2", SimProvider.GOLEM, Duration.ofMillis(80), 4,
                SimCredentials.none());
        Map<String, String> settings = run.settings();
        settings.put("provider", "golem");
        settings.put("consumer.group", group);
        settings.put("worker.id", "golem-it-worker");
        settings.put("heartbeat.interval.ms", "250");
        settings.put("probe.interval.ms", "250");
        settings.put("probe.timeout.ms", "500");
        settings.put("max.outstanding", "16");
        settings.put("deployments", "golem-it-1=" + node1.baseUrl() + ";region=eu-central;price=0.0001;capacity=4,"
                + "golem-it-2=" + node2.baseUrl() + ";region=eu-west;price=0.00012;capacity=4");
        config = WorkerConfig.load(null, Map.of(), settings);
        topics = run.topics();
        worker = WorkerApp.start(config, config.deployments(Map.of()), ProviderSecrets.none());
        jobs = run.producer(topics.providerJobs(ProviderKind.GOLEM));
        attempts = run.reader(topics.attempts());
        statuses = run.reader(topics.status());
        offsets = new GroupOffsets(run.bootstrapServers());
    }

    @AfterAll
    static void stopEverything() {
        if (worker != null) {
            worker.close(Duration.ofSeconds(10));
        }
        for (AutoCloseable c : new AutoCloseable[] {jobs, attempts, statuses, offsets, node1, node2, run}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private static void readAttempts() {
        for (ConsumerRecord<String, JobAttempt> r : attempts.poll()) {
            seenAttempts.put(r.value().getJobId(), r.value());
            assertThat(r.key()).isEqualTo(r.value().getJobId());
        }
    }

    private static void readStatuses() {
        for (ConsumerRecord<String, ProviderStatus> r : statuses.poll()) {
            latestStatus.put(r.key(), r.value());
            allStatuses.add(r.value());
        }
    }

    private static DeploymentEndpoint deployment(String id) {
        return worker.deployments().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    private static void produce(String jobId, String deploymentId) {
        RoutedJob job = TestJobs.promptJob(jobId, deployment(deploymentId), Instant.now().plusSeconds(60));
        jobs.send(new ProducerRecord<>(topics.providerJobs(ProviderKind.GOLEM).name(), jobId, job));
    }

    private static long committedTotal() {
        return offsets.committedTotal(group);
    }

    private static long endOffsetsTotal() {
        return offsets.endOffsetsTotal(topics.providerJobs(ProviderKind.GOLEM).name());
    }

    @Test
    void shouldAttemptEveryJobCommitToTheEndHeartbeatAndReportAFailingDeploymentUnhealthy() throws Exception {
        // Given the worker and both nodes are healthy
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
            readStatuses();
            return latestStatus.containsKey("golem-it-1") && latestStatus.get("golem-it-1").getHealthy()
                    && latestStatus.containsKey("golem-it-2") && latestStatus.get("golem-it-2").getHealthy();
        });
        ProviderStatus heartbeat = latestStatus.get("golem-it-2");
        assertThat(heartbeat.getWorkerId()).isEqualTo("golem-it-worker");
        assertThat(heartbeat.getRegion()).isEqualTo("eu-west");
        assertThat(heartbeat.getPricePerSecondUsd()).isEqualTo(0.00012);
        assertThat(heartbeat.getCapacity()).isEqualTo(4);
        assertThat(heartbeat.getModels()).contains(TestJobs.MODEL);
        assertThat(heartbeat.getProbeLatencyMs()).isNotNull();

        // When N jobs are routed to the two nodes
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            String id = "it-job-" + i + "-" + UUID.randomUUID();
            ids.add(id);
            produce(id, i % 2 == 0 ? "golem-it-1" : "golem-it-2");
        }
        jobs.flush();

        // Then N SUCCEEDED attempts arrive, one per job
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
            readAttempts();
            return seenAttempts.keySet().containsAll(ids);
        });
        List<JobAttempt> ours = ids.stream().map(seenAttempts::get).toList();
        assertThat(ours).allSatisfy(a -> {
            assertThat(a.getOutcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
            assertThat(a.getResponse()).isNotBlank();
            assertThat(a.getWorkerId()).isEqualTo("golem-it-worker");
            assertThat(a.getCostEstimateUsd()).isPositive();
        });
        assertThat(ours.stream().map(JobAttempt::getDeploymentId).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("golem-it-1", "golem-it-2");

        // And the worker's group has committed every offset of the jobs topic
        long end = endOffsetsTotal();
        await().atMost(Duration.ofSeconds(20)).until(() -> committedTotal() == end);
        assertThat(end).isGreaterThanOrEqualTo(JOBS);

        // When node 2 starts failing every call with 503
        node2.faults().failAll(503);
        List<String> failing = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = "it-fail-" + i + "-" + UUID.randomUUID();
            failing.add(id);
            produce(id, "golem-it-2");
        }
        jobs.flush();
        Instant failingSince = Instant.now();

        // Then its jobs get RETRYABLE attempts
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
            readAttempts();
            return seenAttempts.keySet().containsAll(failing);
        });
        // (the node's own 503 after retries, or a refusal once its circuit has opened)
        assertThat(failing).allSatisfy(id -> {
            JobAttempt a = seenAttempts.get(id);
            assertThat(a.getOutcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
            assertThat(a.getError()).containsAnyOf("HTTP 503", "circuit open for golem-it-2");
        });

        // And its heartbeat turns unhealthy within a few seconds while node 1 stays healthy
        await().atMost(Duration.ofSeconds(5)).pollInSameThread().until(() -> {
            readStatuses();
            ProviderStatus s = latestStatus.get("golem-it-2");
            return !s.getHealthy() && s.getObservedAt().isAfter(failingSince);
        });
        assertThat(latestStatus.get("golem-it-2").getError()).isNotBlank();
        assertThat(latestStatus.get("golem-it-1").getHealthy()).isTrue();
        assertThat(Set.copyOf(allStatuses.stream().map(ProviderStatus::getDeploymentId).toList()))
                .contains("golem-it-1", "golem-it-2");
        long endAfter = endOffsetsTotal();
        await().atMost(Duration.ofSeconds(20)).until(() -> committedTotal() == endAfter);
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(worker.httpUrl().orElseThrow() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static PrometheusText scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    /** The value of the one sample named {@code name} whose labels include {@code labels}; NaN when absent. */
    private static double value(PrometheusText samples, String name, Map<String, String> labels) {
        return samples.value(name, labels);
    }

    @Test
    void shouldServeDeploymentGaugesAttemptCountsJvmAndKafkaClientMetricsAtGetMetrics() throws Exception {
        // Given the worker serving on a free port of its own (http.port=0), answering /health
        assertThat(worker.httpPort()).isPositive();
        assertThat(worker.httpUrl()).hasValue("http://127.0.0.1:" + worker.httpPort());
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");

        // When its heartbeats have gone out, each deployment has an in-flight gauge and a reported circuit state
        Map<String, String> node1Labels = Map.of("deployment", "golem-it-1", "provider", "golem");
        Map<String, String> node2Labels = Map.of("deployment", "golem-it-2", "provider", "golem");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            PrometheusText samples = scrape();
            return value(samples, "beacon_deployment_circuit_state", node1Labels) == 0
                    && value(samples, "beacon_deployment_circuit_state", node2Labels) >= 0;
        });
        PrometheusText before = scrape();
        assertThat(value(before, "beacon_deployment_in_flight", node1Labels)).isGreaterThanOrEqualTo(0);
        assertThat(value(before, "beacon_deployment_in_flight", node2Labels)).isGreaterThanOrEqualTo(0);
        // (node 2 is open when the other test made it fail first)
        assertThat(value(before, "beacon_deployment_circuit_state", node2Labels)).isIn(0.0, 1.0, 2.0);
        Map<String, String> succeededOnNode1 = Map.of("deployment", "golem-it-1", "provider", "golem",
                "outcome", "succeeded");
        double attemptsBefore = value(before, "beacon_attempts_total", succeededOnNode1);
        double timedBefore = value(before, "beacon_attempt_duration_seconds_count", node1Labels);
        double secondsBefore = value(before, "beacon_attempt_duration_seconds_sum", node1Labels);
        assertThat(attemptsBefore).isNotNaN();
        assertThat(timedBefore).isNotNaN();

        // When one more job runs on node 1
        String id = "it-metrics-" + UUID.randomUUID();
        produce(id, "golem-it-1");
        jobs.flush();
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
            readAttempts();
            return seenAttempts.containsKey(id);
        });

        // Then it is counted once as succeeded and its provider time (at least the node's 80 ms) is recorded
        await().atMost(Duration.ofSeconds(10)).until(() ->
                value(scrape(), "beacon_attempts_total", succeededOnNode1) == attemptsBefore + 1);
        PrometheusText after = scrape();
        assertThat(value(after, "beacon_attempt_duration_seconds_count", node1Labels)).isEqualTo(timedBefore + 1);
        long providerTimeMs = seenAttempts.get(id).getProviderTimeMs();
        assertThat(providerTimeMs).isGreaterThanOrEqualTo(80);
        assertThat(value(after, "beacon_attempt_duration_seconds_sum", node1Labels) - secondsBefore)
                .isCloseTo(providerTimeMs / 1000.0, offset(1e-6));

        // And the process's JVM metrics and its Kafka clients' own metrics are there, tagged with the worker
        assertThat(after.samples()).anySatisfy(s -> assertThat(s.name()).startsWith("jvm_memory_used_bytes"));
        assertThat(after.samples()).anySatisfy(s -> assertThat(s.name()).startsWith("jvm_threads_live"));
        assertThat(after.samples()).anySatisfy(s -> assertThat(s.name()).startsWith("kafka_consumer_"));
        assertThat(after.samples()).anySatisfy(s -> assertThat(s.name()).startsWith("kafka_producer_"));
        assertThat(after.samples()).allSatisfy(s -> assertThat(s.labels()).containsEntry("application", "worker-golem"));
    }
}
