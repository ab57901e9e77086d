package io.beacon.ops.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.beacon.ops.lag.LagMonitor;
import io.beacon.ops.metrics.OpsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server for processes that have none of their own (workers): {@code GET /metrics},
 * {@code GET /health} ({@code {"status":"ok"}}), {@code GET /lag} when given a monitor, and any extra
 * routes. Paths match exactly; anything else is a JSON 404. Serves on two daemon threads.
 */
public final class OpsHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpsHttpServer.class);

    /** The setting a port clash is reported against unless the builder names another. */
    public static final String DEFAULT_PORT_SETTING = "ops.http.port";

    private final HttpServer server;
    private final ExecutorService executor;

    private OpsHttpServer(Builder builder) {
        try {
            this.server = HttpServer.create(new InetSocketAddress(builder.host, builder.port), 0);
        } catch (BindException e) {
            throw new PortInUseException(builder.host, builder.port, builder.portSetting, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the ops HTTP port " + builder.host + ":" + builder.port
                    + " (setting: " + builder.portSetting + ")", e);
        }
        this.executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "beacon-ops-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        Map<String, HttpHandler> routes = Map.copyOf(builder.routes);
        String known = String.join(", ", new TreeSet<>(routes.keySet()));
        server.createContext("/", exchange -> {
            HttpHandler handler = routes.get(exchange.getRequestURI().getPath());
            if (handler != null) {
                handler.handle(exchange);
            } else {
                OpsEndpoints.send(exchange, 404, "application/json", ("{\"error\":\"no such endpoint; try "
                        + known + "\"}").getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
        LOG.info("ops HTTP serving {} on {}:{}", known, host(), port());
    }

    /** A server for {@code metrics} on {@code host}:{@code port} (0 picks a free port). */
    public static Builder builder(OpsMetrics metrics) {
        return new Builder(metrics);
    }

    public String host() {
        return server.getAddress().getHostString();
    }

    /** The bound port (the chosen one when built with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://" + host() + ":" + port();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Settings of an {@link OpsHttpServer}; {@link #start()} binds the port. */
    public static final class Builder {

        private String host = "0.0.0.0";
        private int port;
        private String portSetting = DEFAULT_PORT_SETTING;
        private final Map<String, HttpHandler> routes = new LinkedHashMap<>();

        private Builder(OpsMetrics metrics) {
            routes.put("/metrics", OpsEndpoints.metricsHandler(Objects.requireNonNull(metrics, "metrics")));
            routes.put("/health", OpsEndpoints.healthHandler());
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535 (setting: " + portSetting + "), was "
                        + port);
            }
            this.port = port;
            return this;
        }

        /** The configuration key a port clash names in its error, e.g. {@code metrics.port}. */
        public Builder portSetting(String portSetting) {
            this.portSetting = Objects.requireNonNull(portSetting, "portSetting");
            return this;
        }

        /** Serves {@code GET /lag} from {@code monitor}. */
        public Builder lagMonitor(LagMonitor monitor) {
            return route("/lag", OpsEndpoints.lagHandler(Objects.requireNonNull(monitor, "monitor")));
        }

        /** Serves {@code path} (exactly) with {@code handler}, replacing a default route of the same path. */
        public Builder route(String path, HttpHandler handler) {
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("a route path must start with '/', was " + path);
            }
            routes.put(path, Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** Binds the port and starts serving; fails with {@link PortInUseException} when the port is taken. */
        public OpsHttpServer start() {
            return new OpsHttpServer(this);
        }
    }
}
