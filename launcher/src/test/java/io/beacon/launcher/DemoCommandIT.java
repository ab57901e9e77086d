package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one command a user runs: {@code beacon demo} starts the embedded default (real KRaft broker,
 * registry, simulators, router, workers) and ends with a summary. Here on free ports.
 */
class DemoCommandIT {

    /** The budget for what a person reads after the build line. */
    private static final int CONSOLE_LINE_BUDGET = 40;

    @Test
    void shouldRunTheJobMixThroughEveryProviderKindWithOneResultPerJobAndAShortConsole(@TempDir Path dir)
            throws Exception {
        Path summary = dir.resolve("summary.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = BeaconCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "demo", "--jobs", "80",
                "--rate", "40", "--broker-port", "0", "--controller-port", "0", "--registry-port", "0",
                "--http-port", "0", "--sim-port", "0", "--summary-json", summary.toString());

        assertThat(exit).as(out + "\n" + err).isZero();
        // The console: a short read ending with the summary, naming the log file, which holds the logs
        List<String> console = out.toString().lines().toList();
        assertThat(console.size() + err.toString().lines().count()).as(out + "\n" + err)
                .isLessThanOrEqualTo(CONSOLE_LINE_BUDGET);
        assertThat(err.toString()).isEmpty();
        assertThat(console).noneMatch(line -> line.contains(" INFO ") || line.contains(" WARN "));
        assertThat(String.join("\n", console.subList(console.indexOf(console.stream()
                .filter(line -> line.startsWith("Beacon demo summary")).findFirst().orElseThrow()), console.size())))
                .containsPattern("results +80").contains("golem", "modal", "runpod")
                .endsWith("Summary written to " + summary.toAbsolutePath());
        Path logFile = Path.of(console.stream().filter(line -> line.startsWith("Logs: ")).findFirst().orElseThrow()
                .substring("Logs: ".length()).split("  ")[0]);
        try {
            assertThat(logFile).isRegularFile();
            assertThat(Files.readString(logFile)).contains("INFO", "attempt finished", "router started");
        } finally {
            Files.deleteIfExists(logFile);
        }
        JsonNode json = new ObjectMapper().readTree(Files.readString(summary));
        assertThat(json.get("jobs").asInt()).isEqualTo(80);
        assertThat(json.get("results").asInt()).isEqualTo(80);
        assertThat(json.get("duplicates").asInt()).isZero();
        assertThat(json.get("succeeded").asInt()).isGreaterThan(70);
        assertThat(json.get("by_provider").get("golem").asInt()).isPositive();
        assertThat(json.get("by_provider").get("modal").asInt()).isPositive();
        assertThat(json.get("by_provider").get("runpod").asInt()).isPositive();
        // Money: the pipeline's ledger against the simulated providers' invoices, cut at the same instant
        assertThat(json.get("invoiced_cost_usd").asDouble()).isPositive();
        assertThat(json.get("total_cost_usd").asDouble()).isPositive();
        assertThat(json.get("cost_reconciliation_error").asDouble()).as(json.toPrettyString()).isLessThanOrEqualTo(0.02);
        assertThat(json.get("blended_cost_per_inference_usd").asDouble()).isCloseTo(
                json.get("total_cost_usd").asDouble() / json.get("succeeded").asInt(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(json.get("latency_ms").get("p50").asLong()).isPositive();
        assertThat(json.get("latency_ms").get("p99").asLong()).isGreaterThanOrEqualTo(json.get("latency_ms").get("p50").asLong());
        assertThat(json.has("failovers")).isTrue();
    }
}
