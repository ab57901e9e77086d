package io.beacon.workers.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the three HTTP clients share: time budgets, status classification, error text that never holds a
 * secret, and probes. Subclasses build the provider's request and read its answer.
 */
public abstract class HttpProviderClient implements ProviderClient {

    /** Jackson's mapper is thread-safe once configured; one per process is enough. */
    protected static final ObjectMapper JSON = new ObjectMapper();

    /** Most characters of a provider's error body that go into an attempt's error text. */
    protected static final int MAX_ERROR_CHARS = 300;

    /** Slack on top of the HTTP time-out before the whole exchange (headers and body) is abandoned. */
    private static final Duration BODY_GRACE = Duration.ofMillis(250);

    protected final HttpClient http;
    protected final Clock clock;
    protected final ProviderSecrets secrets;
    protected final Duration probeTimeout;
    private final ExecutorService ownedExecutor;

    /**
     * @param ownedExecutor the HTTP client's executor, shut down by {@link #close()}; null when the caller
     *                      owns the HTTP client
     */
    protected HttpProviderClient(HttpClient http, Clock clock, ProviderSecrets secrets, Duration probeTimeout,
                                 ExecutorService ownedExecutor) {
        this.http = http;
        this.clock = clock;
        this.secrets = secrets;
        this.probeTimeout = probeTimeout;
        this.ownedExecutor = ownedExecutor;
    }

    @Override
    public void close() {
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }

    /** When this attempt must be over: the job's deadline or the deployment's time-out, whichever is first. */
    protected static Instant attemptDeadline(RoutedJob job, DeploymentEndpoint d, Instant started) {
        Instant byTimeout = started.plus(d.requestTimeout());
        Instant jobDeadline = job.getDeadline();
        return jobDeadline != null && jobDeadline.isBefore(byTimeout) ? jobDeadline : byTimeout;
    }

    /** Time left until {@code deadline}, at least one millisecond. */
    protected Duration remaining(Instant deadline) {
        Duration left = Duration.between(clock.instant(), deadline);
        return left.toMillis() < 1 ? Duration.ofMillis(1) : left;
    }

    /**
     * How an HTTP status alone is handled (see {@link FailureClassifier#ofHttp}): 2xx succeeds; 400, 413, 422
     * are the request's fault and permanent; everything else (401/403/404 the deployment's set-up, 408, 425, 429
     * and 5xx its health) is retryable, because another deployment may serve the job. Clients that have the
     * error body use {@link #failedHttp}, which reads it too.
     */
    protected static AttemptOutcome classify(int status) {
        if (status >= 200 && status < 300) {
            return AttemptOutcome.SUCCEEDED;
        }
        return FailureClassifier.ofHttp(status, null).outcome();
    }

    /**
     * {@code out} failed with the HTTP error answer {@code response}: classified from its status and the
     * provider's error body ({@link FailureClassifier}), with the status, its {@code Retry-After}, and an error
     * text naming the verdict and what the provider said.
     *
     * @param what who answered, e.g. {@code "ollama"}, {@code "runpod runsync"}
     */
    protected CallOutcome.Builder failedHttp(CallOutcome.Builder out, HttpResponse<?> response, String what,
                                             String body) {
        int status = response.statusCode();
        return statusOf(out, response).failed(FailureClassifier.ofHttp(status, body), httpError(what, status, body));
    }

    /**
     * Marks {@code out} as ended by HTTP {@code response}: its status, and the wait its {@code Retry-After}
     * header asks for, so the worker can decide whether to try the same deployment again.
     */
    protected CallOutcome.Builder statusOf(CallOutcome.Builder out, HttpResponse<?> response) {
        Duration retryAfter = response.headers().firstValue("Retry-After")
                .flatMap(value -> RetryAfter.parse(value, clock.instant()))
                .orElse(null);
        return out.httpStatus(response.statusCode(), retryAfter);
    }

    /** "HTTP 503: queue full", with the provider's own message when its body says one. */
    protected String httpError(String what, int status, String body) {
        String detail = providerMessage(body);
        return safe(what + " returned HTTP " + status + (detail.isEmpty() ? "" : ": " + detail));
    }

    /** The message in an error body ({@code error}, {@code error.message}, {@code detail}, {@code message}), else the body, shortened. */
    protected static String providerMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String text = body.strip();
        try {
            JsonNode node = JSON.readTree(text);
            if (node != null && node.isObject()) {
                for (String field : List.of("error", "detail", "message")) {
                    JsonNode value = node.get(field);
                    if (value == null || value.isNull()) {
                        continue;
                    }
                    if (value.isTextual()) {
                        text = value.asText();
                        break;
                    }
                    if (value.isObject() && value.hasNonNull("message")) {
                        text = value.get("message").asText();
                        break;
                    }
                    text = value.toString();
                    break;
                }
            }
        } catch (IOException | RuntimeException notJson) {
            // A plain-text body (a proxy's error page): keep it as it is, shortened below.
        }
        return shorten(text);
    }

    protected static String shorten(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= MAX_ERROR_CHARS ? oneLine : oneLine.substring(0, MAX_ERROR_CHARS) + "...";
    }

    /** {@code text} with every configured secret masked. Every error text passes through here. */
    protected String safe(String text) {
        return secrets.redact(text);
    }

    /**
     * Sends {@code request} and gives up on the whole exchange (headers and body) after {@code timeout}:
     * the HTTP client's own request time-out covers only the wait for the response headers.
     */
    protected <T> CompletableFuture<HttpResponse<T>> send(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                          Duration timeout) {
        CompletableFuture<HttpResponse<T>> exchange = http.sendAsync(request, handler);
        CompletableFuture<HttpResponse<T>> bounded = exchange.copy()
                .orTimeout(timeout.plus(BODY_GRACE).toMillis(), TimeUnit.MILLISECONDS);
        bounded.whenComplete((response, failure) -> {
            if (failure != null) {
                exchange.cancel(true);
            }
        });
        return bounded;
    }

    /** The outcome for a call that ended in an exception instead of an HTTP answer. */
    protected CallOutcome failure(Throwable thrown, String what, DeploymentEndpoint d, Instant started, Duration budget) {
        return CallOutcome.builder(started, clock.instant())
                .failed(AttemptOutcome.RETRYABLE_FAILURE, describe(thrown, what, d, budget))
                .build();
    }

    /** Words for an exception, naming the deployment's host but never headers or secrets. */
    protected String describe(Throwable thrown, String what, DeploymentEndpoint d, Duration budget) {
        Throwable t = unwrap(thrown);
        String where = d.baseUrl().getHost() + (d.baseUrl().getPort() > 0 ? ":" + d.baseUrl().getPort() : "");
        String text;
        if (t instanceof HttpConnectTimeoutException) {
            text = what + ": connecting to " + where + " timed out";
        } else if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
            text = what + ": no answer from " + where + " within " + budget.toMillis() + " ms";
        } else if (t instanceof ConnectException) {
            text = what + ": cannot connect to " + where + " (" + message(t) + ")";
        } else if (t instanceof IOException) {
            text = what + ": I/O error talking to " + where + " (" + message(t) + ")";
        } else if (t instanceof CancellationException) {
            text = what + ": cancelled";
        } else {
            text = what + ": unexpected " + message(t);
        }
        return safe(text);
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + shorten(m);
    }

    protected static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /**
     * GETs {@code uri} with the probe time-out; a 2xx answer is healthy, anything else is not.
     *
     * @param headers adds the provider's auth headers
     * @param models  reads the models from a healthy answer's body (empty when the provider does not say)
     */
    protected CompletableFuture<ProbeOutcome> probeGet(DeploymentEndpoint d, URI uri,
                                                       Consumer<HttpRequest.Builder> headers,
                                                       Function<String, List<String>> models) {
        return probeGet(d, uri, headers, models, false);
    }

    /**
     * The same; with {@code listsModels} the answer is the deployment's model list (Ollama's {@code /api/tags},
     * vLLM's {@code /v1/models}), so an empty list means it serves none ({@link ProbeOutcome#modelsListed()}).
     */
    protected CompletableFuture<ProbeOutcome> probeGet(DeploymentEndpoint d, URI uri,
                                                       Consumer<HttpRequest.Builder> headers,
                                                       Function<String, List<String>> models, boolean listsModels) {
        return probeGet(d, uri, headers, models, listsModels, probeTimeout);
    }

    /**
     * The same, with its own time-out: a probe that may have to wake a scaled-to-zero unit (Modal's reaches a
     * container and may start one) must outlast a cold start, or it fails every time the unit is cold.
     */
    protected CompletableFuture<ProbeOutcome> probeGet(DeploymentEndpoint d, URI uri,
                                                       Consumer<HttpRequest.Builder> headers,
                                                       Function<String, List<String>> models, boolean listsModels,
                                                       Duration probeTimeout) {
        Instant started = clock.instant();
        long startNanos = System.nanoTime();
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET().timeout(probeTimeout)
                .header("Accept", "application/json");
        headers.accept(builder);
        CompletableFuture<HttpResponse<String>> sent;
        try {
            sent = send(builder.build(), HttpResponse.BodyHandlers.ofString(), probeTimeout);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(
                    ProbeOutcome.unhealthy(null, describe(e, "probe", d, probeTimeout), started));
        }
        return sent.handle((response, thrown) -> {
            Instant now = clock.instant();
            Duration latency = Duration.ofNanos(System.nanoTime() - startNanos);
            if (thrown != null) {
                return ProbeOutcome.unhealthy(null, describe(thrown, "probe", d, probeTimeout), now);
            }
            if (response.statusCode() / 100 != 2) {
                FailureClassifier.Verdict verdict = FailureClassifier.ofHttp(response.statusCode(), response.body());
                // Credentials refused or nothing at that address: the probe says the set-up is wrong, not the health.
                FailureBlame blame = verdict.blame() == FailureBlame.MISCONFIGURED
                        ? FailureBlame.MISCONFIGURED : FailureBlame.UNHEALTHY;
                return ProbeOutcome.unhealthy(latency, verdict.describe(httpError("probe " + uri.getPath(),
                        response.statusCode(), response.body())), now, blame);
            }
            if (!listsModels) {
                List<String> found;
                try {
                    found = models.apply(response.body());
                } catch (RuntimeException unreadable) {
                    found = List.of();
                }
                return ProbeOutcome.healthy(latency, now, found);
            }
            try {
                return ProbeOutcome.listing(latency, now, models.apply(response.body()));
            } catch (RuntimeException unreadable) {
                // A listing we cannot read says nothing about the models either way.
                return ProbeOutcome.healthy(latency, now, List.of());
            }
        });
    }

    /** Guards a call's future: whatever escapes the client's own handling becomes a retryable outcome. */
    protected CompletableFuture<CallOutcome> guard(CompletableFuture<CallOutcome> call, String what,
                                                   DeploymentEndpoint d, Instant started, Duration budget) {
        return call.handle((outcome, thrown) -> thrown == null && outcome != null
                ? outcome : failure(thrown == null ? new IllegalStateException("no outcome") : thrown, what, d,
                started, budget));
    }

    /** Reads a JSON body, or null when it is not JSON. */
    protected static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    protected static String jsonBody(Object tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write request JSON", e);
        }
    }

    protected static int intOrZero(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.canConvertToInt() ? v.asInt() : 0;
    }
}
