package io.beacon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A RunPod serverless endpoint running the vLLM worker, under {@code /v2/{endpointId}}: asynchronous jobs
 * ({@code /run} + {@code /status}), synchronous ones ({@code /runsync}, which returns early with the job still
 * IN_QUEUE / IN_PROGRESS when it outlasts {@code wait}), cancel, retry, purge-queue and health.
 *
 * <p>As worker-vllm: the endpoint serves one model (the deployment's first, its {@code MODEL_NAME}) and ignores
 * {@code input.model}; it takes {@code input.messages} (chat template applied) or {@code input.prompt} (raw
 * text) with {@code sampling_params}; a request it cannot run (no prompt or messages, invalid sampling
 * parameters, a prompt longer than the context window) ends COMPLETED with {@code [{"error": "..."}]} as its
 * output, as worker-vllm reports errors; only a crashed handler ends FAILED.
 */
final class RunPodProtocol extends InferenceProtocol {

    static final String UNAUTHORIZED = "Unauthorized";
    static final long DEFAULT_RUNSYNC_WAIT_MS = 90_000;
    static final long MIN_RUNSYNC_WAIT_MS = 1_000;
    static final long MAX_RUNSYNC_WAIT_MS = 300_000;
    /** RunPod's endpoint defaults: 10 minutes of execution, 24 hours to live. */
    static final Duration DEFAULT_EXECUTION_TIMEOUT = Duration.ofMinutes(10);
    static final Duration DEFAULT_TTL = Duration.ofHours(24);

    private final SimulatedDeployment deployment;
    private final SimCredentials credentials;
    private final String basePath;
    private final RunPodJobStore jobs = new RunPodJobStore();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();

    RunPodProtocol(SimEngine engine, SimCredentials credentials) {
        super(engine);
        this.deployment = engine.deployment();
        this.credentials = credentials;
        this.basePath = basePath(deployment);
    }

    static String basePath(SimulatedDeployment deployment) {
        return "/v2/" + deployment.id();
    }

    @Override
    public void handle(HttpExchange exchange) {
        if (!authorized(exchange)) {
            return;
        }
        if (engine.faults().current().authFailing()) {
            // The API key was revoked: every route is refused, /health too.
            HttpIo.drainBody(exchange);
            sendError(exchange, engine.faults().current().failStatus(), UNAUTHORIZED);
            return;
        }
        // First contact starts the billing of active workers; /health and status polls wake no flex worker.
        engine.touch();
        String path = HttpIo.path(exchange);
        if (!path.startsWith(basePath + "/")) {
            HttpIo.drainBody(exchange);
            sendError(exchange, 404, "Endpoint not found");
            return;
        }
        String route = path.substring(basePath.length());
        String method = exchange.getRequestMethod();
        if (route.equals("/run")) {
            onlyPost(exchange, method, () -> submit(exchange, false));
        } else if (route.equals("/runsync")) {
            onlyPost(exchange, method, () -> submit(exchange, true));
        } else if (route.equals("/purge-queue")) {
            onlyPost(exchange, method, () -> purgeQueue(exchange));
        } else if (route.equals("/health")) {
            if (method.equals("GET")) {
                health(exchange);
            } else {
                methodNotAllowed(exchange);
            }
        } else if (route.startsWith("/status/")) {
            if (method.equals("GET") || method.equals("POST")) {
                HttpIo.drainBody(exchange);
                withJob(exchange, route.substring("/status/".length()),
                        job -> HttpIo.sendJson(exchange, 200, job.toJson()));
            } else {
                methodNotAllowed(exchange);
            }
        } else if (route.startsWith("/cancel/")) {
            onlyPost(exchange, method, () -> withJob(exchange, route.substring("/cancel/".length()),
                    job -> HttpIo.sendJson(exchange, 200, job.cancel())));
        } else if (route.startsWith("/retry/")) {
            onlyPost(exchange, method, () -> withJob(exchange, route.substring("/retry/".length()),
                    job -> retry(exchange, job)));
        } else {
            HttpIo.drainBody(exchange);
            sendError(exchange, 404, "Not found");
        }
    }

    /** Answers an error in RunPod's shape, {@code {"error":"..."}}. */
    static void sendError(HttpExchange exchange, int status, String message) {
        HttpIo.sendJson(exchange, status, HttpIo.object().put("error", message));
    }

    @Override
    protected String injectedFailureMessage(int status) {
        return injectedMessage(status);
    }

    static String injectedMessage(int status) {
        return switch (status) {
            case 429 -> "Too many requests";
            case 500 -> "Internal server error";
            case 502 -> "Bad gateway";
            case 503 -> "Service unavailable";
            default -> "Simulated endpoint failure (HTTP " + status + ")";
        };
    }

    private boolean authorized(HttpExchange exchange) {
        if (!credentials.runpodAuthRequired()) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null) {
            String key = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : header.trim();
            if (MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8),
                    credentials.runpodApiKey().getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
        }
        HttpIo.drainBody(exchange);
        sendError(exchange, 401, UNAUTHORIZED);
        return false;
    }

    private void submit(HttpExchange exchange, boolean sync) {
        ObjectNode body = admit(exchange);
        if (body == null) {
            return;
        }
        JsonNode input = body.get("input");
        if (input == null || !input.isObject()) {
            failNow(exchange, 400, "Invalid request: 'input' is required and must be an object");
            return;
        }
        JsonNode policy = body.path("policy");
        Duration executionTimeout;
        Duration ttl;
        try {
            executionTimeout = positiveMillis(policy, "executionTimeout", DEFAULT_EXECUTION_TIMEOUT);
            ttl = positiveMillis(policy, "ttl", DEFAULT_TTL);
        } catch (HttpIo.BadRequestException e) {
            failNow(exchange, 400, e.getMessage());
            return;
        }
        String id = (sync ? "sync-" : "") + UUID.randomUUID() + "-u1";
        RunPodJob job = new RunPodJob(engine, id, work(input), executionTimeout, ttl, this::onTerminal);
        jobs.put(job);
        if (!job.enqueue()) {
            jobs.remove(id);
            sendError(exchange, 429, "Too many requests: the endpoint's job queue is full");
            return;
        }
        if (!sync) {
            HttpIo.sendJson(exchange, 200, HttpIo.object().put("id", id).put("status", RunPodJob.Status.IN_QUEUE.name()));
            return;
        }
        Duration wait = Duration.ofMillis(runsyncWaitMillis(HttpIo.query(exchange.getRequestURI())));
        HttpIo.firstOf(engine, job.done(), wait,
                finished -> HttpIo.sendJson(exchange, 200, finished.toJson()),
                () -> HttpIo.sendJson(exchange, 200, job.toJson()));
    }

    private void retry(HttpExchange exchange, RunPodJob job) {
        switch (job.retry()) {
            case RETRIED -> {
                retried.incrementAndGet();
                HttpIo.sendJson(exchange, 200,
                        HttpIo.object().put("id", job.id()).put("status", RunPodJob.Status.IN_QUEUE.name()));
            }
            case QUEUE_FULL -> sendError(exchange, 429, "Too many requests: the endpoint's job queue is full");
            case NOT_RETRYABLE -> sendError(exchange, 400, "Job " + job.id() + " is " + job.status()
                    + "; only FAILED or TIMED_OUT jobs can be retried");
            default -> throw new IllegalStateException("unknown retry outcome");
        }
    }

    private void purgeQueue(HttpExchange exchange) {
        HttpIo.drainBody(exchange);
        int removed = 0;
        for (RunPodJob job : jobs.snapshot()) {
            if (job.purge()) {
                removed++;
            }
        }
        HttpIo.sendJson(exchange, 200, HttpIo.object().put("removed", removed).put("status", "completed"));
    }

    private void health(HttpExchange exchange) {
        FaultControl.Faults faults = engine.faults().current();
        if (faults.healthFailing()) {
            sendError(exchange, faults.failStatus(), injectedMessage(faults.failStatus()));
            return;
        }
        int inQueue = 0;
        int inProgress = 0;
        for (RunPodJob job : jobs.snapshot()) {
            RunPodJob.Status status = job.status();
            if (status == RunPodJob.Status.IN_QUEUE) {
                inQueue++;
            } else if (status == RunPodJob.Status.IN_PROGRESS) {
                inProgress++;
            }
        }
        int running = engine.runningUnits();
        int idle = engine.idleUnits();
        ObjectNode root = HttpIo.object();
        root.putObject("jobs")
                .put("completed", completed.get())
                .put("failed", failed.get())
                .put("inProgress", inProgress)
                .put("inQueue", inQueue)
                .put("retried", retried.get());
        root.putObject("workers").put("idle", idle).put("running", running);
        HttpIo.sendJson(exchange, 200, root);
    }

    private void onTerminal(RunPodJob.Status status) {
        if (status == RunPodJob.Status.COMPLETED) {
            completed.incrementAndGet();
        } else if (status == RunPodJob.Status.FAILED || status == RunPodJob.Status.TIMED_OUT) {
            failed.incrementAndGet();
        }
    }

    /**
     * What the vLLM worker makes of the input: {@code messages} or {@code prompt}, plus {@code sampling_params};
     * {@code input.model} is ignored (the endpoint serves its one model).
     */
    private RunPodJob.Work work(JsonNode input) {
        String model = deployment.defaultModel();
        if (engine.faults().isMissing(model)) {
            // The model-missing fault: the endpoint's one model is gone, reported inside the output as worker-vllm does.
            return new RunPodJob.Work(null, "Model " + model + " is not served by this endpoint (its weights are missing)");
        }
        JsonNode sampling = input.path("sampling_params");
        Integer maxTokens = null;
        if (sampling.hasNonNull("max_tokens")) {
            JsonNode limit = sampling.get("max_tokens");
            if (!limit.canConvertToInt() || limit.asInt() < 1) {
                return new RunPodJob.Work(null, "max_tokens must be at least 1, got " + limit.asText() + ".");
            }
            maxTokens = limit.asInt();
        }
        Long seed = sampling.hasNonNull("seed") ? sampling.get("seed").asLong() : null;
        String prompt;
        if (input.path("messages").isArray() && !input.get("messages").isEmpty()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode message : input.get("messages")) {
                text.append(message.path("role").asText("user")).append(": ")
                        .append(message.path("content").asText("")).append('\n');
            }
            prompt = text.toString();
        } else if (input.path("prompt").isTextual() && !input.get("prompt").asText().isEmpty()) {
            prompt = input.get("prompt").asText();
        } else {
            return new RunPodJob.Work(null, "Invalid input: expected a non-empty 'prompt' or 'messages'");
        }
        int promptTokens = TextSynth.countTokens(prompt);
        if (promptTokens > deployment.maxModelLen()) {
            return new RunPodJob.Work(null, "The decoder prompt (length " + promptTokens + ") is longer than the"
                    + " maximum model length of " + deployment.maxModelLen() + ". Make sure that `max_model_len` is"
                    + " no smaller than the number of text tokens.");
        }
        return new RunPodJob.Work(TextSynth.complete(model, prompt, maxTokens, seed), null);
    }

    private void withJob(HttpExchange exchange, String jobId, java.util.function.Consumer<RunPodJob> action) {
        RunPodJob job = jobs.get(jobId);
        if (job == null) {
            sendError(exchange, 404, "request does not exist");
            return;
        }
        action.accept(job);
    }

    private void onlyPost(HttpExchange exchange, String method, Runnable action) {
        if (method.equals("POST")) {
            action.run();
        } else {
            methodNotAllowed(exchange);
        }
    }

    private static void methodNotAllowed(HttpExchange exchange) {
        HttpIo.drainBody(exchange);
        sendError(exchange, 405, "Method not allowed");
    }

    @Override
    protected void failNow(HttpExchange exchange, int status, String message) {
        engine.countImmediateOutcome(false);
        sendError(exchange, status, message);
    }

    /** {@code wait} in ms, clamped to RunPod's 1 000..300 000; 90 000 when absent or unparsable. */
    static long runsyncWaitMillis(Map<String, String> query) {
        String raw = query.get("wait");
        long wait = DEFAULT_RUNSYNC_WAIT_MS;
        if (raw != null) {
            try {
                wait = Long.parseLong(raw.trim());
            } catch (NumberFormatException e) {
                wait = DEFAULT_RUNSYNC_WAIT_MS;
            }
        }
        return Math.max(MIN_RUNSYNC_WAIT_MS, Math.min(MAX_RUNSYNC_WAIT_MS, wait));
    }

    private static Duration positiveMillis(JsonNode policy, String field, Duration fallback)
            throws HttpIo.BadRequestException {
        JsonNode value = policy.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToLong() || value.asLong() <= 0) {
            throw new HttpIo.BadRequestException("Invalid request: policy." + field + " must be a positive number of ms");
        }
        return Duration.ofMillis(value.asLong());
    }
}
