package io.beacon.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.TopicSpec;
import io.beacon.schemas.topics.Topics;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router on a real KRaft broker under exactly-once: jobs in, routed jobs out, attempts in, exactly
 * one result per job out; undecodable bytes to the dead-letter topic while the router keeps going.
 */
class RouterAppIT {

    private IsolatedRun run;
    private Map<String, String> settings;
    private Topics topics;
    private RouterApp router;

    @BeforeEach
    void startRouter() throws Exception {
        run = IsolatedRun.start("router-it");
        topics = run.topics();
        settings = run.settings();
        settings.put("lag.poll.interval.ms", "500");
        settings.put("state.dir", Files.createTempDirectory("router-it").toString());
        router = RouterApp.start(new RouterConfig(settings));
        assertThat(router.awaitRunning(Duration.ofSeconds(60))).isTrue();
    }

    @AfterEach
    void stopRouter() {
        router.close(Duration.ofSeconds(10));
        run.close();
    }

    @Test
    void shouldGiveEveryJobExactlyOneResultAndDeadLetterUndecodableBytes() throws Exception {
        // Given a healthy Golem deployment
        send(topics.status(), "golem-it-1", ProviderStatus.newBuilder().setDeploymentId("golem-it-1")
                .setProvider(ProviderKind.GOLEM).setRegion("eu-central").setModels(List.of("llama3.2:1b"))
                .setProviderModels(Map.of("llama3.2:1b", "llama3.2:1b-instruct-q8_0"))
                .setPricePerSecondUsd(0.0001).setCapacity(100).setInFlight(0).setHealthy(true)
                .setObservedAt(Instant.now().plusSeconds(60)).setWorkerId("it").build());
        await().atMost(Duration.ofSeconds(20)).until(() -> router.deployments().size() == 1);

        // When garbage and then 20 jobs arrive
        run.send(IsolatedRun.bytesOf(topics.requests()), "junk".getBytes(StandardCharsets.UTF_8),
                "this is not avro".getBytes(StandardCharsets.UTF_8));
        int jobs = 20;
        for (int i = 0; i < jobs; i++) {
            String id = "job-" + i;
            send(topics.requests(), id, InferenceRequest.newBuilder().setJobId(id).setModel("llama3.2:1b")
                    .setPrompt("prompt " + i).setCreatedAt(Instant.now()).build());
        }

        // Then each is routed once to Golem; a worker's answers (one duplicated) give one result per job
        List<RoutedJob> routed = readAtLeast(topics.providerJobs(ProviderKind.GOLEM), jobs, Duration.ofSeconds(30));
        assertThat(routed).extracting(RoutedJob::getJobId).doesNotHaveDuplicates().hasSize(jobs);
        for (RoutedJob job : routed) {
            JobAttempt attempt = JobAttempt.newBuilder().setJobId(job.getJobId()).setDeploymentId(job.getDeploymentId())
                    .setProvider(job.getProvider()).setRegion(job.getRegion()).setAttempt(job.getAttempt())
                    .setOutcome(AttemptOutcome.SUCCEEDED).setResponse("answer to " + job.getJobId())
                    .setStartedAt(Instant.now()).setFinishedAt(Instant.now()).setProviderTimeMs(900)
                    .setBilledSeconds(0.9).setCostEstimateUsd(0.00009).setWorkerId("it").build();
            send(topics.attempts(), job.getJobId(), attempt);
            send(topics.costLedger(), job.getDeploymentId(), ledgerEntry(job, CostKind.ATTEMPT, 0.00009));
            if (job.getJobId().equals("job-0")) {
                // The duplicate was a second call the worker paid for: its ledger entry counts too
                send(topics.attempts(), job.getJobId(), attempt);
                send(topics.costLedger(), job.getDeploymentId(), ledgerEntry(job, CostKind.ATTEMPT, 0.00009));
            }
        }
        send(topics.costLedger(), "golem-it-1", ledgerEntry(routed.get(0), CostKind.IDLE, 0.0002));
        List<InferenceResult> results = readAtLeast(topics.results(), jobs, Duration.ofSeconds(30));
        assertThat(results).hasSize(jobs).extracting(InferenceResult::getJobId).doesNotHaveDuplicates();
        assertThat(results).allSatisfy(r -> {
            assertThat(r.getSuccess()).isTrue();
            assertThat(r.getResponse()).isEqualTo("answer to " + r.getJobId());
            assertThat(r.getProviderUsed()).isEqualTo("golem-it-1");
            assertThat(r.getInferenceTime()).isEqualTo(0.9);
            assertThat(r.getCostEstimate()).isEqualTo(0.00009);
        });
        List<ConsumerRecord<byte[], byte[]>> dead;
        try (TopicReader<byte[], byte[]> dlq = run.reader(topics.requestsDlq())) {
            dead = dlq.awaitAtLeast(1, Duration.ofSeconds(20));
        }
        assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("junk");
        assertThat(dead.get(0).headers().lastHeader("__streams.errors.exception")).isNotNull();

        // And the HTTP API reports the deployment in the runner's health shape
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(router.httpUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"providers_total\":1").contains("\"providers_healthy\":1")
                .contains("\"regions\":[\"eu-central\"]");

        // And /metrics carries the runner guide's metric names for those jobs, with provider and region, and every
        // dollar of the cost ledger (21 attempts and the idle time) where it was spent
        HttpClient client = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.send(HttpRequest.newBuilder(
                URI.create(router.httpUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body())
                .containsPattern("beacon_cost_usd_total\\{[^}]*kind=\"idle\"[^}]*provider=\"golem\"[^}]*} 2\\.0E-4"));
        String metrics = client.send(HttpRequest.newBuilder(URI.create(router.httpUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics)
                .containsPattern("hybrid_requests_total\\{[^}]*provider=\"golem\"[^}]*region=\"eu-central\"[^}]*"
                        + "status=\"success\"[^}]*} 20\\.0")
                .containsPattern("hybrid_request_duration_seconds_count\\{[^}]*provider=\"golem\"[^}]*} 20")
                .containsPattern("hybrid_cost_total\\{[^}]*provider=\"golem\"[^}]*} 0\\.0020[89]")
                .containsPattern("beacon_routing_decisions_total\\{[^}]*reason=\"baseline\"[^}]*} 20\\.0")
                .contains("kafka_stream_").contains("jvm_memory_used_bytes");
        // And /providers shows the deployment's ledger money over its successes, and its model by both names
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.send(HttpRequest.newBuilder(
                URI.create(router.httpUrl() + "/providers")).build(), HttpResponse.BodyHandlers.ofString()).body())
                .contains("\"models\":[\"llama3.2:1b\"]")
                .contains("\"provider_models\":{\"llama3.2:1b\":\"llama3.2:1b-instruct-q8_0\"}")
                .contains("\"idle_cost_usd_total\":2.0E-4").containsPattern("\"cost_usd_total\":0\\.0020[89]")
                .containsPattern("\"cost_per_inference_usd\":(1\\.04|9\\.9)"));
        // And the dead-letter counter and /lag see what the router and the (absent) workers did
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String lag = client.send(HttpRequest.newBuilder(URI.create(router.httpUrl() + "/lag")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(lag).contains("\"group\":\"" + run.applicationId() + "\"");
            assertThat(client.send(HttpRequest.newBuilder(URI.create(router.httpUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).containsPattern("beacon_dlq_records_total\\{[^}]*} [1-9]");
        });
        HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(router.httpUrl() + "/dashboard/"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<html");
    }

    @Test
    void shouldFinishAJobWhoseRequestAProducerPutInAnotherPartitionThanJavasHash() throws Exception {
        // Given a deployment, and a job produced the way a librdkafka runner might: not where murmur2 puts it
        send(topics.status(), "golem-it-2", ProviderStatus.newBuilder().setDeploymentId("golem-it-2")
                .setProvider(ProviderKind.GOLEM).setRegion("eu-central").setModels(List.of("llama3.2:1b"))
                .setProviderModels(Map.of("llama3.2:1b", "llama3.2:1b-instruct-q8_0"))
                .setPricePerSecondUsd(0.0001).setCapacity(100).setInFlight(0).setHealthy(true)
                .setObservedAt(Instant.now().plusSeconds(60)).setWorkerId("it").build());
        await().atMost(Duration.ofSeconds(20)).until(() -> router.deployments().size() == 1);
        String id = "foreign-partitioner-job";
        int javaPartition = org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % 3;
        int elsewhere = (javaPartition + 1) % 3;
        run.send(topics.requests(), elsewhere, id, InferenceRequest.newBuilder()
                .setJobId(id).setModel("llama3.2:1b").setPrompt("p").setCreatedAt(Instant.now()).build());

        // When the worker answers in the partition the routed job names
        RoutedJob job = readAtLeast(topics.providerJobs(ProviderKind.GOLEM), 1, Duration.ofSeconds(30)).get(0);
        assertThat(job.getJobPartition()).isEqualTo(elsewhere);
        JobAttempt attempt = JobAttempt.newBuilder().setJobId(id).setDeploymentId(job.getDeploymentId())
                .setProvider(job.getProvider()).setRegion(job.getRegion()).setAttempt(job.getAttempt())
                .setOutcome(AttemptOutcome.SUCCEEDED).setResponse("ok").setStartedAt(Instant.now())
                .setFinishedAt(Instant.now()).setProviderTimeMs(100).setBilledSeconds(0.1)
                .setCostEstimateUsd(0.00001).setWorkerId("it").build();
        run.send(topics.attempts(), job.getJobPartition(), id, attempt);

        // Then the job finishes, and its state can be queried
        List<InferenceResult> results = readAtLeast(topics.results(), 1, Duration.ofSeconds(30));
        assertThat(results).singleElement().satisfies(r -> assertThat(r.getSuccess()).isTrue());
        HttpResponse<String> state = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(router.httpUrl() + "/jobs/" + id)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(state.statusCode()).isEqualTo(200);
        assertThat(state.body()).contains("\"phase\":\"succeeded\"");
    }

    @Test
    void shouldAnswerAJobQueryFromEitherInstance() throws Exception {
        // Given a second instance of the same application sharing the partitions
        Map<String, String> second = new HashMap<>(settings);
        second.put("state.dir", Files.createTempDirectory("router-it-2").toString());
        try (RouterApp other = RouterApp.start(new RouterConfig(second))) {
            assertThat(other.awaitRunning(Duration.ofSeconds(60))).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> router.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING
                    && other.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);

            // When jobs arrive (no deployment exists, so they wait in the job-state store)
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = "iq-" + i;
                ids.add(id);
                send(topics.requests(), id, InferenceRequest.newBuilder().setJobId(id).setModel("llama3.2:1b")
                        .setPrompt("p").setCreatedAt(Instant.now()).build());
            }

            // Then every job is visible through either instance, some answered by the other one
            HttpClient client = HttpClient.newHttpClient();
            java.util.Set<String> servers = new java.util.HashSet<>();
            for (String id : ids) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
                            URI.create(router.httpUrl() + "/jobs/" + id)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                    assertThat(answer.body()).contains("\"job_id\":\"" + id + "\"").contains("\"phase\":\"waiting\"");
                    servers.add(answer.body().replaceAll(".*\"served_by\":\"([^\"]+)\".*", "$1"));
                });
            }
            assertThat(servers).hasSize(2);
            HttpResponse<String> missing = client.send(HttpRequest.newBuilder(
                    URI.create(other.httpUrl() + "/jobs/no-such-job")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
        }
    }

    private static CostEntry ledgerEntry(RoutedJob job, CostKind kind, double amount) {
        Instant now = Instant.now();
        return CostEntry.newBuilder().setDeploymentId(job.getDeploymentId()).setProvider(job.getProvider())
                .setRegion(job.getRegion()).setKind(kind).setJobId(kind == CostKind.ATTEMPT ? job.getJobId() : null)
                .setAttempt(kind == CostKind.ATTEMPT ? job.getAttempt() : 0)
                .setOutcome(kind == CostKind.ATTEMPT ? AttemptOutcome.SUCCEEDED : null).setPeriodStart(now.minusSeconds(1))
                .setPeriodEnd(now).setUnitSeconds(0.9).setAmountUsd(amount).setWorkerId("it").build();
    }

    private <V> void send(TopicSpec<String, V> topic, String key, V value) {
        run.send(topic, key, value);
    }

    /** At least {@code count} records' values, read on for 2 s more: a duplicate would show up then. */
    private <V> List<V> readAtLeast(TopicSpec<String, V> topic, int count, Duration timeout) {
        try (TopicReader<String, V> reader = run.reader(topic)) {
            reader.awaitAtLeast(count, timeout);
            reader.readFor(Duration.ofSeconds(2));
            return reader.values();
        }
    }
}
