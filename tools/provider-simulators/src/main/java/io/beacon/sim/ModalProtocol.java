package io.beacon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Modal web endpoint running vLLM's OpenAI-compatible server: {@code POST /v1/chat/completions},
 * {@code GET /v1/models} and {@code GET /health} behind Modal's proxy, which checks
 * {@code Modal-Key}/{@code Modal-Secret} and turns requests still running after the redirect threshold (150 s
 * on Modal) into {@code 303 See Other} to a result URL that blocks until the result is ready.
 *
 * <p>As vLLM, it answers only to the names it serves (the deployment's models: a Hugging Face id such as
 * {@code meta-llama/Llama-3.2-1B-Instruct}, or {@code --served-model-name} aliases): any other model is a 404
 * {@code NotFoundError}; a request that does not fit the context window ({@code max_model_len}) a 400. vLLM's
 * own errors use its {@code ErrorResponse} shape, {@code {"object":"error","message","type","param","code"}};
 * answers of Modal's proxy (rate limits, no container) keep the OpenAI {@code {"error":{...}}} shape.
 */
final class ModalProtocol extends InferenceProtocol {

    static final String MISSING_CREDENTIALS = "modal-http: missing credentials for proxy authorization";
    static final String INVALID_CREDENTIALS = "modal-http: invalid credentials for proxy authorization";
    static final String RESULT_PATH = "/__modal/result/";
    static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

    /** How long a redirected call's result stays fetchable after it completed. */
    private static final Duration RESULT_RETENTION = Duration.ofMinutes(10);
    private static final Duration MIN_CHUNK_INTERVAL = Duration.ofMillis(5);
    private static final String CALL_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private final SimulatedDeployment deployment;
    private final SimCredentials credentials;
    private final Map<String, CompletableFuture<Reply>> redirectedCalls = new ConcurrentHashMap<>();

    ModalProtocol(SimEngine engine, SimCredentials credentials) {
        super(engine);
        this.deployment = engine.deployment();
        this.credentials = credentials;
    }

    /** A finished call's HTTP answer, kept so a redirected client can fetch it. */
    private record Reply(int status, byte[] body) {
    }

    private record Request(String id, long created, String model, boolean includeUsage,
                           TextSynth.Completion completion) {
    }

    @Override
    public void handle(HttpExchange exchange) {
        if (!authorized(exchange)) {
            return;
        }
        if (engine.faults().current().authFailing()) {
            // Credentials refused at the proxy (a revoked token): every route, /health too, and no container.
            HttpIo.drainBody(exchange);
            HttpIo.sendText(exchange, engine.faults().current().failStatus(), INVALID_CREDENTIALS);
            return;
        }
        engine.touch();
        String path = HttpIo.path(exchange);
        String method = exchange.getRequestMethod();
        if (path.equals("/v1/chat/completions") && method.equals("POST")) {
            chatCompletions(exchange);
        } else if (path.startsWith(RESULT_PATH) && method.equals("GET")) {
            // Served by Modal's proxy from the stored result: no container involved.
            result(exchange, path.substring(RESULT_PATH.length()));
        } else {
            // Every other request reaches a container too (vLLM answers it), so Modal bills it like a call: a probe
            // of an app scaled to zero starts a container, pays its cold start and keeps it up for the window.
            HttpIo.drainBody(exchange);
            probe(exchange, path, method);
        }
    }

    private void probe(HttpExchange exchange, String path, String method) {
        Runnable answer;
        if (path.equals("/health") && method.equals("GET")) {
            answer = () -> health(exchange);
        } else if (path.equals("/v1/models") && method.equals("GET")) {
            answer = () -> HttpIo.sendJson(exchange, 200, models());
        } else {
            boolean known = path.equals("/health") || path.equals("/v1/models") || path.equals("/v1/chat/completions")
                    || path.startsWith(RESULT_PATH);
            answer = () -> HttpIo.sendJson(exchange, known ? 405 : 404,
                    HttpIo.object().put("detail", known ? "Method Not Allowed" : "Not Found"));
        }
        answerFromContainer(exchange, false, true, answer);
    }

    /**
     * Answers through a brief call on a container ({@link SimEngine#PROBE_LATENCY} after any cold start): Modal
     * bills the container for it like for any input. A full queue answers 429 at the proxy, billing nothing.
     */
    private void answerFromContainer(HttpExchange exchange, boolean counted, boolean success, Runnable answer) {
        SimEngine.Ticket ticket = engine.admitBrief(counted, execution -> {
            if (execution.at(execution.doneOffset(), () -> {
                execution.finish(success);
                answer.run();
            }) == null) {
                execution.finish(false);
                exchange.close();
            }
        });
        if (ticket == null) {
            sendError(exchange, 429, "Too many requests: the web endpoint's input queue is full");
        }
    }

    /** Answers an error of Modal's proxy in OpenAI's {@code {"error":{...}}} shape. */
    static void sendError(HttpExchange exchange, int status, String message) {
        HttpIo.sendJson(exchange, status, errorBody(status, message));
    }

    /** Answers an error of vLLM itself, in its {@code ErrorResponse} shape. */
    static void sendVllmError(HttpExchange exchange, int status, String message) {
        HttpIo.sendJson(exchange, status, vllmErrorBody(status, message));
    }

    /** vLLM's {@code ErrorResponse}: {@code {"object":"error","message","type","param","code"}}. */
    static ObjectNode vllmErrorBody(int status, String message) {
        ObjectNode root = HttpIo.object();
        root.put("object", "error");
        root.put("message", message);
        root.put("type", errorType(status));
        root.putNull("param");
        root.put("code", status);
        return root;
    }

    static ObjectNode errorBody(int status, String message) {
        ObjectNode root = HttpIo.object();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", errorType(status));
        error.putNull("param");
        error.put("code", status);
        return root;
    }

    private static String errorType(int status) {
        return switch (status) {
            case 400 -> "BadRequestError";
            case 401 -> "AuthenticationError";
            case 404 -> "NotFoundError";
            case 429 -> "RateLimitError";
            case 500 -> "InternalServerError";
            case 503 -> "ServiceUnavailableError";
            default -> "APIError";
        };
    }

    @Override
    protected String injectedFailureMessage(int status) {
        return injectedMessage(status);
    }

    @Override
    protected String modelNotFoundMessage(String model) {
        return modelNotFound(model);
    }

    /** vLLM's words for a model it was not started with. */
    static String modelNotFound(String model) {
        return "The model `" + model + "` does not exist.";
    }

    static String injectedMessage(int status) {
        return switch (status) {
            case 429 -> "Too many requests: the web endpoint is rate limited";
            case 500 -> "Simulated failure: the function raised an exception";
            case 503 -> "Service unavailable: the app is stopping or has no healthy containers";
            default -> "Simulated endpoint failure (HTTP " + status + ")";
        };
    }

    private boolean authorized(HttpExchange exchange) {
        if (!credentials.modalAuthRequired()) {
            return true;
        }
        String key = exchange.getRequestHeaders().getFirst("Modal-Key");
        String secret = exchange.getRequestHeaders().getFirst("Modal-Secret");
        if (key == null || secret == null) {
            HttpIo.drainBody(exchange);
            HttpIo.sendText(exchange, 401, MISSING_CREDENTIALS);
            return false;
        }
        if (!constantTimeEquals(key, credentials.modalKey()) || !constantTimeEquals(secret, credentials.modalSecret())) {
            HttpIo.drainBody(exchange);
            HttpIo.sendText(exchange, 401, INVALID_CREDENTIALS);
            return false;
        }
        return true;
    }

    private void health(HttpExchange exchange) {
        if (engine.faults().current().healthFailing()) {
            sendError(exchange, 503, injectedMessage(503));
        } else {
            HttpIo.sendEmpty(exchange, 200);
        }
    }

    private void chatCompletions(HttpExchange exchange) {
        ObjectNode body = admit(exchange);
        if (body == null) {
            return;
        }
        String model = body.hasNonNull("model") ? body.get("model").asText() : deployment.defaultModel();
        if (!deployment.serves(model) || engine.faults().isMissing(model)) {
            failNow(exchange, 404, modelNotFound(model));
            return;
        }
        JsonNode messages = body.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            failNow(exchange, 400, "messages: Field required (a non-empty list of {role, content})");
            return;
        }
        JsonNode limit = body.hasNonNull("max_tokens") ? body.get("max_tokens") : body.get("max_completion_tokens");
        Integer maxTokens = null;
        if (limit != null && !limit.isNull()) {
            if (!limit.canConvertToInt() || limit.asInt() < 1) {
                failNow(exchange, 400, "max_tokens must be at least 1, got " + limit.asText() + ".");
                return;
            }
            maxTokens = limit.asInt();
        }
        int promptTokens = TextSynth.countTokens(conversation(messages));
        int contextWindow = deployment.maxModelLen();
        if (promptTokens + (maxTokens == null ? 1 : maxTokens) > contextWindow) {
            failNow(exchange, 400, "This model's maximum context length is " + contextWindow + " tokens. However,"
                    + " you requested " + (promptTokens + (maxTokens == null ? 0 : maxTokens)) + " tokens ("
                    + promptTokens + " in the messages, " + (maxTokens == null ? 0 : maxTokens) + " in the"
                    + " completion). Please reduce the length of the messages or completion.");
            return;
        }
        Long seed = body.hasNonNull("seed") ? body.get("seed").asLong() : null;
        boolean stream = body.path("stream").asBoolean(false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        Request request = new Request("chatcmpl-" + randomHex(16), engine.now().getEpochSecond(), model,
                includeUsage, TextSynth.complete(model, conversation(messages), maxTokens, seed));

        if (stream) {
            if (engine.admit(request.completion().outputTokens(), e -> stream(exchange, e, request)) == null) {
                sendError(exchange, 429, "Too many requests: the web endpoint's input queue is full");
            }
            return;
        }
        CompletableFuture<Reply> result = new CompletableFuture<>();
        if (engine.admit(request.completion().outputTokens(), e -> execute(e, request, result)) == null) {
            sendError(exchange, 429, "Too many requests: the web endpoint's input queue is full");
            return;
        }
        String callId = newCallId();
        HttpIo.firstOf(engine, result, engine.faults().redirectAfter(),
                reply -> send(exchange, reply),
                () -> redirect(exchange, callId, result, true));
    }

    private void execute(Execution execution, Request request, CompletableFuture<Reply> result) {
        boolean fails = execution.failureInjected();
        Duration offset = fails ? execution.failureOffset() : execution.doneOffset();
        Runnable finish = () -> {
            execution.finish(!fails);
            result.complete(fails
                    ? new Reply(500, HttpIo.toBytes(vllmErrorBody(500, injectedMessage(500))))
                    : new Reply(200, HttpIo.toBytes(completion(request))));
        };
        if (execution.at(offset, finish) == null) {
            execution.finish(false);
            result.complete(new Reply(503, HttpIo.toBytes(errorBody(503, "simulator is shutting down"))));
        }
    }

    private void stream(HttpExchange exchange, Execution execution, Request request) {
        if (execution.failureInjected()) {
            if (execution.at(execution.failureOffset(), () -> {
                execution.finish(false);
                sendVllmError(exchange, 500, injectedMessage(500));
            }) == null) {
                execution.finish(false);
                exchange.close();
            }
            return;
        }
        TimedStream.play(execution, exchange, EVENT_STREAM, frames(request, execution), true);
    }

    private List<TimedStream.Frame> frames(Request request, Execution execution) {
        List<String> tokens = request.completion().tokens();
        long latencyNanos = execution.latency().toNanos();
        int chunks = (int) Math.max(1, Math.min(tokens.size(), latencyNanos / MIN_CHUNK_INTERVAL.toNanos()));
        List<TimedStream.Frame> frames = new ArrayList<>(chunks + 1);
        for (int j = 0; j < chunks; j++) {
            ByteArrayOutputStream events = new ByteArrayOutputStream();
            if (j == 0) {
                ObjectNode delta = HttpIo.object().put("role", "assistant").put("content", "");
                writeEvent(events, chunk(request, delta, null));
            }
            String piece = String.join("", tokens.subList(j * tokens.size() / chunks, (j + 1) * tokens.size() / chunks));
            writeEvent(events, chunk(request, HttpIo.object().put("content", piece), null));
            Duration offset = execution.coldStart().plusNanos(latencyNanos * (j + 1) / (chunks + 1));
            frames.add(new TimedStream.Frame(offset, events.toByteArray()));
        }
        ByteArrayOutputStream end = new ByteArrayOutputStream();
        writeEvent(end, chunk(request, HttpIo.object(), request.completion().finishReason()));
        if (request.includeUsage()) {
            ObjectNode usage = chunkEnvelope(request);
            usage.putArray("choices");
            usage.set("usage", usage(request.completion()));
            writeEvent(end, usage);
        }
        end.writeBytes("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        frames.add(new TimedStream.Frame(execution.doneOffset(), end.toByteArray()));
        return frames;
    }

    private void redirect(HttpExchange exchange, String callId, CompletableFuture<Reply> result, boolean first) {
        if (first) {
            redirectedCalls.put(callId, result);
            result.whenComplete((reply, error) ->
                    engine.schedule(RESULT_RETENTION, () -> redirectedCalls.remove(callId)));
        }
        exchange.getResponseHeaders().set("Location", RESULT_PATH + callId);
        HttpIo.sendEmpty(exchange, 303);
    }

    /** Blocks (without a thread) until the call is done; if it is still running after the threshold, redirects again. */
    private void result(HttpExchange exchange, String callId) {
        CompletableFuture<Reply> result = redirectedCalls.get(callId);
        if (result == null) {
            sendError(exchange, 404, "Function call " + callId + " not found or its result has expired");
            return;
        }
        HttpIo.firstOf(engine, result, engine.faults().redirectAfter(),
                reply -> send(exchange, reply),
                () -> redirect(exchange, callId, result, false));
    }

    private static void send(HttpExchange exchange, Reply reply) {
        HttpIo.send(exchange, reply.status(), HttpIo.APPLICATION_JSON, reply.body());
    }

    @Override
    protected void failNow(HttpExchange exchange, int status, String message) {
        if (status == 429 || status == 503) {
            // Rate limited, or no healthy container: Modal's proxy answers, no container is billed.
            engine.countImmediateOutcome(false);
            sendError(exchange, status, message);
            return;
        }
        // vLLM (or the function) inside a container answers the error: a brief, billed call.
        answerFromContainer(exchange, true, false, () -> sendVllmError(exchange, status, message));
    }

    private ObjectNode completion(Request request) {
        ObjectNode root = HttpIo.object();
        root.put("id", request.id());
        root.put("object", "chat.completion");
        root.put("created", request.created());
        root.put("model", request.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", request.completion().text());
        choice.putNull("logprobs");
        choice.put("finish_reason", request.completion().finishReason());
        root.set("usage", usage(request.completion()));
        return root;
    }

    private ObjectNode chunk(Request request, ObjectNode delta, String finishReason) {
        ObjectNode root = chunkEnvelope(request);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return root;
    }

    private static ObjectNode chunkEnvelope(Request request) {
        ObjectNode root = HttpIo.object();
        root.put("id", request.id());
        root.put("object", "chat.completion.chunk");
        root.put("created", request.created());
        root.put("model", request.model());
        return root;
    }

    private static ObjectNode usage(TextSynth.Completion completion) {
        ObjectNode usage = HttpIo.object();
        usage.put("prompt_tokens", completion.promptTokens());
        usage.put("completion_tokens", completion.outputTokens());
        usage.put("total_tokens", completion.promptTokens() + completion.outputTokens());
        return usage;
    }

    private ObjectNode models() {
        ObjectNode root = HttpIo.object().put("object", "list");
        ArrayNode data = root.putArray("data");
        long created = engine.now().getEpochSecond();
        for (String model : deployment.models()) {
            if (engine.faults().isMissing(model)) {
                continue;
            }
            ObjectNode entry = data.addObject().put("id", model).put("object", "model").put("created", created)
                    .put("owned_by", "vllm").put("root", deployment.defaultModel());
            entry.putNull("parent");
            entry.put("max_model_len", deployment.maxModelLen());
        }
        return root;
    }

    private static void writeEvent(ByteArrayOutputStream out, ObjectNode event) {
        out.writeBytes("data: ".getBytes(StandardCharsets.UTF_8));
        out.writeBytes(HttpIo.toBytes(event));
        out.writeBytes("\n\n".getBytes(StandardCharsets.UTF_8));
    }

    private static String conversation(JsonNode messages) {
        StringBuilder text = new StringBuilder();
        for (JsonNode message : messages) {
            text.append(message.path("role").asText("user")).append(": ")
                    .append(message.path("content").asText("")).append('\n');
        }
        return text.toString();
    }

    private String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        engine.random().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Modal function-call ids look like {@code fc-01J...}: a prefix and 26 Crockford base32 characters. */
    private String newCallId() {
        StringBuilder id = new StringBuilder("fc-");
        for (int i = 0; i < 26; i++) {
            id.append(CALL_ID_ALPHABET.charAt(engine.random().nextInt(CALL_ID_ALPHABET.length())));
        }
        return id.toString();
    }

    private static boolean constantTimeEquals(String given, String expected) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }
}
