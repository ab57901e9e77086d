package io.beacon.router.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.Topics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /inference} over real HTTP on the router's server, with Kafka mocked: the runner's payload
 * gets the job's result, and every kind of bad request gets its status and a JSON reason.
 */
class InferenceFacadeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "s3cret-token";
    private static final String GUIDE_PAYLOAD = "{\"model\":\"llama3.2:1b\",\"prompt\":\"Describe a typical day of a"
            + " nurse.\",\"temperature\":0.1,\"max_tokens\":512,\"region_preference\":\"us-east\",\"cost_priority\":true}";
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

    private final WireFormatSerdeProvider serdes = new WireFormatSerdeProvider();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger ids = new AtomicInteger();
    private Topics topics;
    private MockConsumer<String, byte[]> consumer;
    private MockProducer<String, InferenceRequest> producer;
    private ResultCorrelator correlator;
    private RouterHttpServer server;
    private InferenceFacade facade;

    /** Starts the router's HTTP server with the facade mounted; {@code ready}: the results reader has its positions. */
    private void start(Optional<String> token, int maxPending, boolean autoComplete, boolean ready) {
        serdes.configure(Map.of("schema.registry.url", "mem://facade-" + UUID.randomUUID()));
        topics = Topics.create(TopicNames.defaults(), serdes);
        consumer = new MockConsumer<>("latest");
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(topics.results().name(), List.of(
                new PartitionInfo(topics.results().name(), 0, node, new Node[] {node}, new Node[] {node})));
        consumer.updateEndOffsets(Map.of(new TopicPartition(topics.results().name(), 0), 0L));
        correlator = new ResultCorrelator(consumer, topics.results().name(),
                topics.results().valueSerde().deserializer(), Duration.ofHours(1));
        if (ready) {
            correlator.initialize();
        }
        producer = new MockProducer<>(autoComplete, null, new StringSerializer(), (topic, value) -> new byte[0]);
        HttpSettings settings = new HttpSettings(4, 1024, Duration.ofSeconds(5), Duration.ofSeconds(60), maxPending, token);
        server = new RouterHttpServer("127.0.0.1", 0, settings.threads(), token);
        facade = new InferenceFacade(producer, topics.requests(), correlator,
                new InferencePayloadParser(32_000, 8_192, settings.defaultTimeout(), settings.maxTimeout()), settings,
                server.executor(), Clock.fixed(NOW, ZoneOffset.UTC), () -> "job-" + ids.incrementAndGet());
        server.mount(InferenceFacade.PATH, facade);
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            facade.drain(Duration.ofSeconds(1));
            server.close();
            facade.close();
        }
        serdes.close();
    }

    @Test
    void shouldAnswerTheRunnersPayloadWithTheJobsFinalResult() throws Exception {
        start(Optional.of(TOKEN), 100, true, true);

        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(post(GUIDE_PAYLOAD).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 1);
        InferenceRequest sent = producer.history().get(0).value();
        deliverResult(InferenceResult.newBuilder().setJobId(sent.getJobId()).setSuccess(true)
                .setResponse("A nurse's day starts early.").setProviderUsed("modal-us-east").setProvider(ProviderKind.MODAL)
                .setRegion("us-east").setInferenceTime(1.5).setCostEstimate(0.0005).setAttempts(1)
                .setRoute(List.of("modal-us-east")).setCreatedAt(NOW).setCompletedAt(NOW).build());
        HttpResponse<String> response = answer.get();

        assertThat(producer.history().get(0).key()).isEqualTo(sent.getJobId()).isEqualTo("job-1");
        assertThat(producer.history().get(0).topic()).isEqualTo("inference-requests");
        assertThat(sent.getDeadline()).isEqualTo(NOW.plusSeconds(5));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("success").booleanValue()).isTrue();
        assertThat(body.get("response").textValue()).isEqualTo("A nurse's day starts early.");
        assertThat(body.get("error").isNull()).isTrue();
        assertThat(body.get("provider_used").textValue()).isEqualTo("modal-us-east");
        assertThat(body.get("inference_time").doubleValue()).isEqualTo(1.5);
        assertThat(body.get("cost_estimate").doubleValue()).isEqualTo(0.0005);
        assertThat(body.get("job_id").textValue()).isEqualTo("job-1");
        assertThat(body.get("attempts").intValue()).isEqualTo(1);
        assertThat(body.get("route").get(0).textValue()).isEqualTo("modal-us-east");
        assertThat(correlator.pending()).isZero();
    }

    @Test
    void shouldAnswerAFinalFailureWith502AndTheRoutersReason() throws Exception {
        start(Optional.empty(), 100, true, true);

        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(post(GUIDE_PAYLOAD).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 1);
        deliverResult(InferenceResult.newBuilder().setJobId("job-1").setSuccess(false)
                .setError("attempt 2 at runpod-us-east failed: HTTP 500").setProviderUsed("").setInferenceTime(0)
                .setCostEstimate(0.0002).setAttempts(2).setRoute(List.of("golem-eu-1", "runpod-us-east"))
                .setCreatedAt(NOW).setCompletedAt(NOW).build());
        HttpResponse<String> response = answer.get();

        assertThat(response.statusCode()).isEqualTo(502);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("success").booleanValue()).isFalse();
        assertThat(body.get("error").textValue()).isEqualTo("attempt 2 at runpod-us-east failed: HTTP 500");
        assertThat(body.get("cost_estimate").doubleValue()).isEqualTo(0.0002);
    }

    @Test
    void shouldMapFinalResultsToStatuses() {
        InferenceResult.Builder result = InferenceResult.newBuilder().setJobId("j").setInferenceTime(0)
                .setCostEstimate(0).setCreatedAt(NOW).setCompletedAt(NOW);

        assertThat(InferenceFacade.status(result.setSuccess(true).setAttempts(1).build())).isEqualTo(200);
        assertThat(InferenceFacade.status(result.setSuccess(false).setAttempts(0).build())).isEqualTo(503);
        assertThat(InferenceFacade.status(result.setSuccess(false).setAttempts(3).build())).isEqualTo(502);
    }

    @Test
    void shouldRefuseMalformedJsonNamingTheBody() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(post("{\"model\": \"llama3.2:1b\", \"prompt\": "));

        assertBadRequest(response, "body", "body: malformed JSON");
    }

    @Test
    void shouldRefuseATemperatureSentAsAString() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(post(GUIDE_PAYLOAD.replace("0.1", "\"0.1\"")));

        assertBadRequest(response, "temperature", "temperature: must be a number, not a string");
    }

    @Test
    void shouldRefuseAPayloadWithoutAPrompt() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(post("{\"model\":\"llama3.2:1b\",\"max_tokens\":512}"));

        assertBadRequest(response, "prompt", "prompt: must not be empty (or give messages)");
    }

    @Test
    void shouldRefuseAPayloadWithoutAModel() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(post("{\"prompt\":\"hello\"}"));

        assertBadRequest(response, "model", "model: is required");
    }

    @Test
    void shouldRefuseZeroNegativeAndHugeMaxTokens() throws Exception {
        start(Optional.empty(), 100, true, true);

        for (String maxTokens : List.of("0", "-1", "100000", "1000000000000")) {
            HttpResponse<String> response = send(post(GUIDE_PAYLOAD.replace("512", maxTokens)));

            assertBadRequest(response, "max_tokens", "max_tokens: " + maxTokens + " is outside 1 to 8192");
        }
    }

    @Test
    void shouldRefuseAnUnknownProvider() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(post("{\"model\":\"m\",\"prompt\":\"p\",\"provider_preference\":\"azure\"}"));

        assertBadRequest(response, "provider_preference", "'azure' is not one of golem, modal, runpod");
    }

    @Test
    void shouldRefuseABodyDeclaredLargerThanTheLimitWithoutReadingIt() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(post("{\"model\":\"m\",\"prompt\":\"" + "x".repeat(2000) + "\"}"));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).get("error").textValue()).contains("limit of 1024 bytes");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void shouldRefuseAChunkedBodyThatGrowsPastTheLimit() throws Exception {
        start(Optional.empty(), 100, true, true);
        byte[] big = ("{\"model\":\"m\",\"prompt\":\"" + "x".repeat(100_000) + "\"}").getBytes(StandardCharsets.UTF_8);

        // An input-stream publisher has no length, so the body is sent chunked with no Content-Length.
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/inference"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).get("success").booleanValue()).isFalse();
    }

    @Test
    void shouldAskForTheTokenWhenOneIsConfigured() throws Exception {
        start(Optional.of(TOKEN), 100, true, true);

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/inference"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(GUIDE_PAYLOAD)));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(JSON.readTree(response.body()).get("error").textValue()).startsWith("missing bearer token");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void shouldRefuseAWrongToken() throws Exception {
        start(Optional.of(TOKEN), 100, true, true);

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/inference"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer not-the-token")
                .POST(HttpRequest.BodyPublishers.ofString(GUIDE_PAYLOAD)));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
        assertThat(JSON.readTree(response.body()).get("error").textValue()).isEqualTo("invalid bearer token");
    }

    @Test
    void shouldRefuseAFormInsteadOfJson() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/inference"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("model=llama3.2:1b")));

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(response.body()).get("error").textValue()).contains("application/json");
    }

    @Test
    void shouldAcceptJsonWithAUtf8Charset() {
        assertThat(InferenceFacade.isJson("application/json; charset=UTF-8")).isTrue();
        assertThat(InferenceFacade.isJson("application/vnd.beacon+json")).isTrue();
        assertThat(InferenceFacade.isJson(null)).isTrue();
        assertThat(InferenceFacade.isJson("application/json; charset=iso-8859-1")).isFalse();
        assertThat(InferenceFacade.isJson("text/plain")).isFalse();
    }

    @Test
    void shouldAllowOnlyPost() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/inference")).GET());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
        assertThat(JSON.readTree(response.body()).get("success").booleanValue()).isFalse();
    }

    @Test
    void shouldAnswerUnknownPathsWithJson404() throws Exception {
        start(Optional.empty(), 100, true, true);

        for (String path : List.of("/inference/extra", "/nothing-here", "/")) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());

            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(JSON.readTree(response.body()).get("error").textValue()).startsWith("no such endpoint");
        }
    }

    @Test
    void shouldAnswer504WithTheJobIdWhenNoResultArrivesInTime() throws Exception {
        start(Optional.empty(), 100, true, true);

        HttpResponse<String> response = send(post("{\"model\":\"m\",\"prompt\":\"p\",\"timeout_seconds\":0.2}"));

        assertThat(response.statusCode()).isEqualTo(504);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("success").booleanValue()).isFalse();
        assertThat(body.get("job_id").textValue()).isEqualTo("job-1");
        assertThat(body.get("error").textValue())
                .isEqualTo("no result within 0.2 s; the job job-1 may still finish: GET /jobs/job-1");
        assertThat(producer.history()).hasSize(1);
        assertThat(correlator.pending()).isZero();
    }

    @Test
    void shouldAnswer503WhenKafkaRefusesTheJob() throws Exception {
        start(Optional.empty(), 100, false, true);

        CompletableFuture<HttpResponse<String>> answer = client.sendAsync(post(GUIDE_PAYLOAD).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 1);
        producer.errorNext(new TimeoutException("Topic inference-requests not present in metadata after 5000 ms."));
        HttpResponse<String> response = answer.get();

        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("error").textValue()).startsWith("the job could not be written to Kafka")
                .contains("not present in metadata");
        assertThat(body.get("job_id").textValue()).isEqualTo("job-1");
    }

    @Test
    void shouldAnswer503WhenTooManyRequestsWait() throws Exception {
        start(Optional.empty(), 1, true, true);
        CompletableFuture<HttpResponse<String>> first = client.sendAsync(post(GUIDE_PAYLOAD).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> correlator.pending() == 1);

        HttpResponse<String> second = send(post(GUIDE_PAYLOAD));

        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(first).isNotDone();
    }

    @Test
    void shouldNotSubmitAJobBeforeTheResultsReaderIsReady() throws Exception {
        start(Optional.empty(), 100, true, false);

        HttpResponse<String> response = send(post("{\"model\":\"m\",\"prompt\":\"p\",\"timeout_seconds\":0.2}"));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(response.body()).get("error").textValue()).contains("not submitted");
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void shouldAnswerWaitingRequestsWhenTheRouterStops() throws Exception {
        start(Optional.empty(), 100, true, true);
        CompletableFuture<HttpResponse<String>> waiting = client.sendAsync(post(GUIDE_PAYLOAD).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> correlator.pending() == 1 && producer.history().size() == 1);

        facade.drain(Duration.ofSeconds(2));

        HttpResponse<String> response = waiting.get();
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(response.body()).get("error").textValue()).contains("shutting down")
                .contains("GET /jobs/job-1");
    }

    private void deliverResult(InferenceResult result) {
        byte[] bytes = topics.results().valueSerde().serializer().serialize(topics.results().name(), result);
        consumer.addRecord(new ConsumerRecord<>(topics.results().name(), 0, 0, result.getJobId(), bytes));
        correlator.pollOnce(Duration.ZERO);
    }

    private static void assertBadRequest(HttpResponse<String> response, String field, String error) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("success").booleanValue()).isFalse();
        assertThat(body.get("field").textValue()).isEqualTo(field);
        assertThat(body.get("error").textValue()).startsWith(field + ":").contains(error);
    }

    private HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(uri("/inference"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create(server.url() + path);
    }
}
