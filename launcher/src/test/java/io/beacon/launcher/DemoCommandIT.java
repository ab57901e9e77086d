package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one command a user runs: {@code beacon demo} starts the embedded default (real KRaft broker,
 * registry, simulators, router, workers) and ends with a summary. Here on free ports.
 */
class DemoCommandIT {

    @Test
    void shouldRunTheJobMixThroughEveryProviderKindWithOneResultPerJob(@TempDir Path dir) throws Exception {
        Path summary = dir.resolve("summary.json");

        int exit = BeaconCli.run("demo", "--jobs", "80", "--rate", "40", "--broker-port", "0",
                "--controller-port", "0", "--registry-port", "0", "--http-port", "0", "--sim-port", "0",
                "--summary-json", summary.toString());

        assertThat(exit).isZero();
        JsonNode json = new ObjectMapper().readTree(Files.readString(summary));
        assertThat(json.get("jobs").asInt()).isEqualTo(80);
        assertThat(json.get("results").asInt()).isEqualTo(80);
        assertThat(json.get("duplicates").asInt()).isZero();
        assertThat(json.get("succeeded").asInt()).isGreaterThan(70);
        assertThat(json.get("by_provider").get("golem").asInt()).isPositive();
        assertThat(json.get("by_provider").get("modal").asInt()).isPositive();
        assertThat(json.get("by_provider").get("runpod").asInt()).isPositive();
        assertThat(json.get("blended_cost_per_inference_usd").asDouble()).isBetween(0.0, 0.0005);
        assertThat(json.get("latency_ms").get("p50").asLong()).isPositive();
        assertThat(json.get("latency_ms").get("p99").asLong()).isGreaterThanOrEqualTo(json.get("latency_ms").get("p50").asLong());
        assertThat(json.has("failovers")).isTrue();
    }
}
