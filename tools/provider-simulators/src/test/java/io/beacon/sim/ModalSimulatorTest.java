package io.beacon.sim;

import static io.beacon.sim.SimHttp.at;
import static io.beacon.sim.SimHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A Modal web endpoint: vLLM's OpenAI API behind Modal's proxy auth, redirects and cold starts. */
class ModalSimulatorTest {

    private static final String KEY = "wk-test-key";
    private static final String SECRET = "ws-test-secret";
    private static final String[] AUTH = {"Modal-Key", KEY, "Modal-Secret", SECRET};
    private static final String COMPLETION = "{\"model\":\"llama3.2:1b\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Why is the sky blue?\"}],\"temperature\":0.7,\"max_tokens\":256}";

    private final SimHttp http = SimHttp.client();
    private final List<ProviderSimulator> started = new ArrayList<>();

    @AfterEach
    void closeSimulators() {
        started.forEach(ProviderSimulator::close);
    }

    /** A warm-by-default endpoint: no cold start unless a test asks for one. */
    private ProviderSimulator endpoint(UnaryOperator<SimulatedDeployment.Builder> config) {
        SimulatedDeployment deployment = config.apply(SimulatedDeployment.builder("modal-test", SimProvider.MODAL)
                .latency(LatencyModel.fixed(Duration.ofMillis(30)))
                .coldStart(Duration.ZERO)).build();
        ProviderSimulator simulator = ProviderSimulator.start(deployment, "127.0.0.1", 0,
                new SimCredentials(KEY, SECRET, null));
        started.add(simulator);
        return simulator;
    }

    private ProviderSimulator endpoint() {
        return endpoint(builder -> builder);
    }

    private static URI completions(ProviderSimulator endpoint) {
        return at(endpoint.baseUrl(), "/v1/chat/completions");
    }

    @Test
    void shouldAnswerAChatCompletionInOpenAisShape() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        HttpResponse<String> response = http.post(completions(endpoint), COMPLETION, AUTH);

        // Then
        assertThat(endpoint.baseUrl().toString()).isEqualTo("http://127.0.0.1:" + endpoint.port());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").asLong()).isPositive();
        assertThat(body.get("model").asText()).isEqualTo("llama3.2:1b");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").asText()).contains("llama3.2:1b");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = body.get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isPositive();
        assertThat(usage.get("total_tokens").asInt())
                .isEqualTo(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt());
    }

    @Test
    void shouldFinishWithLengthWhenMaxTokensCutsTheAnswer() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        JsonNode body = json(http.post(completions(endpoint),
                "{\"model\":\"llama3.2:1b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4}", AUTH));

        // Then
        assertThat(body.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(4);
    }

    @Test
    void shouldStreamServerSentEventsEndingWithDone() {
        // Given
        ProviderSimulator endpoint = endpoint(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(80))));
        String whole = json(http.post(completions(endpoint), COMPLETION, AUTH))
                .get("choices").get(0).get("message").get("content").asText();

        // When
        SimHttp.StreamedResponse stream = http.postStreaming(completions(endpoint),
                COMPLETION.substring(0, COMPLETION.length() - 1)
                        + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}", AUTH);

        // Then
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.contentType()).startsWith("text/event-stream");
        List<String> data = stream.lines().stream().filter(line -> line.startsWith("data: "))
                .map(line -> line.substring("data: ".length())).toList();
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        List<JsonNode> chunks = data.subList(0, data.size() - 1).stream().map(SimHttp::json).toList();
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.get(0).get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        String text = chunks.stream().filter(chunk -> chunk.get("choices").size() > 0)
                .map(chunk -> chunk.get("choices").get(0).get("delta").path("content").asText(""))
                .collect(Collectors.joining());
        assertThat(text).isEqualTo(whole);
        JsonNode usageChunk = chunks.get(chunks.size() - 1);
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.get("usage").get("completion_tokens").asInt()).isEqualTo(whole.split(" ").length);
        assertThat(chunks.get(chunks.size() - 2).get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void shouldRejectMissingCredentialsWithModalsPlainText401() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        HttpResponse<String> noHeaders = http.post(completions(endpoint), COMPLETION);
        HttpResponse<String> keyOnly = http.post(completions(endpoint), COMPLETION, "Modal-Key", KEY);

        // Then
        assertThat(noHeaders.statusCode()).isEqualTo(401);
        assertThat(noHeaders.body()).isEqualTo("modal-http: missing credentials for proxy authorization");
        assertThat(noHeaders.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(keyOnly.statusCode()).isEqualTo(401);
        assertThat(keyOnly.body()).isEqualTo("modal-http: missing credentials for proxy authorization");
        assertThat(endpoint.stats().requestsTotal()).as("rejected by the proxy, never reached the app").isZero();
    }

    @Test
    void shouldRejectWrongCredentialsWithModalsInvalidCredentials401() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        HttpResponse<String> response = http.post(completions(endpoint), COMPLETION,
                "Modal-Key", KEY, "Modal-Secret", "ws-wrong");

        // Then
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).isEqualTo("modal-http: invalid credentials for proxy authorization");
    }

    @Test
    void shouldNotAskForCredentialsWhenNoneAreConfigured() {
        // Given
        SimulatedDeployment open = SimulatedDeployment.builder("modal-open", SimProvider.MODAL)
                .latency(LatencyModel.fixed(Duration.ofMillis(5))).coldStart(Duration.ZERO).build();
        ProviderSimulator endpoint = ProviderSimulator.start(open, "127.0.0.1", 0, null);
        started.add(endpoint);

        // When / Then
        assertThat(http.post(completions(endpoint), COMPLETION).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer404InVllmsErrorShapeForAnUnknownModel() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        HttpResponse<String> response = http.post(completions(endpoint),
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", AUTH);

        // Then vLLM's ErrorResponse: {"object":"error","message","type","param","code"}
        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode error = json(response);
        assertThat(error.get("object").asText()).isEqualTo("error");
        assertThat(error.get("message").asText()).isEqualTo("The model `gpt-4o` does not exist.");
        assertThat(error.get("type").asText()).isEqualTo("NotFoundError");
        assertThat(error.get("code").asInt()).isEqualTo(404);
    }

    @Test
    void shouldServeOnlyItsHuggingFaceIdAsVllmDoesWithoutAnAlias() {
        // Given an endpoint whose vLLM serves Llama 3.2 1B by its Hugging Face id only
        String hfId = "meta-llama/Llama-3.2-1B-Instruct";
        ProviderSimulator endpoint = endpoint(builder -> builder.models(hfId));

        // When a client asks by the Ollama tag, by the id, and lists the models
        HttpResponse<String> byTag = http.post(completions(endpoint), COMPLETION, AUTH);
        HttpResponse<String> byId = http.post(completions(endpoint), COMPLETION.replace("llama3.2:1b", hfId), AUTH);
        HttpResponse<String> models = http.get(at(endpoint.baseUrl(), "/v1/models"), AUTH);

        // Then the tag is unknown there, the id is answered, and /v1/models lists the id with its context window
        assertThat(byTag.statusCode()).isEqualTo(404);
        assertThat(json(byTag).get("message").asText()).isEqualTo("The model `llama3.2:1b` does not exist.");
        assertThat(byId.statusCode()).isEqualTo(200);
        assertThat(json(byId).get("model").asText()).isEqualTo(hfId);
        assertThat(json(byId).get("choices").get(0).get("message").get("content").asText()).contains(hfId);
        assertThat(models.statusCode()).isEqualTo(200);
        JsonNode list = json(models);
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data")).hasSize(1);
        assertThat(list.get("data").get(0).get("id").asText()).isEqualTo(hfId);
        assertThat(list.get("data").get(0).get("max_model_len").asInt())
                .isEqualTo(SimulatedDeployment.DEFAULT_MAX_MODEL_LEN);
    }

    @Test
    void shouldRefuseARequestLongerThanTheContextWindowWith400AsVllmDoes() {
        // Given a model with a 64-token context window
        ProviderSimulator endpoint = endpoint(builder -> builder.maxModelLen(64));

        // When a request asks for 256 completion tokens
        HttpResponse<String> response = http.post(completions(endpoint), COMPLETION, AUTH);

        // Then it is the request's fault, in vLLM's words
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("type").asText()).isEqualTo("BadRequestError");
        assertThat(json(response).get("message").asText())
                .startsWith("This model's maximum context length is 64 tokens. However, you requested")
                .contains("256 in the completion");
    }

    @Test
    void shouldAnswer400InVllmsShapeForMalformedJsonOrMissingMessages() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        HttpResponse<String> malformed = http.post(completions(endpoint), "{\"model\":", AUTH);
        HttpResponse<String> noMessages = http.post(completions(endpoint), "{\"model\":\"llama3.2:1b\"}", AUTH);

        // Then
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).get("type").asText()).isEqualTo("BadRequestError");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(json(noMessages).get("message").asText()).contains("messages");
    }

    @Test
    void shouldAnswer429WhenItsContainersAndInputQueueAreFull() throws Exception {
        // Given
        ProviderSimulator endpoint = endpoint(builder -> builder.capacity(1).queueLimit(1)
                .latency(LatencyModel.fixed(Duration.ofMillis(400))));
        CompletableFuture<HttpResponse<String>> running = http.postAsync(completions(endpoint), COMPLETION, AUTH);
        await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.stats().inFlight() == 1);
        CompletableFuture<HttpResponse<String>> waiting = http.postAsync(completions(endpoint), COMPLETION, AUTH);
        await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.stats().queued() == 1);

        // When
        HttpResponse<String> rejected = http.post(completions(endpoint), COMPLETION, AUTH);

        // Then
        assertThat(rejected.statusCode()).isEqualTo(429);
        assertThat(json(rejected).get("error").get("type").asText()).isEqualTo("RateLimitError");
        assertThat(running.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(waiting.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRedirectALongRequestWith303ToAResultUrlThatBlocksUntilTheResultIsReady() {
        // Given a request that runs longer than the redirect threshold
        ProviderSimulator endpoint = endpoint(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(300))));
        endpoint.faults().redirectAfter(Duration.ofMillis(100));

        // When
        HttpResponse<String> redirect = http.post(completions(endpoint), COMPLETION, AUTH);

        // Then
        assertThat(redirect.statusCode()).isEqualTo(303);
        String location = redirect.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/__modal/result/fc-");

        // When the client follows it (Modal repeats the 303 while the call still runs)
        HttpResponse<String> result = SimHttp.followingRedirects().get(URI.create(endpoint.baseUrl() + location), AUTH);

        // Then
        assertThat(result.statusCode()).isEqualTo(200);
        assertThat(json(result).get("object").asText()).isEqualTo("chat.completion");
    }

    @Test
    void shouldDeliverTheResultToAClientThatFollowsRedirects() {
        // Given
        ProviderSimulator endpoint = endpoint(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(250))));
        endpoint.faults().redirectAfter(Duration.ofMillis(50));

        // When
        HttpResponse<String> response = SimHttp.followingRedirects().post(completions(endpoint), COMPLETION, AUTH);

        // Then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.uri().getPath()).startsWith("/__modal/result/");
        assertThat(json(response).get("choices").get(0).get("message").get("content").asText()).isNotBlank();
    }

    @Test
    void shouldAnswerAFastRequestDirectlyWithoutRedirect() {
        // Given
        ProviderSimulator endpoint = endpoint();
        endpoint.faults().redirectAfter(Duration.ofSeconds(5));

        // When / Then
        assertThat(http.post(completions(endpoint), COMPLETION, AUTH).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer404ForAnUnknownResultUrl() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        HttpResponse<String> response = http.get(at(endpoint.baseUrl(), "/__modal/result/fc-NOPE"), AUTH);

        // Then
        assertThat(response.statusCode()).isEqualTo(404);
    }

    @Test
    void shouldReportHealth200And503WhenFailing() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        int healthy = http.get(at(endpoint.baseUrl(), "/health"), AUTH).statusCode();
        endpoint.faults().failAll(500);
        int failing = http.get(at(endpoint.baseUrl(), "/health"), AUTH).statusCode();
        HttpResponse<String> completion = http.post(completions(endpoint), COMPLETION, AUTH);
        endpoint.faults().recover();
        int recovered = http.get(at(endpoint.baseUrl(), "/health"), AUTH).statusCode();

        // Then
        assertThat(healthy).isEqualTo(200);
        assertThat(failing).isEqualTo(503);
        assertThat(completion.statusCode()).isEqualTo(500);
        assertThat(json(completion).get("type").asText()).isEqualTo("InternalServerError");
        assertThat(recovered).isEqualTo(200);
    }

    @Test
    void shouldFailInVllmsShapeWhenExecutionsAreFailingAndSucceedAfterRecover() {
        // Given
        ProviderSimulator endpoint = endpoint();
        endpoint.faults().failRate(1.0);

        // When
        HttpResponse<String> failed = http.post(completions(endpoint), COMPLETION, AUTH);
        endpoint.faults().recover();
        HttpResponse<String> recovered = http.post(completions(endpoint), COMPLETION, AUTH);

        // Then
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(json(failed).get("code").asInt()).isEqualTo(500);
        assertThat(recovered.statusCode()).isEqualTo(200);
        assertThat(endpoint.stats().failed()).isEqualTo(1);
        assertThat(endpoint.stats().succeeded()).isEqualTo(1);
    }

    @Test
    void shouldPayTheColdStartOnTheFirstRequestAndAfterIdlingButNotWhileWarm() {
        // Given an endpoint scaled to zero
        Duration coldStart = Duration.ofMillis(400);
        ProviderSimulator endpoint = endpoint(builder -> builder.coldStart(coldStart)
                .idleTimeout(Duration.ofMillis(300)).latency(LatencyModel.fixed(Duration.ofMillis(20))));
        assertThat(endpoint.isWarm()).isFalse();

        // When
        Duration first = timed(() -> http.post(completions(endpoint), COMPLETION, AUTH));
        Duration warm = timed(() -> http.post(completions(endpoint), COMPLETION, AUTH));
        await().atMost(Duration.ofSeconds(5)).until(() -> !endpoint.isWarm());
        Duration afterIdle = timed(() -> http.post(completions(endpoint), COMPLETION, AUTH));

        // Then
        assertThat(first).isGreaterThanOrEqualTo(coldStart);
        assertThat(warm).isLessThan(coldStart);
        assertThat(afterIdle).isGreaterThanOrEqualTo(coldStart);
        assertThat(endpoint.stats().coldStarts()).isEqualTo(2);
    }

    @Test
    void shouldPayTheColdStartAgainAfterGoCold() {
        // Given a warm endpoint
        Duration coldStart = Duration.ofMillis(300);
        ProviderSimulator endpoint = endpoint(builder -> builder.coldStart(coldStart)
                .idleTimeout(Duration.ofMinutes(5)).latency(LatencyModel.fixed(Duration.ofMillis(10))));
        http.post(completions(endpoint), COMPLETION, AUTH);
        assertThat(endpoint.isWarm()).isTrue();

        // When
        endpoint.faults().goCold();
        Duration cold = timed(() -> http.post(completions(endpoint), COMPLETION, AUTH));

        // Then
        assertThat(cold).isGreaterThanOrEqualTo(coldStart);
        assertThat(endpoint.stats().coldStarts()).isEqualTo(2);
    }

    @Test
    void shouldBillAContainerStartedByAHealthProbeColdStartAndWindowIncluded() throws Exception {
        // Given an app scaled to zero
        double price = 0.000164;
        ProviderSimulator endpoint = endpoint(builder -> builder.pricePerSecondUsd(price)
                .coldStart(Duration.ofMillis(300)).idleTimeout(Duration.ofMillis(400)));

        // When a health probe reaches it
        Duration probe = timed(() -> http.get(at(endpoint.baseUrl(), "/health"), AUTH));
        await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.stats().unitsUp() == 0);
        double atStop = endpoint.stats().billedUsd();
        // and once the container is gone the invoice stands still
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> endpoint.stats().billedUsd() == atStop);

        // Then it waited for a container to boot, and that container bills 0.3 s cold + 2 ms + 0.4 s window
        JsonNode stats = json(http.get(at(endpoint.rootUrl(), "/__sim/stats")));
        assertThat(probe).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(stats.get("billing_model").asText()).isEqualTo("CONTAINER");
        assertThat(stats.get("billed_usd").asDouble())
                .isCloseTo((0.3 + 0.002 + 0.4) * price, org.assertj.core.api.Assertions.within(0.05 * price));
        assertThat(stats.get("unit_starts").asLong()).isEqualTo(1);
        assertThat(stats.get("probes").asLong()).isEqualTo(1);
        assertThat(stats.get("requestsTotal").asLong()).isZero();
    }

    @Test
    void shouldNotBillRequestsRejectedForBadCredentials() {
        // Given
        ProviderSimulator endpoint = endpoint(builder -> builder.coldStart(Duration.ofMillis(100)));

        // When
        int status = http.get(at(endpoint.baseUrl(), "/health"), "Modal-Key", "wrong", "Modal-Secret", "wrong")
                .statusCode();

        // Then
        assertThat(status).isEqualTo(401);
        assertThat(json(http.get(at(endpoint.rootUrl(), "/__sim/stats"))).get("billed_usd").asDouble()).isZero();
        assertThat(endpoint.stats().unitStarts()).isZero();
    }

    private static Duration timed(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
