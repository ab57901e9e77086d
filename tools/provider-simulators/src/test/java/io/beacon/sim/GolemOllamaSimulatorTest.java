package io.beacon.sim;

import static io.beacon.sim.SimHttp.at;
import static io.beacon.sim.SimHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A Golem node as Beacon sees it: Ollama's HTTP API, spoken over real HTTP. */
class GolemOllamaSimulatorTest {

    private static final String GENERATE = "{\"model\":\"llama3.2:1b\",\"prompt\":\"Why is the sky blue?\",\"stream\":false}";
    private static final String QUEUE_FULL = "server busy, please try again.  maximum pending requests exceeded";

    private final SimHttp http = SimHttp.client();
    private final List<ProviderSimulator> started = new ArrayList<>();

    @AfterEach
    void closeSimulators() {
        started.forEach(ProviderSimulator::close);
    }

    private ProviderSimulator node(UnaryOperator<SimulatedDeployment.Builder> config) {
        SimulatedDeployment deployment = config.apply(SimulatedDeployment.builder("golem-test", SimProvider.GOLEM)
                .models("llama3.2:1b", "mistral:7b")
                .latency(LatencyModel.fixed(Duration.ofMillis(30)))).build();
        ProviderSimulator simulator = ProviderSimulator.start(deployment, "127.0.0.1", 0, SimCredentials.none());
        started.add(simulator);
        return simulator;
    }

    private ProviderSimulator node() {
        return node(builder -> builder);
    }

    @Test
    void shouldServeOllamaAtTheRootOfTheNodeUrl() {
        // Given
        ProviderSimulator node = node();

        // When
        HttpResponse<String> root = http.get(node.baseUrl());

        // Then
        assertThat(node.baseUrl().toString()).isEqualTo("http://127.0.0.1:" + node.port());
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.body()).isEqualTo("Ollama is running");
    }

    @Test
    void shouldAnswerNonStreamingGenerateWithOneObjectAndNanosecondStats() {
        // Given
        ProviderSimulator node = node();

        // When
        HttpResponse<String> response = http.post(at(node.baseUrl(), "/api/generate"), GENERATE);

        // Then
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("model").asText()).isEqualTo("llama3.2:1b");
        assertThat(body.get("created_at").asText()).endsWith("Z");
        assertThat(body.get("response").asText()).contains("llama3.2:1b");
        assertThat(body.get("done").asBoolean()).isTrue();
        assertThat(body.get("done_reason").asText()).isEqualTo("stop");
        assertThat(body.get("context").isArray()).isTrue();
        assertThat(body.get("context")).hasSize(body.get("prompt_eval_count").asInt() + body.get("eval_count").asInt());
        assertThat(body.get("eval_count").asInt()).isPositive();
        assertThat(body.get("prompt_eval_duration").asLong() + body.get("eval_duration").asLong())
                .as("execution time in nanoseconds").isEqualTo(Duration.ofMillis(30).toNanos());
        assertThat(body.get("total_duration").asLong()).isGreaterThanOrEqualTo(Duration.ofMillis(30).toNanos());
        assertThat(body.get("load_duration").asLong()).as("Golem nodes are always warm").isZero();
        assertThat(node.stats().succeeded()).isEqualTo(1);
    }

    @Test
    void shouldStreamGenerateAsNdjsonByDefaultWhenStreamIsAbsent() {
        // Given
        ProviderSimulator node = node(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(250))));
        String whole = json(http.post(at(node.baseUrl(), "/api/generate"), GENERATE)).get("response").asText();

        // When
        SimHttp.StreamedResponse stream = http.postStreaming(at(node.baseUrl(), "/api/generate"),
                "{\"model\":\"llama3.2:1b\",\"prompt\":\"Why is the sky blue?\"}");

        // Then
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.contentType()).isEqualTo("application/x-ndjson");
        List<JsonNode> lines = stream.jsonLines();
        assertThat(lines).hasSizeGreaterThan(2);
        List<JsonNode> chunks = lines.subList(0, lines.size() - 1);
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.get("done").asBoolean()).isFalse();
            assertThat(chunk.get("model").asText()).isEqualTo("llama3.2:1b");
        });
        assertThat(chunks.stream().map(chunk -> chunk.get("response").asText()).collect(Collectors.joining()))
                .isEqualTo(whole);
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.get("done").asBoolean()).isTrue();
        assertThat(last.get("response").asText()).isEmpty();
        assertThat(last.get("eval_count").asInt()).isEqualTo(whole.split(" ").length);
        assertThat(last.has("total_duration")).isTrue();
        Duration spread = stream.arrivals().get(stream.arrivals().size() - 1).minus(stream.arrivals().get(0));
        assertThat(spread).as("chunks are spaced over the latency").isGreaterThan(Duration.ofMillis(100));
    }

    @Test
    void shouldAnswerNonStreamingChatWithAnAssistantMessage() {
        // Given
        ProviderSimulator node = node();

        // When
        HttpResponse<String> response = http.post(at(node.baseUrl(), "/api/chat"),
                "{\"model\":\"mistral:7b\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],"
                        + "\"options\":{\"temperature\":0.2}}");

        // Then
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("model").asText()).isEqualTo("mistral:7b");
        assertThat(body.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(body.get("message").get("content").asText()).contains("mistral:7b");
        assertThat(body.get("done").asBoolean()).isTrue();
        assertThat(body.get("done_reason").asText()).isEqualTo("stop");
        assertThat(body.has("context")).isFalse();
        assertThat(body.get("eval_count").asInt()).isPositive();
    }

    @Test
    void shouldStreamChatAsMessageChunksEndingWithStats() {
        // Given
        ProviderSimulator node = node(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(80))));
        String chat = "{\"model\":\"llama3.2:1b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]";
        String whole = json(http.post(at(node.baseUrl(), "/api/chat"), chat + ",\"stream\":false}"))
                .get("message").get("content").asText();

        // When
        SimHttp.StreamedResponse stream = http.postStreaming(at(node.baseUrl(), "/api/chat"), chat + ",\"stream\":true}");

        // Then
        List<JsonNode> lines = stream.jsonLines();
        assertThat(stream.status()).isEqualTo(200);
        assertThat(lines.subList(0, lines.size() - 1).stream()
                .map(line -> line.get("message").get("content").asText()).collect(Collectors.joining()))
                .isEqualTo(whole);
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.get("done").asBoolean()).isTrue();
        assertThat(last.get("done_reason").asText()).isEqualTo("stop");
        assertThat(last.get("message").get("role").asText()).isEqualTo("assistant");
    }

    @Test
    void shouldStopWithDoneReasonLengthWhenNumPredictIsSmall() {
        // Given
        ProviderSimulator node = node();

        // When
        JsonNode body = json(http.post(at(node.baseUrl(), "/api/generate"),
                "{\"model\":\"llama3.2:1b\",\"prompt\":\"Tell me everything\",\"stream\":false,"
                        + "\"options\":{\"num_predict\":3,\"seed\":42}}"));

        // Then
        assertThat(body.get("done_reason").asText()).isEqualTo("length");
        assertThat(body.get("eval_count").asInt()).isEqualTo(3);
        assertThat(body.get("response").asText().split(" ")).hasSize(3);
    }

    @Test
    void shouldOnlyLoadTheModelWhenThePromptIsEmpty() {
        // Given
        ProviderSimulator node = node();

        // When
        JsonNode body = json(http.post(at(node.baseUrl(), "/api/generate"), "{\"model\":\"llama3.2:1b\"}"));

        // Then
        assertThat(body.get("done").asBoolean()).isTrue();
        assertThat(body.get("done_reason").asText()).isEqualTo("load");
        assertThat(body.get("response").asText()).isEmpty();
    }

    @Test
    void shouldAnswer404WithOllamasMessageWhenTheModelIsNotOnTheNode() {
        // Given
        ProviderSimulator node = node();

        // When
        HttpResponse<String> response = http.post(at(node.baseUrl(), "/api/generate"),
                "{\"model\":\"llama3:70b\",\"prompt\":\"hi\",\"stream\":false}");

        // Then
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("error").asText()).isEqualTo("model \"llama3:70b\" not found, try pulling it first");
        assertThat(node.stats().failed()).isEqualTo(1);
    }

    @Test
    void shouldAnswer400WhenTheBodyIsNotJson() {
        // Given
        ProviderSimulator node = node();

        // When
        HttpResponse<String> response = http.post(at(node.baseUrl(), "/api/chat"), "{not json");

        // Then
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isNotBlank();
    }

    @Test
    void shouldAnswer400WhenTheModelIsMissing() {
        // Given
        ProviderSimulator node = node();

        // When
        HttpResponse<String> response = http.post(at(node.baseUrl(), "/api/generate"), "{\"prompt\":\"hi\"}");

        // Then
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("model is required");
    }

    @Test
    void shouldAnswer503WithOllamasQueueFullErrorWhenCapacityAndQueueAreFull() throws Exception {
        // Given a node with one slot and one queue place, both taken
        ProviderSimulator node = node(builder -> builder.capacity(1).queueLimit(1)
                .latency(LatencyModel.fixed(Duration.ofMillis(400))));
        CompletableFuture<HttpResponse<String>> running = http.postAsync(at(node.baseUrl(), "/api/generate"), GENERATE);
        await().atMost(Duration.ofSeconds(5)).until(() -> node.stats().inFlight() == 1);
        CompletableFuture<HttpResponse<String>> waiting = http.postAsync(at(node.baseUrl(), "/api/generate"), GENERATE);
        await().atMost(Duration.ofSeconds(5)).until(() -> node.stats().queued() == 1);

        // When
        HttpResponse<String> rejected = http.post(at(node.baseUrl(), "/api/generate"), GENERATE);

        // Then
        assertThat(rejected.statusCode()).isEqualTo(503);
        assertThat(json(rejected).get("error").asText()).isEqualTo(QUEUE_FULL);
        assertThat(running.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(waiting.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(node.stats().rejected()).isEqualTo(1);
        assertThat(node.stats().succeeded()).isEqualTo(2);
    }

    @Test
    void shouldNeverServeMoreRequestsAtOnceThanItsCapacity() {
        // Given
        ProviderSimulator node = node(builder -> builder.capacity(2).queueLimit(20)
                .latency(LatencyModel.fixed(Duration.ofMillis(60))));
        long start = System.nanoTime();

        // When
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            responses.add(http.postAsync(at(node.baseUrl(), "/api/generate"),
                    "{\"model\":\"llama3.2:1b\",\"prompt\":\"request " + i + "\",\"stream\":false}"));
        }
        List<Integer> statuses = responses.stream().map(f -> f.join().statusCode()).toList();

        // Then
        assertThat(statuses).containsOnly(200);
        assertThat(node.stats().peakInFlight()).isBetween(1, 2);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("10 requests through 2 slots of 60 ms take at least 5 rounds")
                .isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(node.stats().inFlight()).isZero();
        assertThat(node.stats().requestsTotal()).isEqualTo(10);
    }

    @Test
    void shouldSendAnErrorLineUnderStatus200WhenFailingMidStream() {
        // Given
        ProviderSimulator node = node(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(100))));
        node.faults().failMidStream();

        // When
        SimHttp.StreamedResponse stream = http.postStreaming(at(node.baseUrl(), "/api/generate"),
                "{\"model\":\"llama3.2:1b\",\"prompt\":\"Why is the sky blue?\",\"stream\":true}");

        // Then
        assertThat(stream.status()).isEqualTo(200);
        List<JsonNode> lines = stream.jsonLines();
        assertThat(lines).hasSizeGreaterThan(1);
        assertThat(lines.subList(0, lines.size() - 1)).allSatisfy(line -> assertThat(line.get("done").asBoolean()).isFalse());
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.get("error").asText()).contains("unexpected EOF");
        assertThat(lines).noneSatisfy(line -> assertThat(line.path("done").asBoolean()).isTrue());
        assertThat(node.stats().failed()).isEqualTo(1);
    }

    @Test
    void shouldFailRequestsAndHealthProbesWhenFailingAllWith500UntilRecovered() {
        // Given
        ProviderSimulator node = node();
        node.faults().failAll(500);

        // When
        HttpResponse<String> generate = http.post(at(node.baseUrl(), "/api/generate"), GENERATE);
        HttpResponse<String> tags = http.get(at(node.baseUrl(), "/api/tags"));
        HttpResponse<String> root = http.get(node.baseUrl());

        // Then
        assertThat(generate.statusCode()).isEqualTo(500);
        assertThat(json(generate).get("error").asText()).isNotBlank();
        assertThat(tags.statusCode()).isEqualTo(500);
        assertThat(root.statusCode()).isEqualTo(500);

        // When recovered
        node.faults().recover();

        // Then
        assertThat(http.post(at(node.baseUrl(), "/api/generate"), GENERATE).statusCode()).isEqualTo(200);
        assertThat(http.get(at(node.baseUrl(), "/api/tags")).statusCode()).isEqualTo(200);
        assertThat(http.get(node.baseUrl()).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldKeepHealthProbesUpWhenFailingAllWithAClientError() {
        // Given
        ProviderSimulator node = node();
        node.faults().failAll(429);

        // When / Then
        assertThat(http.post(at(node.baseUrl(), "/api/generate"), GENERATE).statusCode()).isEqualTo(429);
        assertThat(http.get(at(node.baseUrl(), "/api/tags")).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldFailWith500WhenEveryExecutionIsPickedToFail() {
        // Given
        ProviderSimulator node = node();
        node.faults().failRate(1.0);

        // When
        HttpResponse<String> failed = http.post(at(node.baseUrl(), "/api/generate"), GENERATE);
        node.faults().recover();
        HttpResponse<String> recovered = http.post(at(node.baseUrl(), "/api/generate"), GENERATE);

        // Then
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(json(failed).get("error").asText()).contains("llama runner");
        assertThat(recovered.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldMultiplyTheExecutionTimeWhenSlowedDown() {
        // Given
        ProviderSimulator node = node(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(40))));
        node.faults().slowDown(5.0);

        // When
        JsonNode body = json(http.post(at(node.baseUrl(), "/api/generate"), GENERATE));

        // Then
        assertThat(body.get("prompt_eval_duration").asLong() + body.get("eval_duration").asLong())
                .isEqualTo(Duration.ofMillis(200).toNanos());
    }

    @Test
    void shouldHoldRequestsUnansweredWhileUnresponsiveAndServeThemAfterRecover() throws Exception {
        // Given
        ProviderSimulator node = node();
        node.faults().unresponsive();

        // When / Then: a client with a deadline gives up
        assertThatThrownBy(() -> http.post(at(node.baseUrl(), "/api/generate"), GENERATE, Duration.ofMillis(300)))
                .isInstanceOf(HttpTimeoutException.class);

        // And a patient client stays pending, health probe included
        CompletableFuture<HttpResponse<String>> pending = http.postAsync(at(node.baseUrl(), "/api/generate"), GENERATE);
        CompletableFuture<HttpResponse<String>> probe = http.getAsync(at(node.baseUrl(), "/api/ps"));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
                .until(() -> !pending.isDone() && !probe.isDone());

        // When recovered, the held requests are served
        node.faults().recover();

        // Then
        assertThat(pending.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(probe.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldListItsModelsInTagsAndPs() {
        // Given
        ProviderSimulator node = node();

        // When
        JsonNode tags = json(http.get(at(node.baseUrl(), "/api/tags")));
        JsonNode ps = json(http.get(at(node.baseUrl(), "/api/ps")));

        // Then
        assertThat(tags.get("models")).hasSize(2);
        JsonNode llama = tags.get("models").get(0);
        assertThat(llama.get("name").asText()).isEqualTo("llama3.2:1b");
        assertThat(llama.get("model").asText()).isEqualTo("llama3.2:1b");
        assertThat(llama.get("size").asLong()).isPositive();
        assertThat(llama.get("digest").asText()).hasSize(64);
        assertThat(llama.get("modified_at").asText()).isNotBlank();
        assertThat(llama.get("details").get("family").asText()).isEqualTo("llama");
        assertThat(llama.get("details").get("parameter_size").asText()).isEqualTo("1.2B");
        assertThat(llama.get("details").get("quantization_level").asText()).isEqualTo("Q8_0");
        assertThat(ps.get("models")).extracting(model -> model.get("name").asText())
                .containsExactly("llama3.2:1b", "mistral:7b");
    }

    @Test
    void shouldBillTheLeaseFromTheFirstRequestBusyOrIdlePlusTheStartFee() throws Exception {
        // Given
        ProviderSimulator node = node(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(100)))
                .pricePerSecondUsd(0.0001).startFeeUsd(0.0005));
        assertThat(json(http.get(at(node.rootUrl(), "/__sim/stats"))).get("billed_usd").asDouble()).isZero();

        // When: a probe starts the lease, then a call, then the node idles
        long before = System.nanoTime();
        http.get(at(node.baseUrl(), "/api/tags"));
        http.post(at(node.baseUrl(), "/api/generate"), GENERATE);
        // the invoice keeps growing while the node idles: past the call's 0.1 s to 0.4 s of lease
        await().atMost(Duration.ofSeconds(5))
                .until(() -> node.stats().billedUsd() >= 0.0005 + 0.4 * 0.0001);
        JsonNode stats = json(http.get(at(node.rootUrl(), "/__sim/stats")));
        double elapsed = (System.nanoTime() - before) / 1e9;

        // Then: fee + lease seconds from the first request, busy or idle, and no more than the time that passed
        assertThat(stats.get("billing_model").asText()).isEqualTo("LEASE");
        assertThat(stats.get("billed_usd").asDouble()).isBetween(0.0005 + 0.4 * 0.0001, 0.0005 + elapsed * 0.0001);
        assertThat(stats.get("units_up").asInt()).isEqualTo(1);
        assertThat(stats.get("lease_started_at").asText()).isNotBlank();
    }

    @Test
    void shouldUnloadTheModelFromPsAfterARequestWithKeepAliveZero() {
        // Given
        ProviderSimulator node = node();

        // When
        http.post(at(node.baseUrl(), "/api/generate"),
                "{\"model\":\"mistral:7b\",\"prompt\":\"hi\",\"stream\":false,\"keep_alive\":0}");

        // Then
        assertThat(json(http.get(at(node.baseUrl(), "/api/ps"))).get("models"))
                .extracting(model -> model.get("name").asText()).containsExactly("llama3.2:1b");
    }

    @Test
    void shouldDropConnectionsPromptlyWhenClosedWithRequestsInFlight() {
        // Given a request that would take a minute
        ProviderSimulator node = node(builder -> builder.latency(LatencyModel.fixed(Duration.ofMinutes(1))));
        CompletableFuture<HttpResponse<String>> pending = http.postAsync(at(node.baseUrl(), "/api/generate"), GENERATE);
        await().atMost(Duration.ofSeconds(5)).until(() -> node.stats().inFlight() == 1);

        // When
        node.close();

        // Then
        await().atMost(Duration.ofSeconds(5)).until(pending::isDone);
        assertThat(pending).isCompletedExceptionally();
    }

    @Test
    void shouldAnswerUnknownRoutesLikeOllama() {
        // Given
        ProviderSimulator node = node();

        // When / Then
        assertThat(http.get(at(node.baseUrl(), "/api/nope")).statusCode()).isEqualTo(404);
        assertThat(http.get(at(node.baseUrl(), "/api/generate")).statusCode()).isEqualTo(405);
    }
}
