package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.ProviderSimulator;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.PrometheusText;
import io.beacon.testsupport.TopicReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deployments that fail alone, on the whole pipeline (real broker, simulators, router, workers): one Modal
 * endpoint refuses the workers' credentials (401) and one Golem node no longer has the model (Ollama's 404
 * {@code model "llama3.2:1b" not found}), both set through the simulators' fault API as a person would with curl.
 * Jobs routed there fail over instead of failing, the two deployments are taken out with their reasons in
 * {@code /providers}, {@code /health} and the metrics, and the node comes back once its model is there again.
 * A request produced without a value goes to the dead-letter topic with its reason, counted and listed by
 * {@code beacon dlq}.
 */
class MisconfiguredDeploymentsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "llama3.2:1b";
    private static final String REFUSED = "modal-us-east";
    private static final String MISSING = "golem-eu-central-1";
    private static final int WAVES = 10;
    private static final int PER_WAVE = 20;

    private final HttpClient http = HttpClient.newHttpClient();
    private IsolatedRun run;
    private Map<String, String> settings;
    private LocalPipeline pipeline;
    private Topics topics;

    @BeforeEach
    void startPipeline() throws Exception {
        run = IsolatedRun.start("misconfigured");
        settings = run.settings();
        pipeline = TestPipelines.startReady(settings);
        topics = run.topics();
    }

    @AfterEach
    void stopPipeline() {
        if (pipeline != null) {
            pipeline.fleet().simulators().forEach(sim -> sim.faults().recover());
            pipeline.close();
        }
        run.close();
    }

    @Test
    void shouldFailJobsOverFromAModalEndpointThatRefusesTheCredentialsAndANodeWithoutTheModel() throws Exception {
        // Given a Modal endpoint that answers 401 and a Golem node that answers 404 for the model
        assertThat(fault(REFUSED, "{\"mode\":\"fail\",\"status\":401}").statusCode()).isEqualTo(200);
        assertThat(fault(MISSING, "{\"mode\":\"model-missing\",\"model\":\"" + MODEL + "\"}").statusCode())
                .isEqualTo(200);

        // When the runner sends 200 jobs in waves (every tenth prefers Modal, so the endpoint is tried), and one
        // record without a value among them
        Map<String, InferenceResult> results = new HashMap<>();
        int duplicates = 0;
        try (KafkaProducer<String, InferenceRequest> producer = run.producer(topics.requests());
             KafkaProducer<byte[], byte[]> raw = run.producer(IsolatedRun.bytesOf(topics.requests()));
             TopicReader<String, InferenceResult> reader = run.reader(topics.results())) {
            for (int wave = 0; wave < WAVES; wave++) {
                for (int i = 0; i < PER_WAVE; i++) {
                    String id = "misconf-" + wave + "-" + i;
                    InferenceRequest.Builder request = InferenceRequest.newBuilder().setJobId(id).setModel(MODEL)
                            .setPrompt("Is this sentence biased? " + id).setCreatedAt(Instant.now());
                    if (i % 10 == 0) {
                        request.setProviderPreference(List.of(ProviderKind.MODAL)).setAllowFallbacks(true);
                    }
                    producer.send(new ProducerRecord<>(topics.requests().name(), id, request.build()));
                }
                if (wave == WAVES / 2) {
                    raw.send(new ProducerRecord<>(topics.requests().name(),
                            "no-value".getBytes(StandardCharsets.UTF_8), null)).get();
                }
                producer.flush();
                int expected = (wave + 1) * PER_WAVE;
                int[] dup = {0};
                await().atMost(Duration.ofSeconds(90)).until(() -> {
                    for (ConsumerRecord<String, InferenceResult> r : reader.poll(Duration.ofMillis(200))) {
                        if (results.put(r.key(), r.value()) != null) {
                            dup[0]++;
                        }
                    }
                    return results.size() >= expected;
                });
                duplicates += dup[0];
            }
        }

        // Then every job has exactly one result and at least 99.5% succeeded (the failures failed over)
        int jobs = WAVES * PER_WAVE;
        assertThat(results).hasSize(jobs);
        assertThat(duplicates).isZero();
        long succeeded = results.values().stream().filter(InferenceResult::getSuccess).count();
        assertThat(succeeded).as("failed: %s", results.values().stream().filter(r -> !r.getSuccess())
                .map(InferenceResult::getError).toList()).isGreaterThanOrEqualTo((long) Math.ceil(jobs * 0.995));
        assertThat(results.values()).as("some jobs were failed over from a misconfigured deployment")
                .anySatisfy(r -> assertThat(r.getRoute()).hasSizeGreaterThan(1).containsAnyOf(REFUSED, MISSING));

        // And /providers shows both deployments out, misconfigured, with the reason
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, JsonNode> providers = byId(get("/providers").get("deployments"));
            assertThat(providers.get(REFUSED).get("condition").textValue()).isEqualTo("misconfigured");
            assertThat(providers.get(REFUSED).get("healthy").booleanValue()).isFalse();
            assertThat(providers.get(REFUSED).get("reason").textValue()).contains("credentials refused")
                    .contains("HTTP 401");
            assertThat(providers.get(MISSING).get("condition").textValue()).isEqualTo("misconfigured");
            assertThat(providers.get(MISSING).get("reason").textValue())
                    .contains("model not found on this deployment").contains("try pulling it first");
            assertThat(providers.values()).filteredOn(d -> !List.of(REFUSED, MISSING)
                            .contains(d.get("deployment_id").textValue()))
                    .allSatisfy(d -> assertThat(d.get("condition").textValue()).isEqualTo("serving"));
        });
        // And /health counts them out and says why
        JsonNode health = get("/health");
        assertThat(health.get("status").textValue()).isEqualTo("degraded");
        assertThat(health.get("providers_healthy").intValue()).isEqualTo(health.get("providers_total").intValue() - 2);
        Map<String, JsonNode> inHealth = byId(health.get("deployments"));
        assertThat(inHealth.get(REFUSED).get("condition").textValue()).isEqualTo("misconfigured");
        assertThat(inHealth.get(MISSING).get("reason").textValue()).contains("model not found");
        // And the router's metrics show the conditions and the failures by blame
        PrometheusText metrics = PrometheusText.parse(getText("/metrics"));
        assertThat(value(metrics, "beacon_deployment_condition", Map.of("deployment", REFUSED,
                "condition", "misconfigured"))).isEqualTo(1.0);
        assertThat(value(metrics, "beacon_deployment_condition", Map.of("deployment", MISSING,
                "condition", "misconfigured"))).isEqualTo(1.0);
        assertThat(value(metrics, "beacon_attempt_failures_total", Map.of("provider", "modal",
                "blame", "misconfigured"))).isPositive();
        assertThat(value(metrics, "beacon_attempt_failures_total", Map.of("provider", "golem",
                "blame", "misconfigured"))).isPositive();

        // And the record without a value is on the dead-letter topic with its reason, counted and listed
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(value(PrometheusText.parse(getText("/metrics")), "beacon_dlq_records_total", Map.of()))
                        .isGreaterThanOrEqualTo(1.0));
        List<JsonNode> dead = dlqListing();
        assertThat(dead).anySatisfy(line -> {
            assertThat(line.get("key").textValue()).isEqualTo("no-value");
            assertThat(line.get("value_bytes").intValue()).isZero();
            assertThat(line.get("error").get("message").textValue()).contains("has no value");
            assertThat(line.get("error").get("topic").textValue()).isEqualTo(topics.requests().name());
        });

        // When the node has its model again, a probe shows it and it serves again
        fault(MISSING, "{\"mode\":\"recover\"}");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(byId(get("/providers").get("deployments")).get(MISSING).get("condition").textValue())
                        .isEqualTo("serving"));
    }

    private HttpResponse<String> fault(String deploymentId, String body) throws Exception {
        ProviderSimulator sim = pipeline.fleet().simulators().stream()
                .filter(s -> s.deployment().id().equals(deploymentId)).findFirst().orElseThrow();
        return http.send(HttpRequest.newBuilder(URI.create(sim.rootUrl() + "/__sim/faults"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        return JSON.readTree(getText(path));
    }

    private String getText(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create(pipeline.router().httpUrl() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private static Map<String, JsonNode> byId(JsonNode deployments) {
        Map<String, JsonNode> out = new HashMap<>();
        deployments.forEach(d -> out.put(d.get("deployment_id").textValue(), d));
        return out;
    }

    private static double value(PrometheusText metrics, String name, Map<String, String> labels) {
        return metrics.samples().stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(PrometheusText.Sample::value).sum();
    }

    /** {@code beacon dlq} on the pipeline's settings, as a runner's operator would run it. */
    private List<JsonNode> dlqListing() throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList("dlq"));
        settings.forEach((key, value) -> {
            args.add("--set");
            args.add(key + "=" + value);
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BeaconCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
        assertThat(exit).as(err.toString()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().lines().filter(l -> !l.isBlank()).toList()) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }
}
