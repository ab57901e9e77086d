package io.beacon.workers.runpod;

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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Calls a RunPod serverless endpoint: {@code POST /runsync} and, when that returns before the job is done
 * (IN_QUEUE / IN_PROGRESS), {@code GET /status/{id}} with back-off until a terminal state. When the
 * attempt's deadline passes while polling, the job is cancelled ({@code POST /cancel/{id}}) so RunPod stops
 * billing for an answer nobody will read.
 *
 * <p>Billing: RunPod bills per second, rounded up, of the job's delay plus execution time.
 */
public final class RunPodClient extends HttpProviderClient {

    static final long MIN_WAIT_MS = 1_000;
    static final long MAX_WAIT_MS = 300_000;
    /** RunPod does not accept an execution time-out under five seconds. */
    static final long MIN_EXECUTION_TIMEOUT_MS = 5_000;
    /** Leaves the worker time to read runsync's early answer before its own HTTP time-out fires. */
    static final long WAIT_HEADROOM_MS = 1_000;
    static final Duration FIRST_POLL = Duration.ofMillis(200);
    static final Duration MAX_POLL = Duration.ofSeconds(2);
    static final Duration MAX_STATUS_REQUEST = Duration.ofSeconds(10);

    /** RunPod's own default for {@code /runsync}'s wait. */
    public static final Duration DEFAULT_RUNSYNC_WAIT = Duration.ofSeconds(90);

    private final Duration runsyncWait;

    public RunPodClient(HttpClient http, Clock clock, ProviderSecrets secrets, Duration probeTimeout,
                        ExecutorService ownedExecutor) {
        this(http, clock, secrets, probeTimeout, DEFAULT_RUNSYNC_WAIT, ownedExecutor);
    }

    /**
     * @param runsyncWait longest time {@code /runsync} may hold the request before answering with the job
     *                    still queued or running (then the client polls); the attempt's budget bounds it too
     */
    public RunPodClient(HttpClient http, Clock clock, ProviderSecrets secrets, Duration probeTimeout,
                        Duration runsyncWait, ExecutorService ownedExecutor) {
        super(http, clock, secrets, probeTimeout, ownedExecutor);
        this.runsyncWait = runsyncWait;
    }

    @Override
    public ProviderKind kind() {
        return ProviderKind.RUNPOD;
    }

    /** One attempt's state while it waits for RunPod. */
    private final class Attempt {
        final DeploymentEndpoint d;
        final Instant started;
        final Instant deadline;
        String runpodId;
        Duration nextPoll = FIRST_POLL;
        int polls;

        Attempt(DeploymentEndpoint d, Instant started, Instant deadline) {
            this.d = d;
            this.started = started;
            this.deadline = deadline;
        }

        CallOutcome.Builder outcome() {
            return CallOutcome.builder(started, clock.instant());
        }

        /** An outcome with RunPod's figures from the job object {@code json}. */
        CallOutcome.Builder outcome(JsonNode json, boolean completed) {
            Instant finished = clock.instant();
            CallOutcome.Builder out = CallOutcome.builder(started, finished);
            return withFigures(out, json);
        }
    }

    @Override
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        Instant started = clock.instant();
        Instant deadline = attemptDeadline(job, d, started);
        Duration budget = remaining(deadline);
        Attempt attempt = new Attempt(d, started, deadline);
        try {
            long waitMs = Math.max(MIN_WAIT_MS, Math.min(Math.min(MAX_WAIT_MS, runsyncWait.toMillis()),
                    budget.toMillis() - WAIT_HEADROOM_MS));
            HttpRequest.Builder builder = HttpRequest.newBuilder(d.resolve("/runsync?wait=" + waitMs))
                    .timeout(budget)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(jsonBody(body(job.getRequest(), budget))));
            addAuth(builder);
            CompletableFuture<CallOutcome> outcome = send(builder.build(), HttpResponse.BodyHandlers.ofString(), budget)
                    .thenCompose(response -> onAnswer(attempt, "runsync", response));
            return guard(outcome, "runpod call", d, started, budget);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failure(e, "runpod call", d, started, budget));
        }
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d) {
        return probeGet(d, d.resolve("/health"), this::addAuth, body -> List.of());
    }

    private void addAuth(HttpRequest.Builder builder) {
        secrets.runpodApiKey().ifPresent(key -> builder.header("Authorization", "Bearer " + key.reveal()));
    }

    /**
     * worker-vllm's input: the job as chat {@code messages} (a prompt job as one user message), so the endpoint
     * applies the model's chat template as Ollama's {@code /api/chat} and vLLM's chat route do; a raw
     * {@code prompt} would reach the model without it. {@code model} names the provider's model for the
     * record only: worker-vllm serves the one model it was started with and ignores it.
     */
    static ObjectNode body(InferenceRequest request, Duration budget) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode input = body.putObject("input");
        ArrayNode messages = input.putArray("messages");
        if (request.getMessages().isEmpty()) {
            messages.addObject().put("role", "user").put("content", request.getPrompt());
        } else {
            for (ChatMessage m : request.getMessages()) {
                messages.addObject().put("role", m.getRole()).put("content", m.getContent());
            }
        }
        input.put("model", request.getModel());
        ObjectNode sampling = input.putObject("sampling_params");
        sampling.put("temperature", request.getTemperature());
        sampling.put("max_tokens", request.getMaxTokens());
        // RunPod stops the job itself when our budget is spent, instead of billing for an unread answer.
        body.putObject("policy").put("executionTimeout", Math.max(MIN_EXECUTION_TIMEOUT_MS, budget.toMillis()));
        return body;
    }

    /** Handles an answer of runsync or status: terminal states finish the attempt, others poll again. */
    private CompletableFuture<CallOutcome> onAnswer(Attempt attempt, String what, HttpResponse<String> response) {
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            // The endpoint refused our key: this deployment's set-up, another deployment may serve the job.
            String why = secrets.runpodApiKey().isPresent()
                    ? "RunPod refused the API key (HTTP " + status + "); check RUNPOD_API_KEY"
                    : "RunPod requires an API key (HTTP " + status + ") and none is configured; set RUNPOD_API_KEY";
            return done(statusOf(attempt.outcome(), response)
                    .failed(FailureClassifier.ofHttp(status, response.body()), why).build());
        }
        if (status != 200) {
            if (attempt.runpodId != null && status == 404) {
                return done(attempt.outcome().failed(AttemptOutcome.RETRYABLE_FAILURE,
                        "RunPod no longer knows job " + attempt.runpodId + " (HTTP 404 on status)").build());
            }
            if (attempt.runpodId != null && classify(status) == AttemptOutcome.RETRYABLE_FAILURE) {
                // A failed status request says nothing about the job: keep polling until the deadline.
                return poll(attempt);
            }
            // E.g. 429 on /runsync (rate limit or a full queue): the worker may retry after Retry-After; 400 is
            // the request's fault; 404 on /runsync is an endpoint id that does not exist (the set-up's).
            return done(failedHttp(attempt.outcome(), response, "runpod " + what, response.body()).build());
        }
        JsonNode json = parse(response.body());
        if (json == null || !json.isObject()) {
            return done(attempt.outcome().failed(AttemptOutcome.RETRYABLE_FAILURE,
                    "runpod " + what + " returned HTTP 200 with a body that is not JSON").build());
        }
        if (json.hasNonNull("id")) {
            attempt.runpodId = json.get("id").asText();
        }
        String state = json.path("status").asText("").toUpperCase(Locale.ROOT);
        return switch (state) {
            case "COMPLETED" -> done(completed(attempt, json));
            case "FAILED" -> done(failed(attempt, json));
            case "CANCELLED" -> done(attempt.outcome(json, false).failed(AttemptOutcome.RETRYABLE_FAILURE,
                    "RunPod job " + attempt.runpodId + " was cancelled").build());
            case "TIMED_OUT" -> done(attempt.outcome(json, false).failed(AttemptOutcome.RETRYABLE_FAILURE,
                    "RunPod job " + attempt.runpodId + " timed out on RunPod (executionTimeout or ttl)").build());
            case "IN_QUEUE", "IN_PROGRESS", "RUNNING" -> attempt.runpodId == null
                    ? done(attempt.outcome().failed(AttemptOutcome.RETRYABLE_FAILURE,
                    "runpod " + what + " answered " + state + " without a job id").build())
                    : poll(attempt);
            default -> done(attempt.outcome().failed(AttemptOutcome.RETRYABLE_FAILURE,
                    "runpod " + what + " answered an unknown job status '" + shorten(state) + "'").build());
        };
    }

    /**
     * A job that ended FAILED: the worker's {@code error} says whose fault (invalid input or a prompt over the
     * context length is the request's and would fail anywhere; a crash is the deployment's trouble).
     */
    private CallOutcome failed(Attempt attempt, JsonNode json) {
        JsonNode error = json.get("error");
        String message = error == null || error.isNull() ? null
                : providerMessage(error.isTextual() ? error.asText() : error.toString());
        String text = safe("RunPod job " + attempt.runpodId + " failed on the worker"
                + (message == null || message.isEmpty() ? "" : ": " + message));
        FailureClassifier.Verdict verdict = message == null ? FailureClassifier.unhealthy()
                : FailureClassifier.ofReportedError(error.isTextual() ? error.asText() : error.toString());
        return attempt.outcome(json, false).failed(verdict, text).build();
    }

    private CallOutcome completed(Attempt attempt, JsonNode json) {
        JsonNode output = json.get("output");
        String error = RunPodOutput.error(output);
        if (error != null) {
            // worker-vllm reports what went wrong inside a COMPLETED job's output, not as FAILED; whose fault it
            // is reads as any provider's error text does (the request's, the endpoint's set-up, or its trouble).
            return attempt.outcome(json, true).failed(FailureClassifier.ofReportedError(error),
                    safe("RunPod job " + attempt.runpodId + " completed with an error from the worker: "
                            + shorten(error))).build();
        }
        String text = RunPodOutput.text(output);
        if (text == null) {
            return attempt.outcome(json, true).failed(AttemptOutcome.RETRYABLE_FAILURE,
                    "RunPod job " + attempt.runpodId + " completed with an output this worker cannot read").build();
        }
        int[] tokens = RunPodOutput.tokens(output);
        return attempt.outcome(json, true).succeeded(text).tokens(tokens[0], tokens[1]).build();
    }

    /**
     * RunPod's figures: executionTime as provider time, delayTime as queue time. What the call costs is the
     * cost ledger's share ({@link io.beacon.workers.cost.MeteredClient}), not these figures.
     */
    private static CallOutcome.Builder withFigures(CallOutcome.Builder out, JsonNode json) {
        long delay = json.path("delayTime").asLong(0);
        JsonNode exec = json.get("executionTime");
        if (exec != null && exec.canConvertToLong()) {
            out.providerTimeMs(exec.asLong());
        }
        return out.queueTimeMs(delay);
    }

    private CompletableFuture<CallOutcome> poll(Attempt attempt) {
        Duration delay = attempt.nextPoll;
        attempt.nextPoll = min(MAX_POLL, Duration.ofMillis((long) (delay.toMillis() * 1.5)));
        Duration left = Duration.between(clock.instant(), attempt.deadline);
        if (left.compareTo(delay) <= 0) {
            return cancel(attempt);
        }
        attempt.polls++;
        Duration requestTimeout = min(MAX_STATUS_REQUEST, left.minus(delay));
        CompletableFuture<CallOutcome> next = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> {
            URI uri = attempt.d.resolve("/status/" + attempt.runpodId);
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET().timeout(requestTimeout)
                    .header("Accept", "application/json");
            addAuth(builder);
            send(builder.build(), HttpResponse.BodyHandlers.ofString(), requestTimeout)
                    .handle((response, thrown) -> thrown == null
                            ? onAnswer(attempt, "status", response)
                            // A lost status request is not a lost job: try again until the deadline.
                            : poll(attempt))
                    .thenCompose(f -> f)
                    .whenComplete((outcome, thrown) -> {
                        if (thrown != null) {
                            next.completeExceptionally(thrown);
                        } else {
                            next.complete(outcome);
                        }
                    });
        }, CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS))
                .exceptionally(thrown -> {
                    next.completeExceptionally(thrown);
                    return null;
                });
        return next;
    }

    /** The deadline passed while the job was queued or running: cancel it and report a retryable failure. */
    private CompletableFuture<CallOutcome> cancel(Attempt attempt) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(attempt.d.resolve("/cancel/" + attempt.runpodId))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(probeTimeout)
                .header("Accept", "application/json");
        addAuth(builder);
        String base = "RunPod job " + attempt.runpodId + " did not finish before the attempt's deadline ("
                + Duration.between(attempt.started, attempt.deadline).toMillis() + " ms, " + attempt.polls
                + " status polls)";
        return send(builder.build(), HttpResponse.BodyHandlers.ofString(), probeTimeout)
                .handle((response, thrown) -> {
                    String cancelled = thrown == null && response.statusCode() / 100 == 2
                            ? "; cancelled it"
                            : "; cancelling it failed ("
                            + (thrown == null ? "HTTP " + response.statusCode() : unwrap(thrown).getClass().getSimpleName())
                            + ")";
                    return attempt.outcome().failed(AttemptOutcome.RETRYABLE_FAILURE, safe(base + cancelled)).build();
                });
    }

    private static CompletableFuture<CallOutcome> done(CallOutcome outcome) {
        return CompletableFuture.completedFuture(outcome);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
