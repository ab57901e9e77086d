package io.beacon.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small helpers over {@link HttpExchange} shared by the three protocols. Responses never throw: a client that
 * went away is logged at debug and the exchange closed. */
final class HttpIo {

    static final ObjectMapper JSON = JsonMapper.builder().build();
    static final String APPLICATION_JSON = "application/json; charset=utf-8";
    static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    /** Larger bodies are refused; no real prompt gets near this and it bounds memory per request. */
    static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(HttpIo.class);

    private HttpIo() {
    }

    /** The request body parsed as a JSON object. */
    static ObjectNode readJsonObject(HttpExchange exchange) throws BadRequestException, IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new BadRequestException("request body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        if (body.length == 0) {
            throw new BadRequestException("unexpected end of JSON input");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException("request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** Reads and drops the request body, so the connection can be reused. */
    static void drainBody(HttpExchange exchange) {
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            LOG.debug("Could not drain request body: {}", e.toString());
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static void sendJson(HttpExchange exchange, int status, JsonNode body) {
        send(exchange, status, APPLICATION_JSON, toBytes(body));
    }

    static void sendText(HttpExchange exchange, int status, String body) {
        send(exchange, status, TEXT_PLAIN, body.getBytes(StandardCharsets.UTF_8));
    }

    static void sendEmpty(HttpExchange exchange, int status) {
        send(exchange, status, null, new byte[0]);
    }

    static void send(HttpExchange exchange, int status, String contentType, byte[] body) {
        try {
            if (contentType != null) {
                exchange.getResponseHeaders().set("Content-Type", contentType);
            }
            boolean noBody = body.length == 0 || "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException e) {
            LOG.debug("Client went away before the response was written: {}", e.toString());
        } finally {
            exchange.close();
        }
    }

    static byte[] toBytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    /** Query parameters, decoded; the first value wins. */
    static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.putIfAbsent(URLDecoder.decode(key, StandardCharsets.UTF_8),
                    URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return params;
    }

    /** The request path without trailing slashes ("/" stays "/"). */
    static String path(HttpExchange exchange) {
        String path = exchange.getRequestURI().getPath();
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }

    /**
     * Calls {@code onResult} when {@code future} completes, or {@code onTimeout} after {@code timeout}, whichever
     * comes first, without holding a thread meanwhile. Exactly one of them runs.
     */
    static <T> void firstOf(SimEngine engine, CompletableFuture<T> future, Duration timeout,
                            Consumer<T> onResult, Runnable onTimeout) {
        AtomicBoolean once = new AtomicBoolean();
        ScheduledFuture<?> timer = engine.schedule(timeout, () -> {
            if (once.compareAndSet(false, true)) {
                onTimeout.run();
            }
        });
        future.whenComplete((value, error) -> {
            if (once.compareAndSet(false, true)) {
                if (timer != null) {
                    timer.cancel(false);
                }
                onResult.accept(value);
            }
        });
    }

    /** A request the protocol rejects as malformed (HTTP 400 in the provider's error shape). */
    static final class BadRequestException extends Exception {
        BadRequestException(String message) {
            super(message);
        }
    }
}
