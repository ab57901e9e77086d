package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.testsupport.IsolatedRun;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runner integration guide's code path against the real pipeline (broker, router, workers, provider
 * simulators): its {@code executeViaHybridRouter} POST and its health monitor's GET, made the way its Go
 * code makes them.
 */
class HttpFacadeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the guide's Go code sends: json.Marshal of its map (keys sorted), Content-Type application/json. */
    private static final String GUIDE_PAYLOAD = "{\"cost_priority\":true,\"max_tokens\":512,\"model\":\"llama3.2:1b\","
            + "\"prompt\":\"Describe a typical day of a nurse.\",\"region_preference\":\"us-east\",\"temperature\":0.1}";

    /** The guide's runner uses a 60 s client time-out, as does HYBRID_ROUTER_TIMEOUT's default. */
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private IsolatedRun run;
    private LocalPipeline pipeline;

    @BeforeEach
    void startPipeline() throws Exception {
        run = IsolatedRun.start("http-facade");
        pipeline = TestPipelines.startReady(run.settings());
    }

    @AfterEach
    void stopPipeline() {
        pipeline.close();
        run.close();
    }

    @Test
    void shouldAnswerTheRunnersPostWithASuccessfulInferenceResponse() throws Exception {
        // When the runner's executeViaHybridRouter posts its payload
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create(pipeline.router().httpUrl() + "/inference"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GUIDE_PAYLOAD)).build(), HttpResponse.BodyHandlers.ofString());

        // Then it decodes into the guide's InferenceResponse with success, provider_used and cost_estimate
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode result = JSON.readTree(response.body());
        assertThat(result.get("success").isBoolean()).isTrue();
        assertThat(result.get("success").booleanValue()).as(response.body()).isTrue();
        assertThat(result.get("response").textValue()).isNotBlank();
        assertThat(result.get("error").isNull()).isTrue();
        assertThat(result.get("provider_used").textValue()).matches("(golem|modal|runpod)-.+");
        assertThat(result.get("inference_time").isNumber()).isTrue();
        assertThat(result.get("inference_time").doubleValue()).isPositive();
        assertThat(result.get("cost_estimate").isNumber()).isTrue();
        assertThat(result.get("cost_estimate").doubleValue()).isPositive();
    }

    @Test
    void shouldAnswerTheHealthMonitorInTheGuidesShape() throws Exception {
        // When the runner's HybridMonitor checks health (it sends no token)
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create(pipeline.router().httpUrl() + "/health"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());

        // Then it gets a 200 it can decode into RouterHealth
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode health = JSON.readTree(response.body());
        assertThat(health.get("status").textValue()).isIn("healthy", "degraded");
        int total = pipeline.fleet().simulators().size();
        assertThat(health.get("providers_total").intValue()).isEqualTo(total);
        assertThat(health.get("providers_healthy").intValue()).isPositive().isLessThanOrEqualTo(total);
        assertThat(health.get("regions").isArray()).isTrue();
        assertThat(health.get("regions")).isNotEmpty();
        assertThat(health.get("regions").get(0).isTextual()).isTrue();
    }
}
