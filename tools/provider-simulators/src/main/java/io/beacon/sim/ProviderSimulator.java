package io.beacon.sim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated deployment on a local HTTP port, speaking its provider's real protocol: Ollama for a Golem
 * node, vLLM's OpenAI API behind Modal's proxy, or RunPod's serverless job API. Production client code talks to
 * it unchanged, pointed at {@link #baseUrl()}.
 *
 * <p>Threads: the JDK server's handler pool only parses requests; latency is modelled by scheduling responses
 * on a small timer, so hundreds of slow requests in flight need no thread each. Every server also answers
 * {@code /__sim/faults} and {@code /__sim/stats} at its root.
 */
public final class ProviderSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderSimulator.class);
    /** Accept backlog: enough for a burst of hundreds of concurrent clients on one deployment. */
    private static final int BACKLOG = 1024;

    static {
        // Real provider servers (Ollama's Go server, Modal's and RunPod's front ends) answer with
        // TCP_NODELAY; the JDK server leaves Nagle's algorithm on unless told, which adds a delayed-ACK
        // wait (up to 40 ms) to calls on a kept-alive connection. Read once per JVM; an explicit -D wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final SimulatedDeployment deployment;
    private final FaultControl faults;
    private final SimEngine engine;
    private final HttpHandler protocol;
    private final AdminHandler admin;
    private final ExecutorService httpExecutor;
    private final HttpServer server;
    private final URI rootUrl;
    private final URI baseUrl;
    /** Requests accepted while unresponsive, answered after recover() (or closed with the server). */
    private final Set<HttpExchange> held = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ProviderSimulator(SimulatedDeployment deployment, String host, int port, SimCredentials credentials,
                              SSLContext tls) throws IOException {
        this.deployment = deployment;
        this.faults = new FaultControl(deployment.id());
        this.engine = new SimEngine(deployment, faults, Clock.systemUTC());
        this.protocol = switch (deployment.provider()) {
            case GOLEM -> new OllamaProtocol(engine, credentials);
            case MODAL -> new ModalProtocol(engine, credentials);
            case RUNPOD -> new RunPodProtocol(engine, credentials);
        };
        this.admin = new AdminHandler(this, engine);
        this.httpExecutor = Executors.newCachedThreadPool(SimEngine.daemonThreads("sim-" + deployment.id() + "-http"));
        try {
            if (tls == null) {
                this.server = HttpServer.create(new InetSocketAddress(host, port), BACKLOG);
            } else {
                HttpsServer https = HttpsServer.create(new InetSocketAddress(host, port), BACKLOG);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                this.server = https;
            }
        } catch (IOException | RuntimeException e) {
            engine.close();
            httpExecutor.shutdownNow();
            throw e;
        }
        server.createContext("/", this::dispatch);
        server.setExecutor(httpExecutor);
        server.start();
        String scheme = tls == null ? "http" : "https";
        this.rootUrl = URI.create(scheme + "://" + urlHost(host) + ":" + server.getAddress().getPort());
        this.baseUrl = baseUrl(deployment, scheme, host, server.getAddress().getPort());
        faults.onRecover(this::releaseHeld);
    }

    /**
     * Starts serving {@code deployment} on {@code host:port}.
     *
     * @param port        TCP port, or 0 for a free one (see {@link #port()})
     * @param credentials what clients must present; null means none
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static ProviderSimulator start(SimulatedDeployment deployment, String host, int port,
                                          SimCredentials credentials) {
        return start(deployment, host, port, credentials, null);
    }

    /**
     * Starts serving {@code deployment} over https with {@code tls} (its key and certificate), as a node behind
     * a requestor's TLS proxy does; plain http when {@code tls} is null.
     */
    public static ProviderSimulator start(SimulatedDeployment deployment, String host, int port,
                                          SimCredentials credentials, SSLContext tls) {
        Objects.requireNonNull(deployment, "deployment");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        SimCredentials creds = credentials == null ? SimCredentials.none() : credentials;
        try {
            ProviderSimulator simulator = new ProviderSimulator(deployment, host, port, creds, tls);
            LOG.info("Simulator {} ({}, {}) serving {} at {} ({})", deployment.id(), deployment.provider(),
                    deployment.region(), deployment.models(), simulator.baseUrl, creds);
            return simulator;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start simulator " + deployment.id() + " on " + host + ":" + port, e);
        }
    }

    /**
     * Where a client points: Golem {@code http://host:port} (Ollama at the root), Modal {@code http://host:port}
     * (the web endpoint root), RunPod {@code http://host:port/v2/{deploymentId}}.
     */
    public URI baseUrl() {
        return baseUrl;
    }

    /**
     * The base URL a simulator of {@code deployment} has on {@code host:port}, without starting it: what a
     * worker configured for a fleet started elsewhere (e.g. by {@code beacon sim}) must call.
     */
    public static URI baseUrl(SimulatedDeployment deployment, String host, int port) {
        return baseUrl(deployment, "http", host, port);
    }

    private static URI baseUrl(SimulatedDeployment deployment, String scheme, String host, int port) {
        URI root = URI.create(scheme + "://" + urlHost(host) + ":" + port);
        return deployment.provider() == SimProvider.RUNPOD ? URI.create(root + RunPodProtocol.basePath(deployment)) : root;
    }

    /** {@code http://host:port}, where {@code /__sim/faults} and {@code /__sim/stats} live for every provider. */
    public URI rootUrl() {
        return rootUrl;
    }

    /** The bound port (useful after starting on port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public SimulatedDeployment deployment() {
        return deployment;
    }

    public FaultControl faults() {
        return faults;
    }

    public SimStats stats() {
        return engine.stats();
    }

    /** Whether a request arriving now would skip the cold start (always true for Golem nodes). */
    public boolean isWarm() {
        return engine.warm();
    }

    /** Stops serving at once: open connections are closed and scheduled responses dropped. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        for (HttpExchange exchange : held) {
            if (held.remove(exchange)) {
                exchange.close();
            }
        }
        engine.close();
        httpExecutor.shutdownNow();
        LOG.info("Simulator {} stopped", deployment.id());
    }

    @Override
    public String toString() {
        return "ProviderSimulator[" + deployment.id() + " " + deployment.provider() + " at " + baseUrl + "]";
    }

    private void dispatch(HttpExchange exchange) {
        try {
            if (exchange.getRequestURI().getPath().startsWith(AdminHandler.PREFIX)) {
                admin.handle(exchange);
            } else if (faults.current().unresponsive()) {
                hold(exchange);
            } else {
                protocol.handle(exchange);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Simulator {} failed on {} {}", deployment.id(), exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(), e);
            HttpIo.sendJson(exchange, 500, HttpIo.object().put("error", "simulator internal error"));
        }
    }

    private void hold(HttpExchange exchange) {
        held.add(exchange);
        // recover() may have run between the check and the add: then nobody else will release this one.
        if (!faults.current().unresponsive() && held.remove(exchange)) {
            redispatch(exchange);
        } else if (closed.get() && held.remove(exchange)) {
            exchange.close();
        }
    }

    private void releaseHeld() {
        for (HttpExchange exchange : held) {
            if (held.remove(exchange)) {
                redispatch(exchange);
            }
        }
    }

    private void redispatch(HttpExchange exchange) {
        try {
            httpExecutor.execute(() -> dispatch(exchange));
        } catch (RejectedExecutionException e) {
            exchange.close();
        }
    }

    private static String urlHost(String host) {
        if (host.isEmpty() || host.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        if (host.equals("::") || host.equals("[::]")) {
            return "[::1]";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
