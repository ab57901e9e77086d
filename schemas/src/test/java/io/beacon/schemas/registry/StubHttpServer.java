package io.beacon.schemas.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP server for client tests: answers every request with what the test's {@link Responder}
 * says, and records each request (method, raw path, headers, body) so a test can assert on what the
 * client sent and how often.
 */
final class StubHttpServer implements AutoCloseable {

    /** One request as the server saw it; header names are lower-case. */
    record Recorded(String method, String rawPath, Map<String, String> headers, String body) {
    }

    /** One answer. */
    record Response(int status, String contentType, String body) {

        static Response json(int status, String body) {
            return new Response(status, "application/vnd.schemaregistry.v1+json", body);
        }
    }

    @FunctionalInterface
    interface Responder {
        Response respond(Recorded request) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();

    private StubHttpServer(String contextPath, Responder responder) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "stub-registry");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext(contextPath, exchange -> answer(exchange, responder));
        server.start();
    }

    /** A started stub serving every path under {@code contextPath}. */
    static StubHttpServer start(String contextPath, Responder responder) {
        return new StubHttpServer(contextPath, responder);
    }

    static StubHttpServer start(Responder responder) {
        return start("/", responder);
    }

    /** A loopback port nothing listens on (free a moment ago), for connection-refused tests. */
    static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Recorded> requests() {
        return List.copyOf(requests);
    }

    long requestsTo(String rawPath) {
        return requests.stream().filter(r -> r.rawPath().equals(rawPath)).count();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        server.stop(0);
    }

    private void answer(HttpExchange exchange, Responder responder) throws IOException {
        try (exchange) {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Recorded request = new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    Map.copyOf(headers), body);
            requests.add(request);
            Response response;
            try {
                response = responder.respond(request);
            } catch (Exception e) {
                response = new Response(599, "text/plain", "stub failed: " + e);
            }
            byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }
}
