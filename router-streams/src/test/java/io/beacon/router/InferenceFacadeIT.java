package io.beacon.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import io.beacon.testsupport.IsolatedRun;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /inference} on a real KRaft broker under exactly-once, with the test playing the Golem
 * worker: the runner's payload gets its job's result over Kafka, from either of two router instances,
 * and a job nobody can serve is answered 504 at its time-out instead of hanging.
 */
class InferenceFacadeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "it-token-" + UUID.randomUUID();
    private static final String GUIDE_PAYLOAD = "{\"model\":\"llama3.2:1b\",\"prompt\":\"Describe a typical day of a"
            + " nurse.\",\"temperature\":0.1,\"max_tokens\":512,\"region_preference\":\"us-east\",\"cost_priority\":true}";

    private final HttpClient client = HttpClient.newHttpClient();
    private final List<RouterApp> routers = new ArrayList<>();
    private final AtomicBoolean workerRunning = new AtomicBoolean(true);
    private IsolatedRun run;
    private Map<String, String> settings;
    private Topics topics;
    private Thread worker;
    private KafkaConsumer<String, RoutedJob> workerConsumer;

    @BeforeEach
    void startRouter() throws Exception {
        run = IsolatedRun.start("facade-it");
        topics = run.topics();
        settings = run.settings();
        settings.put("http.auth.token", TOKEN);
        settings.put("state.dir", Files.createTempDirectory("facade-it").toString());
        RouterApp router = RouterApp.start(new RouterConfig(settings));
        routers.add(router);
        assertThat(router.awaitRunning(Duration.ofSeconds(60))).isTrue();
    }

    @AfterEach
    void stopEverything() throws Exception {
        workerRunning.set(false);
        if (workerConsumer != null) {
            workerConsumer.wakeup();
            worker.join(10_000);
        }
        for (int i = routers.size() - 1; i >= 0; i--) {
            routers.get(i).close(Duration.ofSeconds(10));
        }
        run.close();
    }

    @Test
    void shouldAnswerTheRunnersPayloadWithTheResultReadFromKafka() throws Exception {
        // Given a healthy Golem deployment and its worker
        givenAGolemDeploymentWithAWorker();
        RouterApp router = routers.get(0);

        // When the runner posts the guide's payload
        HttpResponse<String> response = post(router, GUIDE_PAYLOAD, TOKEN);

        // Then it gets the guide's InferenceResponse with the job's result
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("success").booleanValue()).isTrue();
        assertThat(body.get("response").textValue()).startsWith("answer to ");
        assertThat(body.get("provider_used").textValue()).isEqualTo("golem-it-1");
        assertThat(body.get("inference_time").doubleValue()).isEqualTo(0.9);
        assertThat(body.get("cost_estimate").doubleValue()).isEqualTo(0.00009);
        assertThat(body.get("error").isNull()).isTrue();
        String jobId = body.get("job_id").textValue();
        assertThat(body.get("response").textValue()).isEqualTo("answer to " + jobId);

        // And the job is visible with the token, the API refuses a caller without it, /health stays open
        HttpResponse<String> job = get(router, "/jobs/" + jobId, TOKEN);
        assertThat(job.statusCode()).as(job.body()).isEqualTo(200);
        assertThat(job.body()).contains("\"phase\":\"succeeded\"");
        assertThat(post(router, GUIDE_PAYLOAD, null).statusCode()).isEqualTo(401);
        assertThat(get(router, "/jobs/" + jobId, null).statusCode()).isEqualTo(401);
        HttpResponse<String> health = get(router, "/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode healthBody = JSON.readTree(health.body());
        assertThat(healthBody.get("status").textValue()).isEqualTo("healthy");
        assertThat(healthBody.get("providers_total").intValue()).isEqualTo(1);
        assertThat(healthBody.get("providers_healthy").intValue()).isEqualTo(1);
        assertThat(healthBody.get("regions").get(0).textValue()).isEqualTo("us-east");
    }

    @Test
    void shouldAnswerEveryRequestWhenTheJobsTaskLivesOnTheOtherInstance() throws Exception {
        // Given two instances sharing the partitions, a deployment and its worker
        Map<String, String> second = new HashMap<>(settings);
        second.put("state.dir", Files.createTempDirectory("facade-it-2").toString());
        RouterApp a = routers.get(0);
        RouterApp b = RouterApp.start(new RouterConfig(second));
        routers.add(b);
        assertThat(b.awaitRunning(Duration.ofSeconds(60))).isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> a.state() == KafkaStreams.State.RUNNING
                && b.state() == KafkaStreams.State.RUNNING);
        givenAGolemDeploymentWithAWorker();

        // When several runners post at once, most to one instance
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            RouterApp target = i % 4 == 3 ? b : a;
            answers.add(client.sendAsync(request(target, "{\"model\":\"llama3.2:1b\",\"prompt\":\"question " + i
                    + "\",\"metadata\":{\"n\":\"" + i + "\"}}", TOKEN), HttpResponse.BodyHandlers.ofString()));
        }

        // Then every one gets its own job's successful result
        Set<String> jobIds = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get();
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("success").booleanValue()).isTrue();
            assertThat(body.get("response").textValue()).isEqualTo("answer to " + body.get("job_id").textValue());
            jobIds.add(body.get("job_id").textValue());
        }
        assertThat(jobIds).hasSize(24);
        // And the jobs were owned by both instances, so some results came from the other one's tasks
        Set<String> owners = new HashSet<>();
        for (String jobId : jobIds) {
            HttpResponse<String> job = get(a, "/jobs/" + jobId, TOKEN);
            assertThat(job.statusCode()).as(job.body()).isEqualTo(200);
            owners.add(JSON.readTree(job.body()).get("served_by").textValue());
        }
        assertThat(owners).hasSize(2);
    }

    @Test
    void shouldAnswer504AtTheTimeOutWhenTheJobGetsNoResultInTime() throws Exception {
        // Given a deployment whose worker never answers
        givenAGolemDeployment();
        RouterApp router = routers.get(0);
        long started = System.nanoTime();

        // When a job with a short time-out is posted
        HttpResponse<String> response = post(router, "{\"model\":\"llama3.2:1b\",\"prompt\":\"p\",\"timeout_seconds\":2}",
                TOKEN);

        // Then the answer is a JSON 504 naming the job, at the time-out, not a hung connection
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("success").booleanValue()).isFalse();
        String jobId = body.get("job_id").textValue();
        assertThat(body.get("error").textValue())
                .isEqualTo("no result within 2 s; the job " + jobId + " may still finish: GET /jobs/" + jobId);
        assertThat(elapsedMs).isBetween(1_900L, 10_000L);
    }

    @Test
    void shouldAnswerAJsonFailureByTheTimeOutWhenNoDeploymentExists() throws Exception {
        // Given no deployment at all
        RouterApp router = routers.get(0);
        long started = System.nanoTime();

        // When a job with a short time-out is posted
        HttpResponse<String> response = post(router, "{\"model\":\"llama3.2:1b\",\"prompt\":\"p\",\"timeout_seconds\":2}",
                TOKEN);

        // Then it is answered by the time-out: 504 when the deadline comes first, or 503 with the router's
        // reason when the router gives up first (it does once its next back-off would pass the deadline,
        // which, with back-offs of 0.5, 1, 2 s checked on a 1 s scan, happens close to the deadline)
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(response.statusCode()).as(response.body()).isIn(503, 504);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("success").booleanValue()).isFalse();
        assertThat(body.get("job_id").textValue()).isNotBlank();
        assertThat(body.get("error").textValue()).isNotBlank();
        assertThat(elapsedMs).isLessThan(4_000L);
        if (response.statusCode() == 503) {
            assertThat(body.get("attempts").intValue()).isZero();
            assertThat(body.get("error").textValue()).contains("llama3.2:1b");
        }
    }

    private void givenAGolemDeploymentWithAWorker() throws Exception {
        givenAGolemDeployment();
        startWorker();
    }

    private void givenAGolemDeployment() throws Exception {
        run.send(topics.status(), "golem-it-1", ProviderStatus.newBuilder()
                .setDeploymentId("golem-it-1").setProvider(ProviderKind.GOLEM).setRegion("us-east")
                .setModels(List.of("llama3.2:1b")).setPricePerSecondUsd(0.0001).setCapacity(100).setInFlight(0)
                .setHealthy(true).setObservedAt(Instant.now().plusSeconds(120)).setWorkerId("it").build());
        for (RouterApp router : routers) {
            await().atMost(Duration.ofSeconds(20)).until(() -> router.deployments().size() == 1);
        }
    }

    private void startWorker() {
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, run.bootstrapServers());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, run.workerGroup(ProviderKind.GOLEM));
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        workerConsumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                topics.providerJobs(ProviderKind.GOLEM).valueSerde().deserializer());
        KafkaProducer<String, JobAttempt> attempts = run.producer(topics.attempts());
        worker = new Thread(() -> playGolemWorker(attempts), "fake-golem-worker");
        worker.start();
    }

    /** Answers every routed job with a successful attempt, as a worker that called Ollama would. */
    private void playGolemWorker(KafkaProducer<String, JobAttempt> attempts) {
        try (KafkaConsumer<String, RoutedJob> consumer = workerConsumer; attempts) {
            consumer.subscribe(List.of(topics.providerJobs(ProviderKind.GOLEM).name()));
            while (workerRunning.get()) {
                for (ConsumerRecord<String, RoutedJob> record : consumer.poll(Duration.ofMillis(100))) {
                    RoutedJob job = record.value();
                    attempts.send(new ProducerRecord<>(topics.attempts().name(), job.getJobId(), JobAttempt.newBuilder()
                            .setJobId(job.getJobId()).setDeploymentId(job.getDeploymentId()).setProvider(job.getProvider())
                            .setRegion(job.getRegion()).setAttempt(job.getAttempt()).setOutcome(AttemptOutcome.SUCCEEDED)
                            .setResponse("answer to " + job.getJobId()).setStartedAt(Instant.now())
                            .setFinishedAt(Instant.now()).setProviderTimeMs(900).setBilledSeconds(0.9)
                            .setCostEstimateUsd(0.00009).setWorkerId("it").build()));
                }
                attempts.flush();
            }
        } catch (WakeupException e) {
            // stopping
        }
    }

    private HttpResponse<String> post(RouterApp router, String payload, String token) throws Exception {
        return client.send(request(router, payload, token), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(RouterApp router, String payload, String token) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(router.httpUrl() + "/inference"))
                .timeout(Duration.ofSeconds(90))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.build();
    }

    private HttpResponse<String> get(RouterApp router, String path, String token) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(router.httpUrl() + path))
                .timeout(Duration.ofSeconds(30)).GET();
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }
}
