package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.router.RouterApp;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.LatencyModel;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import io.beacon.workers.ProviderWorker;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import io.beacon.workers.core.ProviderSecrets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leased Golem node joins and another leaves while jobs flow, on a real broker with the real router, a real
 * Golem worker and Ollama simulators: {@code beacon deployments add} (the command's own code path) puts a second
 * node on the deployments topic and it gets jobs within seconds; {@code beacon deployments remove} retires the
 * first, which gets no call afterwards, is reported RETIRED and then deleted from provider-status; and every job
 * sent gets exactly one result.
 */
class DynamicMembershipIT {

    private static final Logger LOG = LoggerFactory.getLogger(DynamicMembershipIT.class);
    private static final String NODE_1 = "golem-member-1";
    private static final String NODE_2 = "golem-member-2";
    private static final Duration JOB_INTERVAL = Duration.ofMillis(125);

    @TempDir
    Path dir;

    private IsolatedRun run;
    private Topics topics;
    private ProviderSimulator node1;
    private ProviderSimulator node2;
    private RouterApp router;
    private ProviderWorker worker;
    private KafkaProducer<String, InferenceRequest> requests;
    private ScheduledExecutorService sender;
    private final Map<String, Instant> sent = new ConcurrentHashMap<>();
    private final AtomicInteger sequence = new AtomicInteger();

    private final Map<String, List<InferenceResult>> results = new HashMap<>();
    private final List<JobAttempt> attempts = new ArrayList<>();
    private final List<ConsumerRecord<String, ProviderStatus>> statuses = new ArrayList<>();
    private TopicReader<String, InferenceResult> resultReader;
    private TopicReader<String, JobAttempt> attemptReader;
    private TopicReader<String, ProviderStatus> statusReader;

    private static ProviderSimulator node(String id) {
        SimulatedDeployment d = SimulatedDeployment.builder(id, SimProvider.GOLEM).region("eu-central")
                .models("llama3.2:1b").capacity(4).latency(LatencyModel.fixed(Duration.ofMillis(150)))
                .coldStart(Duration.ZERO).build();
        return ProviderSimulator.start(d, "127.0.0.1", 0, SimCredentials.none());
    }

    @BeforeEach
    void startRouterWorkerAndOneNode() throws Exception {
        run = IsolatedRun.start("membership");
        topics = run.topics();
        node1 = node(NODE_1);
        node2 = node(NODE_2);
        Map<String, String> routerSettings = run.settings();
        routerSettings.put(RouterConfig.STATE_DIR, Files.createDirectories(dir.resolve("state")).toString());
        router = RouterApp.start(new RouterConfig(routerSettings));
        Map<String, String> workerSettings = run.settings();
        workerSettings.put(WorkerConfig.PROVIDER, "golem");
        workerSettings.put(WorkerConfig.CONSUMER_GROUP, run.workerGroup(ProviderKind.GOLEM));
        workerSettings.put(WorkerConfig.WORKER_ID, "membership-it-golem");
        workerSettings.put(WorkerConfig.DEPLOYMENTS, NODE_1 + "=" + node1.baseUrl() + ";region=eu-central;capacity=4;"
                + "models=llama3.2:1b");
        WorkerConfig config = new WorkerConfig(workerSettings);
        worker = WorkerApp.start(config, config.deployments(Map.of()), ProviderSecrets.none());
        assertThat(router.awaitRunning(Duration.ofSeconds(60))).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> usable(NODE_1));
        requests = run.producer(topics.requests());
        resultReader = run.reader(topics.results());
        attemptReader = run.reader(topics.attempts());
        statusReader = run.reader(topics.status());
    }

    @AfterEach
    void stopEverything() {
        if (sender != null) {
            sender.shutdownNow();
        }
        for (AutoCloseable c : new AutoCloseable[] {requests, resultReader, attemptReader, statusReader}) {
            closeQuietly(c);
        }
        if (worker != null) {
            worker.close(Duration.ofSeconds(10));
        }
        if (router != null) {
            router.close(Duration.ofSeconds(10));
        }
        closeQuietly(node1);
        closeQuietly(node2);
        closeQuietly(run);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // best effort
        }
    }

    private boolean usable(String deploymentId) {
        Instant now = Instant.now();
        return router.deployments().stream().anyMatch(d -> d.getDeploymentId().equals(deploymentId)
                && router.isUsable(d, now));
    }

    /** {@code beacon deployments ...} on this run's cluster and topics, as an operator runs it. */
    private String deployments(String... args) {
        List<String> argv = new ArrayList<>(List.of("deployments"));
        argv.addAll(List.of(args));
        run.settings().forEach((k, v) -> {
            argv.add("--set");
            argv.add(k + "=" + v);
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BeaconCli.run(new PrintWriter(out, true), new PrintWriter(err, true), argv.toArray(String[]::new));
        assertThat(exit).as("beacon deployments %s: %s", args[0], err).isZero();
        return out.toString();
    }

    private void sendJob() {
        String id = "member-" + sequence.incrementAndGet();
        InferenceRequest request = InferenceRequest.newBuilder().setJobId(id).setModel("llama3.2:1b")
                .setPrompt("Describe a typical day of a nurse.").setTemperature(0.1).setMaxTokens(64)
                .setProviderPreference(List.of(ProviderKind.GOLEM)).setAllowFallbacks(false)
                .setCreatedAt(Instant.now()).build();
        requests.send(new ProducerRecord<>(topics.requests().name(), id, request));
        sent.put(id, Instant.now());
    }

    private void readEverything() {
        resultReader.poll().forEach(r -> results.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
        attemptReader.poll().forEach(r -> attempts.add(r.value()));
        statuses.addAll(statusReader.poll());
    }

    private List<JobAttempt> attemptsOn(String deploymentId) {
        return attempts.stream().filter(a -> a.getDeploymentId().equals(deploymentId)).toList();
    }

    /** Attempts that reached the node (a refusal without a call starts and ends at once, with no provider time). */
    private List<JobAttempt> callsOn(String deploymentId) {
        return attemptsOn(deploymentId).stream().filter(a -> a.getOutcome() == AttemptOutcome.SUCCEEDED
                || a.getFinishedAt().isAfter(a.getStartedAt())).toList();
    }

    @Test
    void shouldGiveJobsToANodeAddedWhileJobsFlowAndNoneToANodeRemovedLosingNothing() {
        sender = Executors.newSingleThreadScheduledExecutor();
        sender.scheduleAtFixedRate(this::sendJob, 0, JOB_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        // Given node 1 serving jobs
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
            readEverything();
            return callsOn(NODE_1).size() >= 10;
        });

        // When node 2 is added through the deployments topic
        Instant addedAt = Instant.now();
        String added = deployments("add", "--provider", "golem",
                NODE_2 + "=" + node2.baseUrl() + ";region=eu-central;capacity=4;models=llama3.2:1b");
        Duration addCommand = Duration.between(addedAt, Instant.now());
        assertThat(added).contains("added golem deployment " + NODE_2);

        // Then it gets jobs within seconds
        await().atMost(Duration.ofSeconds(20)).pollInSameThread().until(() -> {
            readEverything();
            return !callsOn(NODE_2).isEmpty();
        });
        Instant firstOnNode2 = callsOn(NODE_2).stream().map(JobAttempt::getStartedAt).min(Instant::compareTo)
                .orElseThrow();
        Duration joinLatency = Duration.between(addedAt, firstOnNode2);
        assertThat(joinLatency).isLessThan(Duration.ofSeconds(10));
        assertThat(deployments("list")).contains(NODE_2).contains("active");

        // When node 1 is removed
        Instant removedAt = Instant.now();
        assertThat(deployments("remove", "--provider", "golem", NODE_1)).contains("retired golem deployment " + NODE_1);

        // Then it is reported RETIRED, then deleted from provider-status (a tombstone)
        await().atMost(Duration.ofSeconds(20)).pollInSameThread().until(() -> {
            readEverything();
            return statuses.stream().anyMatch(r -> r.key().equals(NODE_1) && r.value() != null
                    && r.value().getCondition() == DeploymentCondition.RETIRED);
        });
        Instant retiredReported = statuses.stream().filter(r -> r.key().equals(NODE_1) && r.value() != null
                        && r.value().getCondition() == DeploymentCondition.RETIRED)
                .map(r -> r.value().getObservedAt()).min(Instant::compareTo).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).pollInSameThread().until(() -> {
            readEverything();
            return statuses.stream().anyMatch(r -> r.key().equals(NODE_1) && r.value() == null);
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> router.deployments().stream()
                .noneMatch(d -> d.getDeploymentId().equals(NODE_1)));
        long node1Requests = node1.stats().requestsTotal();

        // While jobs keep coming for a while, only node 2 serves them
        int sentAtRemovalSettled = sequence.get();
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
            readEverything();
            return sequence.get() >= sentAtRemovalSettled + 40;
        });
        sender.shutdownNow();

        // Then every job sent gets exactly one result, all of them successes
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
            readEverything();
            return results.keySet().containsAll(sent.keySet());
        });
        // A late duplicate would show up here: every result read so far, counted afresh
        results.clear();
        resultReader.readFor(Duration.ofSeconds(2)).forEach(r ->
                results.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
        attemptReader.poll();
        attempts.clear();
        attemptReader.records().forEach(r -> attempts.add(r.value()));
        assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
        assertThat(results.values()).allSatisfy(list -> assertThat(list).hasSize(1));
        assertThat(results.values()).allSatisfy(list -> assertThat(list.get(0).getSuccess())
                .as("%s: %s", list.get(0).getJobId(), list.get(0).getError()).isTrue());

        // and node 1 took no call once it was retired
        assertThat(callsOn(NODE_1)).allSatisfy(a -> assertThat(a.getStartedAt()).isBefore(retiredReported));
        assertThat(node1.stats().requestsTotal()).as("requests node 1 received after it left").isEqualTo(node1Requests);
        long onNode2AfterRemoval = results.values().stream().map(list -> list.get(0))
                .filter(r -> r.getCompletedAt().isAfter(retiredReported)).filter(r -> r.getProviderUsed().equals(NODE_2))
                .count();
        assertThat(onNode2AfterRemoval).isGreaterThanOrEqualTo(40);
        Instant lastCallOnNode1 = callsOn(NODE_1).stream().map(JobAttempt::getStartedAt).max(Instant::compareTo)
                .orElseThrow();
        long failedOver = attemptsOn(NODE_1).stream().filter(a -> a.getOutcome() == AttemptOutcome.RETRYABLE_FAILURE)
                .count();
        LOG.info("membership figures: jobs={} results={} add->first call on {}: {} ms (the add command itself: {} ms);"
                        + " remove->RETIRED heartbeat: {} ms;"
                        + " remove->last call start on {}: {} ms; calls on node 1: {}, on node 2: {}; node 1 attempts"
                        + " failed over: {}", sent.size(), results.size(), NODE_2, joinLatency.toMillis(), addCommand.toMillis(),
                Duration.between(removedAt, retiredReported).toMillis(), NODE_1,
                Duration.between(removedAt, lastCallOnNode1).toMillis(), callsOn(NODE_1).size(),
                callsOn(NODE_2).size(), failedOver);
        assertThat(worker.deployments()).extracting(d -> d.id()).containsExactly(NODE_2);
    }
}
