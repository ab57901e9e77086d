package io.beacon.router.http;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's HTTP server: binds the port (its address is the instance's {@code application.server}, so
 * it comes first), serves whatever is {@link #mount mounted} on a bounded pool, and answers unknown paths
 * with a JSON 404. The endpoints live elsewhere: {@link RouterQueryEndpoints} ({@code GET /health},
 * {@code GET /providers}, {@code GET /jobs/{id}}), the {@code POST /inference} facade, ops and dashboard.
 */
public final class RouterHttpServer implements AutoCloseable {

    /**
     * Connections the kernel queues before the server accepts them: a burst of runners must not get resets.
     * Public so measurements can report the queue the router asks for.
     */
    public static final int ACCEPT_BACKLOG = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(RouterHttpServer.class);

    static {
        // The JDK server writes an answer's headers and body separately; with Nagle's algorithm on, the
        // body can wait for the client's delayed ACK (up to 40 ms on Linux) on a keep-alive connection.
        // The property is read once, when the JVM's first HTTP server starts; an explicit -D wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Optional<BearerAuth> auth;

    /**
     * @param threads   size of the bounded pool that serves requests and writes answers
     * @param authToken when present, every endpoint mounted with {@link #mount} requires it as a bearer token
     */
    public RouterHttpServer(String host, int port, int threads, Optional<String> authToken) {
        this.auth = authToken.map(BearerAuth::new);
        try {
            this.server = HttpServer.create(new InetSocketAddress(host, port), ACCEPT_BACKLOG);
        } catch (BindException e) {
            throw new IllegalStateException("port " + port + " on " + host + " is already in use (setting: http.port);"
                    + " stop what holds it or choose another port", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the router's HTTP port " + host + ":" + port, e);
        }
        this.executor = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "router-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> JsonReplies.send(exchange, 404,
                JsonReplies.failure("no such endpoint: " + exchange.getRequestURI().getPath()
                        + " (POST /inference, GET /health, GET /providers, GET /jobs/{id}, GET /lag, GET /metrics,"
                        + " GET /dashboard)")));
    }

    /** Serves {@code path} with {@code handler} without the bearer token (pages a browser navigates to). */
    public void mountOpen(String path, HttpHandler handler) {
        server.createContext(path, handler);
    }

    /** Serves {@code path} with {@code handler}, behind the bearer token when one is configured. */
    public void mount(String path, HttpHandler handler) {
        HttpContext context = server.createContext(path, handler);
        auth.ifPresent(filter -> context.getFilters().add(filter));
    }

    /** The bounded pool of the server's threads; answers completed later are written on it too. */
    public Executor executor() {
        return executor;
    }

    public void start() {
        server.start();
    }

    public String url() {
        return "http://" + hostAndPort();
    }

    public String host() {
        return server.getAddress().getHostString();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** This instance's address as other instances reach it (Kafka Streams' application.server). */
    public String hostAndPort() {
        return host() + ":" + port();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        LOG.debug("router HTTP stopped");
    }
}
