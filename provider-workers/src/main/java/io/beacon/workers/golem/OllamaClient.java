package io.beacon.workers.golem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.FailureClassifier;
import io.beacon.workers.client.HttpProviderClient;
import io.beacon.workers.client.ProbeOutcome;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Calls a leased Golem node through the Ollama HTTP API it serves: {@code /api/chat} for every job, a prompt
 * job as one user message. Why not {@code /api/generate} for prompts: every provider then gets the same
 * messages and applies the model's chat template to them the same way (vLLM's {@code /v1/chat/completions}
 * on Modal, worker-vllm's {@code input.messages} on RunPod), so a job's answer does not depend on where it
 * ran. By default it asks for one JSON answer ({@code "stream": false});
 * with streaming on it reads Ollama's NDJSON line by line, so a node that dies mid-answer is seen as the
 * failure it is rather than as a truncated success.
 *
 * <p>Transport: a node reached over https is verified against the worker's trust material
 * ({@code golem.truststore} besides the JDK's CAs); a node whose entry names a credential
 * ({@code token_env=}, {@code token_file=}, {@code basic_env=}, {@code basic_file=}) gets it as the
 * {@code Authorization} header of every call and probe.
 *
 * <p>Billing: a Golem lease is paid per second of use, so an attempt bills its wall time.
 */
public final class OllamaClient extends HttpProviderClient {

    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final boolean streaming;

    public OllamaClient(HttpClient http, Clock clock, ProviderSecrets secrets, Duration probeTimeout,
                        boolean streaming, ExecutorService ownedExecutor) {
        super(http, clock, secrets, probeTimeout, ownedExecutor);
        this.streaming = streaming;
    }

    @Override
    public ProviderKind kind() {
        return ProviderKind.GOLEM;
    }

    @Override
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        Instant started = clock.instant();
        Duration budget = remaining(attemptDeadline(job, d, started));
        try {
            InferenceRequest request = job.getRequest();
            HttpRequest.Builder builder = HttpRequest.newBuilder(d.resolve("/api/chat"))
                    .timeout(budget)
                    .header("Content-Type", "application/json")
                    .header("Accept", streaming ? "application/x-ndjson" : "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(jsonBody(body(request))));
            authorize(builder, d);
            HttpRequest http = builder.build();
            CompletableFuture<CallOutcome> outcome = streaming
                    ? send(http, HttpResponse.BodyHandlers.fromLineSubscriber(new NdjsonCollector(true),
                    NdjsonCollector::result, null), budget)
                    .thenApply(response -> fromStream(response, d, started))
                    : send(http, HttpResponse.BodyHandlers.ofString(), budget)
                    .thenApply(response -> fromJson(response, d, started));
            return guard(outcome, "ollama call", d, started, budget);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failure(e, "ollama call", d, started, budget));
        }
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d) {
        // /api/tags lists every model the node has: a model missing from it is not there.
        return probeGet(d, d.resolve("/api/tags"), builder -> authorize(builder, d), OllamaClient::modelsFromTags, true);
    }

    /** The node's own credential, when its entry names one; read once per reference by {@link ProviderSecrets}. */
    private void authorize(HttpRequest.Builder builder, DeploymentEndpoint d) {
        secrets.nodeAuthorization(d.credential()).ifPresent(value -> builder.header("Authorization", value.reveal()));
    }

    @Override
    public boolean listsModels() {
        return true;
    }

    /** Ollama's {@code /api/tags}: the probe itself lists the node's models. */
    @Override
    public CompletableFuture<ProbeOutcome> listModels(DeploymentEndpoint d) {
        return probe(d);
    }

    private ObjectNode body(InferenceRequest request) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", request.getModel());
        ArrayNode messages = body.putArray("messages");
        if (request.getMessages().isEmpty()) {
            messages.addObject().put("role", "user").put("content", request.getPrompt());
        } else {
            for (ChatMessage m : request.getMessages()) {
                messages.addObject().put("role", m.getRole()).put("content", m.getContent());
            }
        }
        body.put("stream", streaming);
        ObjectNode options = body.putObject("options");
        options.put("temperature", request.getTemperature());
        options.put("num_predict", request.getMaxTokens());
        return body;
    }

    private CallOutcome fromJson(HttpResponse<String> response, DeploymentEndpoint d, Instant started) {
        Instant finished = clock.instant();
        CallOutcome.Builder out = CallOutcome.builder(started, finished);
        int status = response.statusCode();
        if (status != 200) {
            return failedHttp(out, response, "ollama", response.body()).build();
        }
        JsonNode json = parse(response.body());
        if (json == null || !json.isObject()) {
            return out.failed(AttemptOutcome.RETRYABLE_FAILURE, "ollama returned HTTP 200 with a body that is not JSON")
                    .build();
        }
        if (json.hasNonNull("error")) {
            String error = json.get("error").asText();
            return out.failed(FailureClassifier.ofReportedError(error), safe("ollama error: " + shorten(error))).build();
        }
        String text = json.path("message").path("content").asText(null);
        if (text == null) {
            return out.failed(AttemptOutcome.RETRYABLE_FAILURE, "ollama answer has no message.content").build();
        }
        return withFigures(out.succeeded(text), json).build();
    }

    private CallOutcome fromStream(HttpResponse<NdjsonCollector.Result> response, DeploymentEndpoint d, Instant started) {
        Instant finished = clock.instant();
        CallOutcome.Builder out = CallOutcome.builder(started, finished);
        NdjsonCollector.Result result = response.body();
        int status = response.statusCode();
        if (status != 200) {
            return failedHttp(out, response, "ollama", result.rawText()).build();
        }
        if (result.error() != null) {
            // Ollama reports trouble after the 200 header as an {"error": ...} line: the node failed mid-answer
            // (or, rarely, said why the request cannot be served).
            return out.failed(FailureClassifier.ofReportedError(result.error()),
                    safe("ollama stream failed after " + result.lines() + " lines: " + shorten(result.error()))).build();
        }
        if (result.finalLine() == null) {
            return out.failed(AttemptOutcome.RETRYABLE_FAILURE,
                    "ollama stream ended after " + result.lines() + " lines without a done line").build();
        }
        return withFigures(out.succeeded(result.text()), result.finalLine()).build();
    }

    /** Ollama's own figures: total_duration (ns) as provider time, eval counts as tokens. */
    private static CallOutcome.Builder withFigures(CallOutcome.Builder out, JsonNode json) {
        JsonNode total = json.get("total_duration");
        if (total != null && total.canConvertToLong() && total.asLong() > 0) {
            out.providerTimeMs(total.asLong() / NANOS_PER_MILLI);
        }
        return out.tokens(intOrZero(json, "prompt_eval_count"), intOrZero(json, "eval_count"));
    }

    static List<String> modelsFromTags(String body) {
        JsonNode json = parse(body);
        List<String> models = new ArrayList<>();
        if (json != null) {
            for (JsonNode model : json.path("models")) {
                String name = model.path("name").asText(model.path("model").asText(""));
                if (!name.isEmpty()) {
                    models.add(name);
                }
            }
        }
        return models;
    }
}
