package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.testsupport.IsolatedRun;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard as an operator opens it: the router of a running pipeline (broker, router, workers,
 * provider simulators) serves {@code /dashboard}, and Debian's headless Chromium, driven by playwright-core
 * through {@code src/test/browser/check-dashboard.mjs}, waits until every panel shows live data and saves
 * a screenshot under {@code target/dashboard-browser-it/}. The router has a bearer token, so the page's
 * {@code ?token=} path is the one proven.
 *
 * <p>The build copies {@code src/test/browser} to {@code target/dashboard-browser} and runs {@code npm ci}
 * there in the pre-integration-test phase. Chromium is optional for a developer: without it the test is
 * skipped, with the reason in the test report and on standard error. {@code .ci/run} installs it and sets
 * {@code BEACON_REQUIRE_BROWSER=1} (or {@code -Dbeacon.require.browser=true}), which turns a missing
 * browser into a failure.
 */
class DashboardBrowserIT {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardBrowserIT.class);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BROWSER_DIR = Path.of("target", "dashboard-browser");
    private static final Path OUTPUT_DIR = Path.of("target", "dashboard-browser-it");
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium"));
    private static final String PAYLOAD = "{\"model\":\"llama3.2:1b\",\"prompt\":\"Describe a typical day of a nurse.\","
            + "\"max_tokens\":128,\"cost_priority\":true}";
    private static final int JOBS = 12;

    private final String token = "dashboard-" + UUID.randomUUID();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private IsolatedRun run;
    private LocalPipeline pipeline;

    /** Before the pipeline starts, so a skipped test costs nothing; per test, so the report counts it as skipped. */
    private static void requireBrowser() {
        if (Files.isExecutable(CHROMIUM)) {
            return;
        }
        String reason = "no Chromium at " + CHROMIUM + " (install it with `apt-get install chromium`, or point"
                + " CHROMIUM_PATH at one)";
        if (browserRequired()) {
            fail(reason + "; BEACON_REQUIRE_BROWSER is set, so the dashboard's browser test may not be skipped");
        }
        LOG.warn("DashboardBrowserIT skipped: {}", reason);
        // Also on the console's stderr, where a person running the build looks for why a test did not run.
        System.err.println("DashboardBrowserIT skipped: " + reason);
        Assumptions.abort(reason);
    }

    /** {@code BEACON_REQUIRE_BROWSER} (environment) or {@code beacon.require.browser} (system property): 1, true or yes. */
    static boolean browserRequired() {
        String value = System.getProperty("beacon.require.browser", System.getenv("BEACON_REQUIRE_BROWSER"));
        return value != null && List.of("1", "true", "yes").contains(value.strip().toLowerCase(Locale.ROOT));
    }

    @BeforeEach
    void startPipeline() throws Exception {
        requireBrowser();
        run = IsolatedRun.start("dashboard");
        Map<String, String> settings = run.settings();
        settings.put("http.auth.token", token);
        pipeline = TestPipelines.startReady(settings);
    }

    @AfterEach
    void stopPipeline() {
        if (pipeline != null) {
            pipeline.fleet().simulators().forEach(sim -> sim.faults().recover());
            pipeline.close();
        }
        if (run != null) {
            run.close();
        }
    }

    @Test
    void shouldShowLagProvidersThroughputShareAndCostInARealBrowser() throws Exception {
        requireBrowserHarness();

        // Given jobs answered through the facade, so the result statistics have something to show
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            answers.add(client.sendAsync(authorized("/inference").timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(PAYLOAD)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get(90, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
        // And the lag monitor has polled at least once (a fetch that fails in the page is a console error)
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HttpResponse<String> lag = client.send(authorized("/lag").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(lag.statusCode()).as(lag.body()).isEqualTo(200);
            assertThat(JSON.readTree(lag.body()).get("groups")).isNotEmpty();
        });

        // And one Golem node whose credentials are refused: its probe marks it misconfigured
        ProviderSimulator refused = pipeline.fleet().simulators().stream()
                .filter(sim -> sim.deployment().provider() == SimProvider.GOLEM).findFirst().orElseThrow();
        String refusedId = refused.deployment().id();
        refused.faults().failAll(401);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HttpResponse<String> providers = client.send(authorized("/providers").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode node = null;
            for (JsonNode d : JSON.readTree(providers.body()).get("deployments")) {
                if (d.get("deployment_id").textValue().equals(refusedId)) {
                    node = d;
                }
            }
            assertThat(node).isNotNull();
            assertThat(node.get("condition").textValue()).isEqualTo("misconfigured");
        });

        // When the browser opens the dashboard
        Path screenshot = OUTPUT_DIR.resolve("dashboard.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        BrowserCheck check = runCheck(pipeline.router().httpUrl() + "/dashboard", screenshot);

        // Then every panel showed data, nothing went wrong in the page, and the screenshot was saved
        assertThat(check.exitCode()).as(check.diagnostics()).isZero();
        JsonNode summary = check.summary();
        assertThat(summary.get("ok").booleanValue()).as(check.diagnostics()).isTrue();
        assertThat(summary.get("groups")).as(check.diagnostics()).isNotEmpty();
        // (a worker group that has not committed yet, because no job went to its provider, is UNKNOWN)
        assertThat(summary.get("groups")).allSatisfy(group ->
                assertThat(group.get("status").textValue()).isIn("OK", "WARNING", "STALLED", "STOPPED", "UNKNOWN"));
        assertThat(summary.get("groups")).anySatisfy(group -> {
            assertThat(group.get("group").textValue()).isEqualTo(run.applicationId());
            assertThat(group.get("status").textValue()).isEqualTo("OK");
        });
        assertThat(summary.get("providers")).hasSize(pipeline.fleet().simulators().size());
        // And the node out of service shows as such, with its reason, in its row and in the list above the table
        assertThat(summary.get("conditions")).as(check.diagnostics()).anySatisfy(row -> {
            assertThat(row.get("deployment").textValue()).isEqualTo(refusedId);
            assertThat(row.get("condition").textValue()).isEqualTo("misconfigured");
            assertThat(row.get("reason").textValue()).contains("credentials refused").contains("HTTP 401");
            assertThat(row.get("listed_out").booleanValue()).isTrue();
        });
        assertThat(summary.get("conditions")).filteredOn(row -> !row.get("deployment").textValue().equals(refusedId))
                .allSatisfy(row -> assertThat(row.get("condition").textValue()).isEqualTo("serving"));
        assertThat(summary.get("panels").properties()).allSatisfy(panel ->
                assertThat(panel.getValue().booleanValue()).as(panel.getKey()).isTrue());
        assertThat(summary.get("console_errors")).isEmpty();
        assertThat(summary.get("url").textValue()).doesNotContain(token);
        assertThat(screenshot).exists();
        byte[] png = Files.readAllBytes(screenshot);
        assertThat(png.length).isGreaterThan(20_000);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(URI.create(pipeline.router().httpUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token);
    }

    /** Chromium is there ({@link #requireBrowser()}); the harness must be too: the build installs it. */
    private static void requireBrowserHarness() {
        assertThat(BROWSER_DIR.resolve("node_modules/playwright-core"))
                .as("playwright-core in " + BROWSER_DIR + ": run this test through Maven (`mvn verify -pl launcher`),"
                        + " which copies src/test/browser there and runs npm ci")
                .isDirectory();
    }

    record BrowserCheck(int exitCode, JsonNode summary, Path stdout, Path stderr) {
        String diagnostics() {
            String err;
            try {
                err = Files.readString(stderr);
            } catch (IOException e) {
                err = "(cannot read " + stderr + ")";
            }
            return "summary: " + summary + "\nstderr:\n" + err;
        }
    }

    private BrowserCheck runCheck(String url, Path screenshot) throws Exception {
        Files.createDirectories(OUTPUT_DIR);
        Path stdout = OUTPUT_DIR.resolve("check-stdout.json").toAbsolutePath();
        Path stderr = OUTPUT_DIR.resolve("check-stderr.log").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder("node", "check-dashboard.mjs", url, screenshot.toString(), token)
                .directory(BROWSER_DIR.toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().put("CHROMIUM_PATH", CHROMIUM.toString());
        builder.environment().put("DASHBOARD_TIMEOUT_MS", "60000");
        builder.environment().put("DASHBOARD_PANELS",
                "lag-panel,providers-panel,throughput-panel,share-panel,cost-panel");
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("check-dashboard.mjs (pid " + process.pid() + ") did not end within 120 s;"
                    + " see " + stdout + " and " + stderr);
        }
        List<String> lines = Files.readAllLines(stdout, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        JsonNode summary = lines.isEmpty() ? JSON.createObjectNode() : JSON.readTree(lines.get(lines.size() - 1));
        return new BrowserCheck(process.exitValue(), summary, stdout, stderr);
    }
}
