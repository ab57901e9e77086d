package io.beacon.workers.modal;

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
 * Calls a Modal web endpoint that serves the OpenAI chat-completions API (the usual vLLM deployment).
 * A prompt job becomes one user message. Proxy auth headers are sent when configured. Modal answers a
 * request that runs past 150 s with {@code 303 See Other} to a URL that blocks until the result is ready,
 * so the HTTP client must follow redirects ({@link HttpClient.Redirect#NORMAL} re-issues a 303 as GET).
 *
 * <p>Billing: Modal bills container seconds; from outside, the call's wall time is the best measure.
 */
public final class ModalClient extends HttpProviderClient {

    public static final String KEY_HEADER = "Modal-Key";
    public static final String SECRET_HEADER = "Modal-Secret";

    public ModalClient(HttpClient http, Clock clock, ProviderSecrets secrets, Duration probeTimeout,
                       ExecutorService ownedExecutor) {
        super(http, clock, secrets, probeTimeout, ownedExecutor);
        if (http.followRedirects() == HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException("Modal answers long requests with 303 See Other: the HTTP client"
                    + " must follow redirects (HttpClient.Redirect.NORMAL)");
        }
    }

    @Override
    public ProviderKind kind() {
        return ProviderKind.MODAL;
    }

    @Override
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        Instant started = clock.instant();
        Duration budget = remaining(attemptDeadline(job, d, started));
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(d.resolve("/v1/chat/completions"))
                    .timeout(budget)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(jsonBody(body(job.getRequest()))));
            addAuth(builder);
            CompletableFuture<CallOutcome> outcome = send(builder.build(), HttpResponse.BodyHandlers.ofString(), budget)
                    .thenApply(response -> fromResponse(response, d, started));
            return guard(outcome, "modal call", d, started, budget);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failure(e, "modal call", d, started, budget));
        }
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d) {
        // Modal is probed only to let a deployment back in (a circuit's recovery trial, a misconfiguration's
        // check), typically after it scaled to zero: the probe starts a container, so it is given the time a call
        // has (the deployment's request time-out) instead of the short probe time-out a cold start always beats.
        Duration timeout = d.requestTimeout().compareTo(probeTimeout) > 0 ? d.requestTimeout() : probeTimeout;
        return probeGet(d, d.resolve("/health"), this::addAuth, body -> List.of(), false, timeout);
    }

    @Override
    public boolean listsModels() {
        return true;
    }

    /**
     * vLLM's {@code GET /v1/models}: the names the server answers to (the Hugging Face id, or the
     * {@code --served-model-name} aliases). On Modal the request reaches a container and is billed like any
     * input, and starts one when none is up: ask only when a container is known to be warm.
     */
    @Override
    public CompletableFuture<ProbeOutcome> listModels(DeploymentEndpoint d) {
        return probeGet(d, d.resolve("/v1/models"), this::addAuth, ModalClient::modelsFromList, true);
    }

    /** The ids of an OpenAI model list, {@code {"object":"list","data":[{"id":...}]}}. */
    static List<String> modelsFromList(String body) {
        JsonNode json = parse(body);
        List<String> models = new ArrayList<>();
        if (json != null) {
            for (JsonNode model : json.path("data")) {
                String id = model.path("id").asText("");
                if (!id.isEmpty()) {
                    models.add(id);
                }
            }
        }
        return models;
    }

    private void addAuth(HttpRequest.Builder builder) {
        if (secrets.hasModalProxyAuth()) {
            builder.header(KEY_HEADER, secrets.modalKey().orElseThrow().reveal());
            builder.header(SECRET_HEADER, secrets.modalSecret().orElseThrow().reveal());
        }
    }

    private static ObjectNode body(InferenceRequest request) {
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
        body.put("temperature", request.getTemperature());
        body.put("max_tokens", request.getMaxTokens());
        body.put("stream", false);
        return body;
    }

    private CallOutcome fromResponse(HttpResponse<String> response, DeploymentEndpoint d, Instant started) {
        CallOutcome.Builder out = CallOutcome.builder(started, clock.instant());
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            // Modal's proxy refused us: this deployment's credentials, not the job, are wrong.
            String why = secrets.hasModalProxyAuth()
                    ? "Modal refused the proxy credentials (HTTP " + status + "); check MODAL_KEY and MODAL_SECRET"
                    : "Modal refused the request: credentials are required (HTTP " + status + ") and none are"
                    + " configured; set MODAL_KEY and MODAL_SECRET (or MODAL_API_TOKEN)";
            return statusOf(out, response).failed(FailureClassifier.ofHttp(status, response.body()), why).build();
        }
        if (status != 200) {
            // vLLM's {"object":"error","message",...} or OpenAI's {"error":{"message","type","code"}}: a missing
            // model (404) is this deployment's, context length or bad parameters (400) the request's.
            return failedHttp(out, response, "modal", response.body()).build();
        }
        JsonNode json = parse(response.body());
        if (json == null || !json.isObject()) {
            return out.failed(AttemptOutcome.RETRYABLE_FAILURE, "modal returned HTTP 200 with a body that is not JSON")
                    .build();
        }
        JsonNode choice = json.path("choices").path(0);
        String text = choice.path("message").path("content").asText(null);
        if (text == null) {
            text = choice.path("text").asText(null);
        }
        if (text == null) {
            if (json.hasNonNull("error") || "error".equals(json.path("object").asText())) {
                String error = providerMessage(json.toString());
                return out.failed(FailureClassifier.ofReportedError(json.toString()),
                        safe("modal answered HTTP 200 with an error: " + error)).build();
            }
            return out.failed(AttemptOutcome.RETRYABLE_FAILURE, "modal answer has no choices[0].message.content")
                    .build();
        }
        JsonNode usage = json.path("usage");
        return out.succeeded(text).tokens(intOrZero(usage, "prompt_tokens"), intOrZero(usage, "completion_tokens"))
                .build();
    }
}
