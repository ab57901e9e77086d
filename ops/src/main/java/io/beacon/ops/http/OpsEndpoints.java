package io.beacon.ops.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.beacon.ops.lag.LagMonitor;
import io.beacon.ops.lag.LagReportJson;
import io.beacon.ops.metrics.OpsMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The operators' endpoints as plain {@link HttpHandler}s, for any {@code com.sun.net.httpserver} server: the
 * router mounts them on its own, workers get them from {@link OpsHttpServer}. Each answers GET (and HEAD)
 * only, with 405 and an {@code Allow} header otherwise.
 */
public final class OpsEndpoints {

    private static final byte[] HEALTH_OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    private OpsEndpoints() {
    }

    /** {@code GET /metrics}: the registry in Prometheus text, or OpenMetrics when the scraper accepts it. */
    public static HttpHandler metricsHandler(OpsMetrics metrics) {
        return exchange -> {
            if (allowGet(exchange)) {
                String accept = exchange.getRequestHeaders().getFirst("Accept");
                byte[] body = metrics.scrape(accept).getBytes(StandardCharsets.UTF_8);
                send(exchange, 200, metrics.contentType(accept), body);
            }
        };
    }

    /** {@code GET /lag}: the monitor's latest report as JSON (see {@link LagReportJson}). */
    public static HttpHandler lagHandler(LagMonitor monitor) {
        return exchange -> {
            if (allowGet(exchange)) {
                send(exchange, 200, "application/json", LagReportJson.toBytes(monitor.report()));
            }
        };
    }

    /** {@code GET /health}: {@code {"status":"ok"}} while the process serves HTTP at all. */
    public static HttpHandler healthHandler() {
        return exchange -> {
            if (allowGet(exchange)) {
                send(exchange, 200, "application/json", HEALTH_OK);
            }
        };
    }

    static boolean allowGet(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if ("GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "application/json", ("{\"error\":\"method " + method.replaceAll("[^A-Za-z]", "")
                + " not allowed; use GET\"}").getBytes(StandardCharsets.UTF_8));
        return false;
    }

    /** Writes {@code body} (none for HEAD) with {@code status} and closes the exchange. */
    static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        try {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if ("HEAD".equalsIgnoreCase(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } finally {
            exchange.close();
        }
    }
}
