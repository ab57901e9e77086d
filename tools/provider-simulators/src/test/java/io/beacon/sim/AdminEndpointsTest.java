package io.beacon.sim;

import static io.beacon.sim.SimHttp.at;
import static io.beacon.sim.SimHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /__sim/faults and /__sim/stats: breaking a running demo with curl. */
class AdminEndpointsTest {

    private static final String GENERATE = "{\"model\":\"llama3.2:1b\",\"prompt\":\"hi\",\"stream\":false}";

    private final SimHttp http = SimHttp.client();
    private ProviderSimulator node;
    private ProviderSimulator runpod;

    @BeforeEach
    void startSimulators() {
        node = ProviderSimulator.start(SimulatedDeployment.builder("golem-admin", SimProvider.GOLEM)
                .latency(LatencyModel.fixed(Duration.ofMillis(10))).build(), "127.0.0.1", 0, SimCredentials.none());
        runpod = ProviderSimulator.start(SimulatedDeployment.builder("runpod-admin", SimProvider.RUNPOD)
                        .latency(LatencyModel.fixed(Duration.ofMillis(10))).coldStart(Duration.ZERO).build(),
                "127.0.0.1", 0, new SimCredentials(null, null, "key"));
    }

    @AfterEach
    void closeSimulators() {
        node.close();
        runpod.close();
    }

    private HttpResponse<String> fault(ProviderSimulator simulator, String json) {
        return http.post(at(simulator.rootUrl(), "/__sim/faults"), json);
    }

    @Test
    void shouldBreakAndRecoverANodeThroughPostedFaults() {
        // Given
        URI generate = at(node.baseUrl(), "/api/generate");

        // When
        HttpResponse<String> applied = fault(node, "{\"mode\":\"fail\",\"status\":503}");
        int broken = http.post(generate, GENERATE).statusCode();
        fault(node, "{\"mode\":\"recover\"}");
        int recovered = http.post(generate, GENERATE).statusCode();

        // Then
        assertThat(applied.statusCode()).isEqualTo(200);
        assertThat(json(applied).get("faults").get("failAllStatus").asInt()).isEqualTo(503);
        assertThat(broken).isEqualTo(503);
        assertThat(recovered).isEqualTo(200);
        assertThat(node.faults().isHealthy()).isTrue();
    }

    @Test
    void shouldApplyEveryModeToTheFaultControl() {
        // When
        fault(node, "{\"mode\":\"fail-rate\",\"rate\":0.3}");
        fault(node, "{\"mode\":\"slow\",\"factor\":3.0}");
        fault(node, "{\"mode\":\"mid-stream\"}");
        fault(node, "{\"mode\":\"cold\"}");
        fault(node, "{\"mode\":\"redirect-after\",\"millis\":2000}");
        JsonNode faults = json(http.get(at(node.rootUrl(), "/__sim/faults"))).get("faults");

        // Then
        assertThat(faults.get("failRate").asDouble()).isEqualTo(0.3);
        assertThat(faults.get("slowDownFactor").asDouble()).isEqualTo(3.0);
        assertThat(faults.get("midStream").asBoolean()).isTrue();
        assertThat(faults.get("coldRequested").asBoolean()).isTrue();
        assertThat(faults.get("redirectAfterMs").asLong()).isEqualTo(2000);
        assertThat(node.faults().redirectAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldStillAnswerAdminCallsWhileUnresponsiveSoTheDemoCanBeRecovered() {
        // Given
        fault(node, "{\"mode\":\"unresponsive\"}");

        // When
        HttpResponse<String> stats = http.get(at(node.rootUrl(), "/__sim/stats"));
        HttpResponse<String> recover = fault(node, "{\"mode\":\"recover\"}");

        // Then
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(json(stats).get("faults").get("unresponsive").asBoolean()).isTrue();
        assertThat(recover.statusCode()).isEqualTo(200);
        assertThat(http.post(at(node.baseUrl(), "/api/generate"), GENERATE).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldReportStatsAsJson() {
        // Given
        http.post(at(node.baseUrl(), "/api/generate"), GENERATE);
        http.post(at(node.baseUrl(), "/api/generate"), "{\"model\":\"unknown\",\"prompt\":\"x\"}");

        // When
        JsonNode stats = json(http.get(at(node.rootUrl(), "/__sim/stats")));

        // Then
        assertThat(stats.get("deployment").asText()).isEqualTo("golem-admin");
        assertThat(stats.get("provider").asText()).isEqualTo("GOLEM");
        assertThat(stats.get("requestsTotal").asLong()).isEqualTo(2);
        assertThat(stats.get("succeeded").asLong()).isEqualTo(1);
        assertThat(stats.get("failed").asLong()).isEqualTo(1);
        assertThat(stats.get("inFlight").asInt()).isZero();
        assertThat(stats.get("peakInFlight").asInt()).isEqualTo(1);
        assertThat(stats.get("billed_usd").asDouble()).isPositive();
        assertThat(stats.get("billing_model").asText()).isEqualTo("LEASE");
        assertThat(stats.get("units_up").asInt()).isEqualTo(1);
        assertThat(stats.get("unit_starts").asLong()).isEqualTo(1);
        assertThat(stats.get("lease_started_at").asText()).isNotBlank();
        assertThat(stats.get("warm").asBoolean()).isTrue();
    }

    @Test
    void shouldServeAdminAtTheServerRootWithoutRunPodCredentials() {
        // When
        HttpResponse<String> applied = fault(runpod, "{\"mode\":\"fail\",\"status\":500}");
        HttpResponse<String> health = http.get(at(runpod.baseUrl(), "/health"), "Authorization", "key");

        // Then
        assertThat(applied.statusCode()).isEqualTo(200);
        assertThat(health.statusCode()).isEqualTo(500);
    }

    @Test
    void shouldRejectUnknownModesAndInvalidValuesWith400() {
        assertThat(fault(node, "{\"mode\":\"explode\"}").statusCode()).isEqualTo(400);
        assertThat(fault(node, "{\"mode\":\"fail\",\"status\":200}").statusCode()).isEqualTo(400);
        assertThat(fault(node, "{\"mode\":\"fail-rate\",\"rate\":2}").statusCode()).isEqualTo(400);
        assertThat(fault(node, "not json").statusCode()).isEqualTo(400);
        assertThat(http.get(at(node.rootUrl(), "/__sim/nothing")).statusCode()).isEqualTo(404);
        assertThat(node.faults().isHealthy()).isTrue();
    }
}
