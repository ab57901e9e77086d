package io.beacon.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Serves the dashboard: the page's static files from this jar under a base path ({@code /dashboard}
 * answers with a redirect to {@code /dashboard/}, which is {@code index.html}; {@code /dashboard/app.js},
 * {@code /dashboard/style.css}, ...) and the result statistics at {@code <base>/stats}.
 *
 * <p>The page is plain files, so whoever runs the router needs no build step to see it. Only flat file
 * names of known types are served (no slash, no percent sign, no leading dot), so no request can reach
 * another resource of the classpath. Every answer carries {@code Cache-Control: no-cache}, so a new jar's
 * page replaces the old one at the next load.
 *
 * <p>The page itself holds no data and must open without credentials (a browser sends no bearer token
 * when it navigates); the statistics must not. So a server with a token registers this handler twice:
 * at {@link #basePath()} without the token filter and at {@link #statsPath()} behind it. The longer
 * context wins for the statistics, and the page sends the token it was given with {@code ?token=}.
 */
public final class DashboardHandler implements HttpHandler {

    public static final String DEFAULT_BASE_PATH = "/dashboard";
    /** Where the page's files are on the classpath. */
    static final String RESOURCE_DIR = "/io/beacon/dashboard/";
    private static final Pattern FILE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*(\\.[a-z0-9_-]+)*\\.[a-z0-9]+");
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json",
            "txt", "text/plain; charset=utf-8");
    /** Only this jar's scripts, styles and same-origin fetches; nothing inline, nothing from elsewhere. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String basePath;
    private final ResultStats stats;
    private final Clock clock;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    /** At {@value #DEFAULT_BASE_PATH}, on the system clock. */
    public DashboardHandler(ResultStats stats) {
        this(DEFAULT_BASE_PATH, stats, Clock.systemUTC());
    }

    /**
     * @param basePath where the page lives, e.g. {@code /dashboard}: starts with a slash, no trailing slash
     * @param stats    what {@code <basePath>/stats} reports
     * @param clock    the time the statistics are reported at
     */
    public DashboardHandler(String basePath, ResultStats stats, Clock clock) {
        if (!basePath.matches("(/[A-Za-z0-9._-]+)+")) {
            throw new IllegalArgumentException("basePath must look like /dashboard (leading slash, no trailing slash),"
                    + " was '" + basePath + "'");
        }
        this.basePath = basePath;
        this.stats = stats;
        this.clock = clock;
    }

    /** The page's path; register this handler here, open to every caller. */
    public String basePath() {
        return basePath;
    }

    /** The statistics' path; register this handler here too, behind the same authentication as the API. */
    public String statsPath() {
        return basePath + "/stats";
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                sendJson(exchange, 405, failure("method " + method + " not allowed on "
                        + exchange.getRequestURI().getRawPath() + " (GET, HEAD)"));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals(basePath)) {
                // Relative links in the page (app.js, style.css) resolve against the directory form.
                String query = exchange.getRequestURI().getRawQuery();
                exchange.getResponseHeaders().set("Location", basePath + "/" + (query == null ? "" : "?" + query));
                exchange.getResponseHeaders().set("Cache-Control", "no-cache");
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            if (path.equals(statsPath())) {
                sendJson(exchange, 200, stats.toJson(clock.millis()));
                return;
            }
            String name = path.startsWith(basePath + "/") ? path.substring(basePath.length() + 1) : null;
            if (name != null && name.isEmpty()) {
                name = "index.html";
            }
            Optional<byte[]> body = name == null ? Optional.empty() : file(name);
            if (body.isEmpty()) {
                sendJson(exchange, 404, failure("no such dashboard file: " + path));
                return;
            }
            var headers = exchange.getResponseHeaders();
            headers.set("Content-Type", CONTENT_TYPES.get(extension(name)));
            headers.set("Cache-Control", "no-cache");
            headers.set("X-Content-Type-Options", "nosniff");
            // The page may carry ?token=: no Referer should ever repeat it.
            headers.set("Referrer-Policy", "no-referrer");
            if (name.endsWith(".html")) {
                headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            }
            send(exchange, 200, body.get());
        } finally {
            exchange.close();
        }
    }

    /** A servable file's bytes: a flat name of a known type that exists next to this class's resources. */
    Optional<byte[]> file(String name) {
        if (!FILE_NAME.matcher(name).matches() || !CONTENT_TYPES.containsKey(extension(name))) {
            return Optional.empty();
        }
        byte[] cached = files.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        try (InputStream in = DashboardHandler.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            files.put(name, bytes);
            return Optional.of(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard file " + name + " from the classpath", e);
        }
    }

    private static String extension(String name) {
        return name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    }

    private static ObjectNode failure(String error) {
        return JSON.createObjectNode().put("success", false).put("error", error);
    }

    private static void sendJson(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        send(exchange, status, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
