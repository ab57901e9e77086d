package io.beacon.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handler on a real JDK HTTP server on a free loopback port, asked by a real HTTP client. */
class DashboardHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2027-01-15T08:00:07Z");

    private final ResultStats stats = new ResultStats();
    private final DashboardHandler handler = new DashboardHandler("/dashboard", stats, Clock.fixed(NOW, ZoneOffset.UTC));
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(handler.basePath(), handler);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void shouldServeThePageAtTheDirectoryPathAsHtmlThatIsNeverCachedStale() throws Exception {
        // When the page is asked for
        HttpResponse<String> page = get("/dashboard/");

        // Then it is the dashboard's HTML, to be revalidated on every load, scripts from this origin only
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString().contains("script-src 'self'");
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(page.body()).contains("<!DOCTYPE html>", "data-testid=\"lag-panel\"", "data-testid=\"providers-panel\"",
                "data-testid=\"throughput-panel\"", "data-testid=\"share-panel\"", "data-testid=\"cost-panel\"");
    }

    @Test
    void shouldRedirectTheBasePathToItsDirectoryFormKeepingTheQuery() throws Exception {
        // When the page is asked for without its trailing slash, with a token
        HttpResponse<String> answer = get("/dashboard?token=abc%20d");

        // Then the browser is sent to the directory form, where the page's relative links resolve
        assertThat(answer.statusCode()).isEqualTo(302);
        assertThat(answer.headers().firstValue("Location")).hasValue("/dashboard/?token=abc%20d");
    }

    @Test
    void shouldServeEveryFileThePageLinksWithItsContentType() throws Exception {
        // Given the links in the page
        String page = get("/dashboard/").body();
        Matcher links = Pattern.compile("(?:src|href)=\"([^\"#:]+)\"").matcher(page);
        List<String> linked = new ArrayList<>();
        while (links.find()) {
            linked.add(links.group(1));
        }
        assertThat(linked).contains("app.js", "style.css", "favicon.svg");

        // Then each resolves to a file served with its own type and no-cache
        for (String file : linked) {
            HttpResponse<String> answer = get("/dashboard/" + file);
            assertThat(answer.statusCode()).as(file).isEqualTo(200);
            assertThat(answer.body()).as(file).isNotBlank();
            assertThat(answer.headers().firstValue("Cache-Control")).as(file).hasValue("no-cache");
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).as(file).hasValue("nosniff");
        }
        assertThat(get("/dashboard/app.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/dashboard/style.css").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        assertThat(get("/dashboard/favicon.svg").headers().firstValue("Content-Type")).hasValue("image/svg+xml");
    }

    @Test
    void shouldAnswer404ForFilesThatAreNotThere() throws Exception {
        HttpResponse<String> answer = get("/dashboard/missing.js");

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(JSON.readTree(answer.body()).get("error").textValue()).contains("/dashboard/missing.js");
    }

    @Test
    void shouldServeNothingOfTheClasspathOutsideThePagesFiles() throws Exception {
        // Given requests sent byte for byte, so no client tidies the path first
        List<String> attempts = List.of(
                "/dashboard/../dashboard/app.js",
                "/dashboard/..%2fdashboard%2fapp.js",
                "/dashboard/%2e%2e/logback-test.xml",
                "/dashboard/ResultStats.class",
                "/dashboard/DashboardHandler.class",
                "/dashboard/sub/app.js",
                "/dashboard//app.js",
                "/dashboard/.hidden.js",
                "/dashboard/app.js%00.css",
                "/dashboardapp.js");

        // Then every one of them is refused with a 404
        for (String path : attempts) {
            assertThat(rawStatusLine(path)).as(path).startsWith("HTTP/1.1 404");
        }
        assertThat(rawStatusLine("/dashboard/app.js")).startsWith("HTTP/1.1 200");
    }

    @Test
    void shouldServeTheResultStatsAsJsonAtTheStatsPath() throws Exception {
        // Given two results recorded
        stats.record("golem", "us-east", true, 900, NOW.toEpochMilli() - 6_000);
        stats.record("modal", "us-west", false, 0, NOW.toEpochMilli() - 6_000);
        stats.recordCost("golem", "us-east", "attempt", 0.0012, NOW.toEpochMilli() - 6_000);
        stats.recordCost("modal", "us-west", "attempt", 0.0008, NOW.toEpochMilli() - 6_000);

        // When the page asks for the stats
        HttpResponse<String> answer = get(handler.statsPath());

        // Then it gets ResultStats' document at the handler's clock
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-cache");
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.get("generated_at").textValue()).isEqualTo(NOW.toString());
        assertThat(body.get("totals").get("results").longValue()).isEqualTo(2);
        assertThat(body.get("totals").get("cost_per_inference_usd").doubleValue()).isEqualTo(0.002);
        assertThat(body.get("throughput")).isNotEmpty();
        assertThat(body.get("providers")).extracting(p -> p.get("provider").textValue()).containsExactly("golem", "modal");
    }

    @Test
    void shouldAllowOnlyGetAndHead() throws Exception {
        // When something is posted
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(url("/dashboard/stats"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        // Then it is refused and told what is allowed
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");

        // And HEAD answers with the headers and no body
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(url("/dashboard/style.css"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
        assertThat(head.body()).isEmpty();
    }

    @Test
    void shouldKeepTheStatsBehindAFilterWhileThePageStaysOpenWhenRegisteredTwice() throws Exception {
        // Given the stats path registered again, behind a filter that wants a bearer token
        server.createContext(handler.statsPath(), handler).getFilters().add(new RequireToken("s3cret"));

        // Then the page opens without a token, while the stats need it
        assertThat(get("/dashboard/").statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/app.js").statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/stats").statusCode()).isEqualTo(401);
        HttpResponse<String> withToken = client.send(HttpRequest.newBuilder(url("/dashboard/stats"))
                .header("Authorization", "Bearer s3cret").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withToken.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(withToken.body()).has("totals")).isTrue();
    }

    @Test
    void shouldRejectABasePathThatIsNotADirectoryName() {
        assertThatThrownBy(() -> new DashboardHandler("/dashboard/", stats, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("basePath");
        assertThatThrownBy(() -> new DashboardHandler("dashboard", stats, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("basePath");
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(url(pathAndQuery)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI url(String pathAndQuery) {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort()
                + pathAndQuery);
    }

    /** Sends a GET with exactly this request target and returns the status line. */
    private String rawStatusLine(String target) throws IOException {
        try (Socket socket = new Socket(server.getAddress().getAddress(), server.getAddress().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != -1 && b != '\r'; b = in.read()) {
                line.append((char) b);
            }
            return line.toString();
        }
    }

    /** What the router's bearer-token filter does, reduced to what this test needs. */
    private static final class RequireToken extends Filter {
        private final String token;

        RequireToken(String token) {
            this.token = token;
        }

        @Override
        public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
            if (("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                chain.doFilter(exchange);
                return;
            }
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        }

        @Override
        public String description() {
            return "bearer token";
        }
    }
}
