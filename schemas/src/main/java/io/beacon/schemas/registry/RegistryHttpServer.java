package io.beacon.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link InMemorySchemaRegistry} over the part of the Confluent Schema Registry REST API that
 * serdes and tools use, so the embedded default looks like a real registry to any Confluent client
 * library (a Python or Go runner, {@code kcat}, a UI) and to {@link HttpSchemaRegistryClient}.
 *
 * <p>Endpoints: {@code POST /subjects/{s}/versions} (register), {@code POST /subjects/{s}} (is this schema
 * registered?), {@code GET /schemas/ids/{id}[/schema]}, {@code GET /schemas/types}, {@code GET /subjects},
 * {@code GET /subjects/{s}/versions}, {@code GET /subjects/{s}/versions/{version|latest}[/schema]},
 * {@code GET|PUT /config}, {@code GET|PUT|DELETE /config/{subject}} (levels NONE, BACKWARD, FORWARD, FULL
 * and their transitive forms). Errors are {@code {"error_code": N, "message": "..."}} with Confluent's codes.
 * Only AVRO schemas without references are accepted.
 *
 * <p>Requests run on a small bounded pool of daemon threads; the dispatcher thread is a daemon too, so a
 * forgotten server never keeps the JVM alive. Call {@link #close()} all the same.
 */
public final class RegistryHttpServer implements AutoCloseable {

    /** The setting that usually gives this server's port; named in the bind-failure message. */
    public static final String PORT_SETTING = "schema.registry.port";
    public static final int DEFAULT_THREADS = 4;

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Set<String> ACCEPTED_REQUEST_TYPES = Set.of(CONTENT_TYPE,
            "application/vnd.schemaregistry+json", "application/json", "application/octet-stream");
    /** Far above any real schema; stops a bad client from filling the heap. */
    private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    private static final int QUEUE_CAPACITY = 256;
    private static final Logger log = LoggerFactory.getLogger(RegistryHttpServer.class);

    private final InMemorySchemaRegistry registry;
    private final String host;
    private final int requestedPort;
    private final int threads;
    private final ObjectMapper json = new ObjectMapper();

    /** user name to password; empty: no authentication (the embedded default on loopback). */
    private volatile Map<String, byte[]> users = Map.of();
    private HttpServer server;
    private ThreadPoolExecutor executor;
    private int boundPort = -1;
    private boolean closed;

    /** A server for {@code registry} on {@code host:port} ({@code port} 0: a free port), not yet started. */
    public RegistryHttpServer(InMemorySchemaRegistry registry, String host, int port) {
        this(registry, host, port, DEFAULT_THREADS);
    }

    /** As {@link #RegistryHttpServer(InMemorySchemaRegistry, String, int)}, with {@code threads} request threads. */
    public RegistryHttpServer(InMemorySchemaRegistry registry, String host, int port, int threads) {
        if (registry == null) {
            throw new IllegalArgumentException("registry is required");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is required, e.g. 127.0.0.1");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(PORT_SETTING + " must be 0 (any free port) to 65535, got " + port);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.registry = registry;
        this.host = host;
        this.requestedPort = port;
        this.threads = threads;
    }

    /**
     * Requires HTTP basic authentication from every request: {@code users} maps each user name to its password.
     * A request without valid credentials gets 401 with Confluent's error code 40101 and a
     * {@code WWW-Authenticate} challenge. Every authenticated user may read and register schemas.
     *
     * @return this server, for chaining
     */
    public RegistryHttpServer basicAuth(Map<String, String> users) {
        Map<String, byte[]> copy = new HashMap<>();
        users.forEach((user, password) -> {
            if (user == null || user.isBlank() || user.indexOf(':') >= 0 || password == null || password.isEmpty()) {
                throw new IllegalArgumentException("registry users need a name without ':' and a password");
            }
            copy.put(user, password.getBytes(StandardCharsets.UTF_8));
        });
        this.users = Map.copyOf(copy);
        return this;
    }

    /**
     * Binds and starts serving.
     *
     * @return this server, for chaining
     * @throws UncheckedIOException when the port cannot be bound; when it is taken the message says
     *     "port N on HOST is already in use" and names {@value #PORT_SETTING}
     */
    public synchronized RegistryHttpServer start() {
        if (closed) {
            throw new IllegalStateException("schema registry server was closed; make a new one");
        }
        if (server != null) {
            throw new IllegalStateException("schema registry server already started at " + url());
        }
        InetSocketAddress address = new InetSocketAddress(host, requestedPort);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "' for the schema registry server");
        }
        HttpServer created;
        try {
            created = HttpServer.create();
            created.bind(address, 0);
        } catch (BindException e) {
            String reason = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
            if (reason.contains("in use")) {
                throw new UncheckedIOException("cannot start the schema registry: port " + requestedPort + " on "
                        + host + " is already in use (another process, perhaps another Beacon, holds it); set "
                        + PORT_SETTING + " to a free port, or to 0 to pick one", e);
            }
            throw new UncheckedIOException("cannot start the schema registry on " + host + ":" + requestedPort
                    + " (" + e.getMessage() + "); check " + PORT_SETTING + " and that " + host
                    + " is an address of this machine", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the schema registry on " + host + ":" + requestedPort
                    + ": " + e.getMessage(), e);
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE_CAPACITY), daemonThreads(),
                // Overloaded: the dispatcher serves the request itself, which slows accepting new
                // connections instead of dropping requests.
                new ThreadPoolExecutor.CallerRunsPolicy());
        pool.allowCoreThreadTimeOut(true);
        created.setExecutor(pool);
        created.createContext("/", this::handle);
        startDispatcherAsDaemon(created);
        this.server = created;
        this.executor = pool;
        this.boundPort = created.getAddress().getPort();
        log.info("Schema registry serving on {}", url());
        return this;
    }

    /** The port the server listens on (the chosen one when constructed with port 0). */
    public synchronized int port() {
        if (boundPort < 0) {
            throw new IllegalStateException("schema registry server is not started");
        }
        return boundPort;
    }

    /**
     * The base URL to give clients, e.g. {@code http://127.0.0.1:8081}. A wildcard bind address is
     * replaced by the loopback address.
     */
    public synchronized String url() {
        if (server == null) {
            throw new IllegalStateException("schema registry server is not started");
        }
        InetAddress address = server.getAddress().getAddress();
        if (address.isAnyLocalAddress()) {
            address = InetAddress.getLoopbackAddress();
        }
        String literal = address instanceof Inet6Address
                ? "[" + address.getHostAddress().replaceFirst("%.*$", "") + "]"
                : address.getHostAddress();
        return "http://" + literal + ":" + boundPort;
    }

    /** Stops listening at once and ends the request threads. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            // No grace period: requests are in-memory look-ups that finish in microseconds.
            server.stop(0);
            executor.shutdown();
            try {
                if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                executor.shutdownNow();
                Thread.currentThread().interrupt();
            }
            log.info("Schema registry on port {} stopped", boundPort);
        }
    }

    @Override
    public String toString() {
        return "RegistryHttpServer[" + host + ":" + (boundPort < 0 ? requestedPort : boundPort) + "]";
    }

    /**
     * {@link HttpServer#start()} makes its dispatcher thread with the daemon status of the calling thread;
     * starting it from a short-lived daemon thread is the only way to make it a daemon.
     */
    private static void startDispatcherAsDaemon(HttpServer created) {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread starter = new Thread(() -> {
            try {
                created.start();
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "schema-registry-http-starter");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            created.stop(0);
            throw new IllegalStateException("interrupted while starting the schema registry server", e);
        }
        if (failure.get() != null) {
            created.stop(0);
            throw failure.get();
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "schema-registry-http-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private void handle(HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        Reply reply;
        try {
            reply = authorized(exchange) ? route(exchange, method, segments(path))
                    : error(401, 40101, "Unauthorized: this registry needs HTTP basic credentials (basic.auth.user.info)");
        } catch (SchemaRegistryException e) {
            int status = e.httpStatus() > 0 ? e.httpStatus() : 500;
            reply = error(status, e.errorCode() > 0 ? e.errorCode() : status, e.getMessage());
        } catch (RuntimeException e) {
            log.error("Schema registry failed on {} {}", method, path, e);
            reply = error(500, 50001, "Internal error in the schema registry: " + e);
        }
        log.debug("{} {} -> {}", method, path, reply.status());
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", responseType(exchange));
            if (reply.status() == 401) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"beacon-schema-registry\"");
            }
            if (reply.allow() != null) {
                exchange.getResponseHeaders().set("Allow", reply.allow());
            }
            exchange.sendResponseHeaders(reply.status(), reply.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply.body());
            }
        } catch (IOException e) {
            // The client hung up; nothing to tell it.
            log.debug("Could not answer {} {}: {}", method, path, e.toString());
        }
    }

    /** True when no users are configured, or the request carries one's name and password (compared in constant time). */
    private boolean authorized(HttpExchange exchange) {
        Map<String, byte[]> known = users;
        if (known.isEmpty()) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        byte[] expected = known.get(decoded.substring(0, colon));
        byte[] given = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        return expected != null && MessageDigest.isEqual(expected, given);
    }

    private Reply route(HttpExchange exchange, String method, List<String> segments) {
        int size = segments.size();
        String first = size > 0 ? segments.get(0) : "";
        if (size == 0) {
            return only(method, "GET", () -> ok(json.createObjectNode()));
        }
        if (first.equals("config") && size == 1) {
            if (method.equals("PUT")) {
                InMemorySchemaRegistry.Compatibility level = compatibilityFrom(exchange);
                registry.setGlobalCompatibility(level);
                return ok(json.createObjectNode().put("compatibility", level.name()));
            }
            return only(method, "GET", () -> ok(json.createObjectNode()
                    .put("compatibilityLevel", registry.globalCompatibility().name())));
        }
        if (first.equals("config") && size == 2) {
            String subject = segments.get(1);
            if (method.equals("PUT")) {
                InMemorySchemaRegistry.Compatibility level = compatibilityFrom(exchange);
                registry.setSubjectCompatibility(subject, level);
                return ok(json.createObjectNode().put("compatibility", level.name()));
            }
            if (method.equals("DELETE")) {
                return registry.clearSubjectCompatibility(subject)
                        .map(level -> ok(json.createObjectNode().put("compatibilityLevel", level.name())))
                        .orElseGet(() -> error(404, 40408, "Subject '" + subject
                                + "' does not have subject-level compatibility configured"));
            }
            boolean defaultToGlobal = "defaultToGlobal=true".equals(exchange.getRequestURI().getRawQuery());
            return only(method, "GET", () -> registry.subjectCompatibility(subject)
                    .or(() -> defaultToGlobal ? java.util.Optional.of(registry.globalCompatibility())
                            : java.util.Optional.empty())
                    .map(level -> ok(json.createObjectNode().put("compatibilityLevel", level.name())))
                    .orElseGet(() -> error(404, 40408, "Subject '" + subject
                            + "' does not have subject-level compatibility configured")));
        }
        if (first.equals("schemas") && size == 2 && segments.get(1).equals("types")) {
            return only(method, "GET", () -> ok(json.createArrayNode().add("AVRO")));
        }
        if (first.equals("schemas") && size >= 3 && size <= 4 && segments.get(1).equals("ids")
                && (size == 3 || segments.get(3).equals("schema"))) {
            return only(method, "GET", () -> {
                Schema schema = registry.getById(schemaId(segments.get(2)));
                return size == 3 ? ok(json.createObjectNode().put("schema", schema.toString())) : raw(schema);
            });
        }
        if (first.equals("subjects")) {
            if (size == 1) {
                return only(method, "GET", () -> {
                    ArrayNode subjects = json.createArrayNode();
                    registry.subjects().forEach(subjects::add);
                    return ok(subjects);
                });
            }
            String subject = segments.get(1);
            if (size == 2) {
                return only(method, "POST", () -> registered(registry.lookup(subject, schemaFrom(exchange))));
            }
            if (segments.get(2).equals("versions")) {
                if (size == 3 && method.equals("POST")) {
                    int id = registry.register(subject, schemaFrom(exchange));
                    return ok(json.createObjectNode().put("id", id));
                }
                if (size == 3) {
                    return only(method, "GET, POST", () -> {
                        ArrayNode versions = json.createArrayNode();
                        registry.versions(subject).forEach(versions::add);
                        return ok(versions);
                    });
                }
                if (size == 4 || (size == 5 && segments.get(4).equals("schema"))) {
                    return only(method, "GET", () -> {
                        SchemaRegistryClient.RegisteredSchema found = version(subject, segments.get(3));
                        return size == 4 ? registered(found) : raw(found.schema());
                    });
                }
            }
        }
        throw new SchemaRegistryException("HTTP 404 Not Found: no endpoint " + method + " "
                + exchange.getRequestURI().getRawPath(), 404, 404);
    }

    private SchemaRegistryClient.RegisteredSchema version(String subject, String version) {
        if (version.equals("latest") || version.equals("-1")) {
            return registry.latest(subject);
        }
        int number;
        try {
            number = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            number = 0;
        }
        if (number < 1) {
            throw new SchemaRegistryException("The specified version '" + version + "' is not a valid version id."
                    + " Allowed values are between [1, 2^31-1] and the string \"latest\"", 422, 42202);
        }
        return registry.version(subject, number);
    }

    private static int schemaId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new SchemaRegistryException("Schema " + text + " not found: a schema id is a number", 404, 40403);
        }
    }

    /** The schema in a register or look-up request body; AVRO only, self-contained. */
    /** The request's JSON object body, after the content-type and size checks every POST/PUT gets. */
    private JsonNode jsonBodyFrom(HttpExchange exchange, String expected) {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null) {
            String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!ACCEPTED_REQUEST_TYPES.contains(mediaType)) {
                throw new SchemaRegistryException("Content-Type " + contentType + " is not supported; send "
                        + CONTENT_TYPE + " or application/json", 415, 415);
            }
        }
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the request body", e);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new SchemaRegistryException("Request body is larger than " + MAX_BODY_BYTES + " bytes", 413, 413);
        }
        JsonNode body;
        try {
            body = json.readTree(bytes);
        } catch (IOException e) {
            String reason = e instanceof JsonProcessingException parse ? parse.getOriginalMessage() : e.getMessage();
            throw new SchemaRegistryException("Request body is not valid JSON: " + reason, 400, 400);
        }
        if (body == null || !body.isObject()) {
            throw new SchemaRegistryException("Request body must be " + expected, 400, 400);
        }
        return body;
    }

    private InMemorySchemaRegistry.Compatibility compatibilityFrom(HttpExchange exchange) {
        JsonNode body = jsonBodyFrom(exchange, "a JSON object with a 'compatibility' string");
        return InMemorySchemaRegistry.Compatibility.parse(body.path("compatibility").asText(null));
    }

    private Schema schemaFrom(HttpExchange exchange) {
        JsonNode body = jsonBodyFrom(exchange, "a JSON object with a 'schema' string");
        String schemaType = body.path("schemaType").asText("AVRO");
        if (!schemaType.equalsIgnoreCase("AVRO")) {
            throw new SchemaRegistryException("Invalid schema: schemaType " + schemaType
                    + " is not supported; this registry holds only AVRO schemas", 422, 42201);
        }
        if (body.path("references").size() > 0) {
            throw new SchemaRegistryException("Invalid schema: schema references are not supported; register"
                    + " a self-contained schema", 422, 42201);
        }
        JsonNode text = body.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException("Invalid schema: the request has no 'schema' string", 422, 42201);
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (RuntimeException e) {
            throw new SchemaRegistryException("Invalid schema: " + e.getMessage(), 422, 42201);
        }
    }

    private Reply only(String method, String allowed, Supplier<Reply> action) {
        if (!List.of(allowed.split(", ")).contains(method)) {
            Reply refused = error(405, 405, "HTTP 405 Method Not Allowed: use " + allowed);
            return new Reply(refused.status(), refused.body(), allowed);
        }
        return action.get();
    }

    private Reply registered(SchemaRegistryClient.RegisteredSchema found) {
        ObjectNode node = json.createObjectNode()
                .put("subject", found.subject())
                .put("version", found.version())
                .put("id", found.id())
                .put("schema", found.schema().toString());
        return ok(node);
    }

    private Reply ok(JsonNode node) {
        return new Reply(200, node.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    private static Reply raw(Schema schema) {
        return new Reply(200, schema.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    private Reply error(int status, int errorCode, String message) {
        ObjectNode node = json.createObjectNode().put("error_code", errorCode).put("message", message);
        return new Reply(status, node.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    /** Answers in the registry media type unless the client asked only for plain JSON. */
    private static String responseType(HttpExchange exchange) {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        if (accept != null && !accept.contains("application/vnd.schemaregistry") && !accept.contains("*/*")
                && accept.contains("application/json")) {
            return "application/json";
        }
        return CONTENT_TYPE;
    }

    /** The decoded path segments; one trailing slash is ignored. */
    private static List<String> segments(String rawPath) {
        String trimmed = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        List<String> out = new ArrayList<>();
        if (trimmed.isEmpty()) {
            return out;
        }
        for (String segment : trimmed.split("/", -1)) {
            try {
                // '+' is a literal plus in a path, not a space as in a form.
                out.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new SchemaRegistryException("Malformed path segment '" + segment + "': " + e.getMessage(),
                        400, 400);
            }
        }
        return out;
    }

    private record Reply(int status, byte[] body, String allow) {
    }
}
