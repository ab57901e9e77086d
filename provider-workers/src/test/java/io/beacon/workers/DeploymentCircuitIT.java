package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimProvider;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The circuit breaker end to end on a real broker and a simulated Golem node: a node that starts failing is
 * skipped within seconds (circuit OPEN, heartbeat unhealthy, its jobs refused without a call so the router
 * fails them over) and is taken back after it recovers (probes try it: HALF_OPEN, then CLOSED and healthy).
 */
class DeploymentCircuitIT {

    private static final String FLAKY = "golem-cb-flaky";
    private static final String STEADY = "golem-cb-steady";

    private static ProviderSimulator flaky;
    private static ProviderSimulator steady;
    private static IsolatedRun run;
    private static Topics topics;
    private static ProviderWorker worker;
    private static KafkaProducer<String, RoutedJob> jobs;
    private static TopicReader<String, JobAttempt> attempts;
    private static TopicReader<String, ProviderStatus> statuses;

    private static final Map<String, JobAttempt> seenAttempts = new ConcurrentHashMap<>();
    private static final List<ProviderStatus> flakyStatuses = new ArrayList<>();

    @BeforeAll
    static void startEverything() {
        run = IsolatedRun.named("workers-cb-it").partitions(2).start();
        flaky = Sims.start(FLAKY, SimProvider.GOLEM, Duration.ofMillis(50), 4, SimCredentials.none());
        steady = Sims.start(STEADY, SimProvider.GOLEM, Duration.ofMillis(50), 4, SimCredentials.none());
        Map<String, String> settings = run.settings();
        settings.put("provider", "golem");
        settings.put("consumer.group", run.workerGroup(ProviderKind.GOLEM));
        settings.put("worker.id", "golem-cb-worker");
        settings.put("heartbeat.interval.ms", "250");
        settings.put("probe.interval.ms", "250");
        settings.put("probe.timeout.ms", "500");
        settings.put("circuit.window.size", "10");
        settings.put("circuit.minimum.calls", "4");
        settings.put("circuit.open.wait.ms", "1500");
        settings.put("circuit.half.open.calls", "2");
        settings.put("deployments", FLAKY + "=" + flaky.baseUrl() + ";capacity=4," + STEADY + "=" + steady.baseUrl()
                + ";capacity=4");
        WorkerConfig config = WorkerConfig.load(null, Map.of(), settings);
        topics = run.topics();
        worker = WorkerApp.start(config, config.deployments(Map.of()), ProviderSecrets.none());
        jobs = run.producer(topics.providerJobs(ProviderKind.GOLEM));
        attempts = run.reader(topics.attempts());
        statuses = run.reader(topics.status());
    }

    @AfterAll
    static void stopEverything() {
        if (worker != null) {
            worker.close(Duration.ofSeconds(10));
        }
        for (AutoCloseable c : new AutoCloseable[] {jobs, attempts, statuses, flaky, steady, run}) {
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
        }
    }

    private static void readStatuses() {
        for (ConsumerRecord<String, ProviderStatus> r : statuses.poll()) {
            if (r.key().equals(FLAKY)) {
                flakyStatuses.add(r.value());
            }
        }
    }

    private static ProviderStatus latestFlaky() {
        return flakyStatuses.isEmpty() ? null : flakyStatuses.get(flakyStatuses.size() - 1);
    }

    private static List<String> route(String prefix, int count) {
        DeploymentEndpoint d = worker.deployments().stream().filter(e -> e.id().equals(FLAKY)).findFirst().orElseThrow();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i + "-" + run.id();
            ids.add(id);
            jobs.send(new ProducerRecord<>(topics.providerJobs(ProviderKind.GOLEM).name(), id,
                    TestJobs.promptJob(id, d, Instant.now().plusSeconds(60))));
        }
        jobs.flush();
        return ids;
    }

    private static void awaitAttempts(List<String> ids) {
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
            readAttempts();
            return seenAttempts.keySet().containsAll(ids);
        });
    }

    @Test
    void shouldSkipAFailingDeploymentWithinSecondsAndTakeItBackAfterItRecovers() {
        // Given the flaky node is healthy with a closed circuit
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
            readStatuses();
            ProviderStatus s = latestFlaky();
            return s != null && s.getHealthy() && s.getCircuitState() == CircuitState.CLOSED;
        });

        // When it starts failing every call and the router keeps sending it jobs
        flaky.faults().failAll(500);
        Instant failingSince = Instant.now();
        long requestsBefore = flaky.stats().requestsTotal();
        List<String> doomed = route("cb-fail", 16);

        // Then every job gets a retryable attempt quickly, most of them refused by the open circuit without a call
        awaitAttempts(doomed);
        assertThat(doomed).allSatisfy(id -> assertThat(seenAttempts.get(id).getOutcome())
                .isEqualTo(AttemptOutcome.RETRYABLE_FAILURE));
        long refused = doomed.stream().filter(id -> "circuit open for golem-cb-flaky"
                .equals(seenAttempts.get(id).getError())).count();
        long called = flaky.stats().requestsTotal() - requestsBefore;
        assertThat(refused).as("jobs refused without a call").isGreaterThanOrEqualTo(8);
        assertThat(called).as("calls that reached the failing node").isLessThanOrEqualTo(16 - refused);
        assertThat(Duration.between(failingSince, Instant.now())).isLessThan(Duration.ofSeconds(10));

        // And its heartbeat says OPEN and unhealthy within a few seconds
        await().atMost(Duration.ofSeconds(5)).pollInSameThread().until(() -> {
            readStatuses();
            ProviderStatus s = latestFlaky();
            return s.getCircuitState() == CircuitState.OPEN && !s.getHealthy()
                    && s.getObservedAt().isAfter(failingSince);
        });
        assertThat(latestFlaky().getError()).contains("circuit open");

        // When the node recovers
        flaky.faults().recover();
        Instant recoveredAt = Instant.now();
        int seenBefore = flakyStatuses.size();

        // Then probes try it (HALF_OPEN) and the circuit closes: healthy again within seconds
        await().atMost(Duration.ofSeconds(15)).pollInSameThread().until(() -> {
            readStatuses();
            ProviderStatus s = latestFlaky();
            return s.getCircuitState() == CircuitState.CLOSED && s.getHealthy();
        });
        List<CircuitState> afterRecovery = flakyStatuses.subList(seenBefore, flakyStatuses.size()).stream()
                .map(ProviderStatus::getCircuitState).toList();
        assertThat(afterRecovery).containsSubsequence(CircuitState.HALF_OPEN, CircuitState.CLOSED);
        assertThat(Duration.between(recoveredAt, Instant.now())).isLessThan(Duration.ofSeconds(10));

        // And jobs routed to it succeed again
        List<String> back = route("cb-back", 4);
        awaitAttempts(back);
        assertThat(back).allSatisfy(id -> assertThat(seenAttempts.get(id).getOutcome())
                .isEqualTo(AttemptOutcome.SUCCEEDED));
    }
}
