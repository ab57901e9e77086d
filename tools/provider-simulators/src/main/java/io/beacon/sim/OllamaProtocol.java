package io.beacon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A leased Golem node as Beacon reaches it: {@code ollama serve} behind the node's TCP proxy, answering the
 * Ollama HTTP API at the root. Streaming is the default, as in Ollama; errors are {@code {"error":"..."}}.
 */
final class OllamaProtocol extends InferenceProtocol {

    /** Ollama's exact text (two spaces included) when OLLAMA_MAX_QUEUE is exceeded. */
    static final String QUEUE_FULL = "server busy, please try again.  maximum pending requests exceeded";
    static final String MID_STREAM_ERROR = "an error was encountered while running the model: unexpected EOF";
    static final String RUNNER_FAILURE = "llama runner process has terminated: exit status 2";
    static final String NDJSON = "application/x-ndjson";

    /** What an authenticating reverse proxy in front of the node answers to a missing or wrong credential. */
    static final String UNAUTHORIZED = "unauthorized";

    /** Tokens closer together than this are sent in one chunk, bounding timer tasks per response. */
    private static final Duration MIN_CHUNK_INTERVAL = Duration.ofMillis(5);
    /** What Ollama reports as the expiry of a model kept loaded forever (keep_alive -1). */
    private static final Instant LOADED_FOREVER = Instant.parse("2318-01-01T00:00:00Z");
    private static final Pattern ZERO_DURATION = Pattern.compile("0+(\\.0+)?(ns|us|µs|ms|s|m|h)?");

    private final SimulatedDeployment deployment;
    private final Instant modifiedAt;
    /** The node image warms its models at boot (why Golem nodes have no cold start); keep_alive 0 unloads one. */
    private final Set<String> loaded = ConcurrentHashMap.newKeySet();

    private final SimCredentials credentials;

    OllamaProtocol(SimEngine engine, SimCredentials credentials) {
        super(engine);
        this.credentials = credentials;
        this.deployment = engine.deployment();
        this.modifiedAt = engine.now();
        loaded.addAll(deployment.models());
    }

    @Override
    public void handle(HttpExchange exchange) {
        if (!authorized(exchange)) {
            return;
        }
        FaultControl.Faults injected = engine.faults().current();
        if (injected.authFailing()) {
            // The requestor's proxy in front of the node refuses our credentials: nothing reaches Ollama.
            HttpIo.drainBody(exchange);
            HttpIo.sendText(exchange, injected.failStatus(), injected.failStatus() == 401 ? "Unauthorized" : "Forbidden");
            return;
        }
        // Any request to the node is first contact with it: the lease (and its billing) starts there.
        engine.touch();
        String path = HttpIo.path(exchange);
        switch (path) {
            case "/" -> {
                if (requireMethod(exchange, "GET", "HEAD") && healthy(exchange)) {
                    HttpIo.sendText(exchange, 200, "Ollama is running");
                }
            }
            case "/api/version" -> {
                if (requireMethod(exchange, "GET")) {
                    HttpIo.sendJson(exchange, 200, HttpIo.object().put("version", "0.12.6"));
                }
            }
            case "/api/tags" -> {
                if (requireMethod(exchange, "GET") && healthy(exchange)) {
                    HttpIo.sendJson(exchange, 200, tags());
                }
            }
            case "/api/ps" -> {
                if (requireMethod(exchange, "GET") && healthy(exchange)) {
                    HttpIo.sendJson(exchange, 200, ps());
                }
            }
            case "/api/generate" -> {
                if (requireMethod(exchange, "POST")) {
                    infer(exchange, false);
                }
            }
            case "/api/chat" -> {
                if (requireMethod(exchange, "POST")) {
                    infer(exchange, true);
                }
            }
            default -> {
                HttpIo.drainBody(exchange);
                HttpIo.sendText(exchange, 404, "404 page not found");
            }
        }
    }

    /** Answers an error in Ollama's shape. */
    static void sendError(HttpExchange exchange, int status, String message) {
        HttpIo.sendJson(exchange, status, HttpIo.object().put("error", message));
    }

    @Override
    protected String injectedFailureMessage(int status) {
        return injectedMessage(status);
    }

    @Override
    protected String modelNotFoundMessage(String model) {
        return modelNotFound(model);
    }

    /** Ollama's words for a model it does not have. */
    static String modelNotFound(String model) {
        return "model \"" + model + "\" not found, try pulling it first";
    }

    static String injectedMessage(int status) {
        return switch (status) {
            case 429 -> "too many requests";
            case 500 -> RUNNER_FAILURE;
            case 503 -> QUEUE_FULL;
            default -> "simulated node failure (HTTP " + status + ")";
        };
    }

    private boolean healthy(HttpExchange exchange) {
        FaultControl.Faults faults = engine.faults().current();
        if (faults.healthFailing()) {
            sendError(exchange, faults.failStatus(), injectedMessage(faults.failStatus()));
            return false;
        }
        return true;
    }

    private boolean requireMethod(HttpExchange exchange, String... allowed) {
        for (String method : allowed) {
            if (method.equals(exchange.getRequestMethod())) {
                return true;
            }
        }
        HttpIo.drainBody(exchange);
        HttpIo.sendText(exchange, 405, "405 method not allowed");
        return false;
    }

    private void infer(HttpExchange exchange, boolean chat) {
        ObjectNode body = admit(exchange);
        if (body == null) {
            return;
        }
        String model = body.path("model").asText("");
        if (model.isBlank()) {
            failNow(exchange, 400, "model is required");
            return;
        }
        if (!deployment.serves(model) || engine.faults().isMissing(model)) {
            failNow(exchange, 404, modelNotFound(model));
            return;
        }
        String prompt;
        if (chat) {
            JsonNode messages = body.path("messages");
            if (!messages.isMissingNode() && !messages.isNull() && !messages.isArray()) {
                failNow(exchange, 400, "messages must be an array of {role, content}");
                return;
            }
            prompt = conversation(messages);
        } else {
            String system = body.path("system").asText("");
            prompt = (system.isEmpty() ? "" : system + "\n") + body.path("prompt").asText("");
        }
        boolean unload = isZeroKeepAlive(body.path("keep_alive"));
        if (chat ? !body.path("messages").isArray() || body.path("messages").isEmpty()
                : body.path("prompt").asText("").isEmpty()) {
            // An empty request only loads (or, with keep_alive 0, unloads) the model, as Ollama does.
            engine.countImmediateOutcome(true);
            if (unload) {
                loaded.remove(model);
            } else {
                loaded.add(model);
            }
            HttpIo.sendJson(exchange, 200, loadResponse(model, chat, unload));
            return;
        }
        JsonNode options = body.path("options");
        Integer numPredict = options.hasNonNull("num_predict") ? options.get("num_predict").asInt() : null;
        Long seed = options.hasNonNull("seed") ? options.get("seed").asLong() : null;
        boolean stream = !body.hasNonNull("stream") || body.get("stream").asBoolean(true);
        Request request = new Request(model, chat, stream, prompt, unload,
                TextSynth.complete(model, prompt, numPredict, seed));
        SimEngine.Ticket ticket = engine.admit(request.completion().outputTokens(),
                execution -> run(exchange, execution, request));
        if (ticket == null) {
            sendError(exchange, 503, QUEUE_FULL);
        }
    }

    private void run(HttpExchange exchange, Execution execution, Request request) {
        loaded.add(request.model());
        if (execution.failureInjected() || (execution.midStream() && !request.stream())) {
            String message = execution.failureInjected() ? RUNNER_FAILURE : MID_STREAM_ERROR;
            at(exchange, execution, execution.failureOffset(), () -> {
                execution.finish(false);
                sendError(exchange, 500, message);
            });
            return;
        }
        if (!request.stream()) {
            at(exchange, execution, execution.doneOffset(), () -> {
                execution.finish(true);
                afterRequest(request);
                HttpIo.sendJson(exchange, 200, finalObject(request, execution, true));
            });
            return;
        }
        TimedStream.play(execution, exchange, NDJSON, frames(request, execution), !execution.midStream());
        if (request.unload()) {
            execution.at(execution.doneOffset(), () -> afterRequest(request));
        }
    }

    private List<TimedStream.Frame> frames(Request request, Execution execution) {
        List<String> tokens = request.completion().tokens();
        long latencyNanos = execution.latency().toNanos();
        int chunks = tokens.isEmpty() ? 0
                : (int) Math.max(1, Math.min(tokens.size(), latencyNanos / MIN_CHUNK_INTERVAL.toNanos()));
        int sent = execution.midStream() ? Math.max(1, chunks / 2) : chunks;
        List<TimedStream.Frame> frames = new ArrayList<>(sent + 1);
        for (int j = 0; j < sent; j++) {
            String piece = String.join("", tokens.subList(j * tokens.size() / chunks, (j + 1) * tokens.size() / chunks));
            Duration offset = execution.coldStart().plusNanos(latencyNanos * (j + 1) / (chunks + 1));
            ObjectNode line = HttpIo.object();
            line.put("model", request.model());
            line.put("created_at", execution.startedAt().plus(offset).toString());
            if (request.chat()) {
                line.putObject("message").put("role", "assistant").put("content", piece);
            } else {
                line.put("response", piece);
            }
            line.put("done", false);
            frames.add(new TimedStream.Frame(offset, ndjson(line)));
        }
        if (execution.midStream()) {
            Duration offset = execution.coldStart().plusNanos(latencyNanos * (sent + 1) / (chunks + 1));
            frames.add(new TimedStream.Frame(offset, ndjson(HttpIo.object().put("error", MID_STREAM_ERROR))));
        } else {
            frames.add(new TimedStream.Frame(execution.doneOffset(), ndjson(finalObject(request, execution, false))));
        }
        return frames;
    }

    /** The closing object with Ollama's statistics; {@code whole} carries the full text (non-streaming). */
    private ObjectNode finalObject(Request request, Execution execution, boolean whole) {
        TextSynth.Completion completion = request.completion();
        long latencyNanos = execution.latency().toNanos();
        long promptEvalNanos = latencyNanos / (completion.outputTokens() + 1L);
        ObjectNode done = HttpIo.object();
        done.put("model", request.model());
        done.put("created_at", execution.startedAt().plus(execution.doneOffset()).toString());
        if (request.chat()) {
            done.putObject("message").put("role", "assistant").put("content", whole ? completion.text() : "");
        } else {
            done.put("response", whole ? completion.text() : "");
        }
        done.put("done", true);
        done.put("done_reason", completion.doneReason());
        if (!request.chat()) {
            ArrayNode context = done.putArray("context");
            TextSynth.tokenIds(request.prompt(), completion.tokens()).forEach(context::add);
        }
        done.put("total_duration", execution.queueTime().plus(execution.doneOffset()).toNanos());
        done.put("load_duration", execution.coldStart().toNanos());
        done.put("prompt_eval_count", completion.promptTokens());
        done.put("prompt_eval_duration", promptEvalNanos);
        done.put("eval_count", completion.outputTokens());
        done.put("eval_duration", latencyNanos - promptEvalNanos);
        return done;
    }

    private void afterRequest(Request request) {
        if (request.unload()) {
            loaded.remove(request.model());
        }
    }

    private void at(HttpExchange exchange, Execution execution, Duration offset, Runnable task) {
        if (execution.at(offset, task) == null) {
            execution.finish(false);
            exchange.close();
        }
    }

    @Override
    protected void failNow(HttpExchange exchange, int status, String message) {
        engine.countImmediateOutcome(false);
        sendError(exchange, status, message);
    }

    private ObjectNode loadResponse(String model, boolean chat, boolean unload) {
        ObjectNode response = HttpIo.object();
        response.put("model", model);
        response.put("created_at", engine.now().toString());
        if (chat) {
            response.putObject("message").put("role", "assistant").put("content", "");
        } else {
            response.put("response", "");
        }
        response.put("done", true);
        response.put("done_reason", unload ? "unload" : "load");
        return response;
    }

    private ObjectNode tags() {
        ObjectNode root = HttpIo.object();
        ArrayNode models = root.putArray("models");
        for (String model : deployment.models()) {
            if (engine.faults().isMissing(model)) {
                continue;
            }
            ObjectNode entry = models.addObject();
            entry.put("name", model);
            entry.put("model", model);
            entry.put("modified_at", modifiedAt.toString());
            entry.put("size", ModelCatalog.info(model).sizeBytes());
            entry.put("digest", ModelCatalog.digest(model));
            entry.set("details", ModelCatalog.details(model));
        }
        return root;
    }

    private ObjectNode ps() {
        ObjectNode root = HttpIo.object();
        ArrayNode models = root.putArray("models");
        for (String model : deployment.models()) {
            if (!loaded.contains(model) || engine.faults().isMissing(model)) {
                continue;
            }
            long size = ModelCatalog.info(model).sizeBytes();
            ObjectNode entry = models.addObject();
            entry.put("name", model);
            entry.put("model", model);
            entry.put("size", size);
            entry.put("digest", ModelCatalog.digest(model));
            entry.set("details", ModelCatalog.details(model));
            entry.put("expires_at", LOADED_FOREVER.toString());
            entry.put("size_vram", size);
        }
        return root;
    }

    private static String conversation(JsonNode messages) {
        StringBuilder text = new StringBuilder();
        for (JsonNode message : messages) {
            text.append(message.path("role").asText("user")).append(": ")
                    .append(message.path("content").asText("")).append('\n');
        }
        return text.toString();
    }

    private static boolean isZeroKeepAlive(JsonNode keepAlive) {
        if (keepAlive.isNumber()) {
            return keepAlive.asDouble() == 0.0;
        }
        return keepAlive.isTextual() && ZERO_DURATION.matcher(keepAlive.asText().trim()).matches();
    }

    private static byte[] ndjson(ObjectNode line) {
        byte[] json = HttpIo.toBytes(line);
        byte[] withNewline = new byte[json.length + 1];
        System.arraycopy(json, 0, withNewline, 0, json.length);
        withNewline[json.length] = (byte) '\n';
        return withNewline;
    }

    private record Request(String model, boolean chat, boolean stream, String prompt, boolean unload,
                           TextSynth.Completion completion) {
    }

    /**
     * The node's proxy: with {@link SimCredentials#golemAuthRequired()} every request needs the exact
     * {@code Authorization} header, else 401 with a {@code WWW-Authenticate} challenge, before Ollama sees it.
     */
    private boolean authorized(HttpExchange exchange) {
        if (!credentials.golemAuthRequired()) {
            return true;
        }
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given != null && MessageDigest.isEqual(
                given.getBytes(StandardCharsets.UTF_8),
                credentials.golemAuthorization().getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        HttpIo.drainBody(exchange);
        String scheme = credentials.golemAuthorization().startsWith("Basic ") ? "Basic" : "Bearer";
        exchange.getResponseHeaders().set("WWW-Authenticate", scheme + " realm=\"golem-node\"");
        HttpIo.sendJson(exchange, 401, HttpIo.object().put("error", UNAUTHORIZED));
        return false;
    }
}
