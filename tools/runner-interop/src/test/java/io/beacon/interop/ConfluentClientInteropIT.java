package io.beacon.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.registry.RegistryHttpServer;
import io.beacon.schemas.topics.TopicSpec;
import io.beacon.schemas.topics.Topics;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A runner built only on Confluent's client libraries can use Beacon: a Node.js client (kafkajs and
 * {@code @kafkajs/confluent-schema-registry}) registers {@code InferenceRequest} through its registry
 * client, produces Avro jobs, and reads back and decodes exactly one result per job, while the whole
 * pipeline (router, workers, simulated providers) runs on the shared real broker. It is proven twice,
 * with the same assertions: through Beacon's in-process registry behind its REST server, and through
 * Apicurio Registry's Confluent-compatible API, a registry server that is not ours.
 *
 * <p>Nothing here skips: without Node.js or the Apicurio distribution (both installed by the build and
 * {@code .ci/run}) the test fails and says what is missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfluentClientInteropIT {

    private static final int JOBS = 24;
    private static final Duration PIPELINE_READY = Duration.ofSeconds(60);
    private static final Duration RESULTS_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration APICURIO_READY = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path outputDir;
    private static ApicurioRegistry apicurio;

    @BeforeAll
    static void checkNodeAndLaunchApicurioEarly() {
        NodeInteropClient.requireNode();
        outputDir = Path.of(property("interop.output.dir"));
        // Apicurio takes ~15-20 s to boot: it starts now and boots while the in-process test (Order 1) runs.
        apicurio = ApicurioRegistry.launch(Path.of(property("apicurio.home")), property("apicurio.version"),
                outputDir.resolve("apicurio.log"));
    }

    @AfterAll
    static void stopApicurio() {
        if (apicurio != null) {
            apicurio.close();
        }
    }

    @Test
    @Order(1)
    void shouldAnswerEveryJobFromTheConfluentNodeClientThroughTheInProcessRegistry() throws Exception {
        try (RegistryHttpServer registry = new RegistryHttpServer(new InMemorySchemaRegistry(), "127.0.0.1", 0).start()) {
            assertConfluentClientInterop("in-process", registry.url());
        }
    }

    @Test
    @Order(2)
    void shouldAnswerEveryJobFromTheConfluentNodeClientThroughApicurioRegistry() throws Exception {
        apicurio.awaitReady(APICURIO_READY);

        assertConfluentClientInterop("apicurio", apicurio.confluentUrl());
    }

    private void assertConfluentClientInterop(String label, String registryUrl) throws Exception {
        try (IsolatedRun isolated = IsolatedRun.named("interop-" + label).registryUrl(registryUrl).start();
             LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Options(isolated.settings(), 0, 0, 0, 0,
                     IsolatedRun.DEFAULT_PARTITIONS, (short) 1))) {
            pipeline.awaitReady(PIPELINE_READY);
            Topics topics = isolated.topics();
            String requestSubject = topics.requests().name() + "-value";
            // Given: our request schema as one self-contained JSON document (named types inlined),
            // which the Node client registers itself
            Path schemaFile = outputDir.resolve(label + "-InferenceRequest.avsc");
            Files.createDirectories(outputDir);
            Files.writeString(schemaFile, InferenceRequest.getClassSchema().toString());

            // The router registered the subject at start. A Confluent client checks the subject's own level
            // before registering and refuses unless it is BACKWARD; Apicurio reports NONE for a subject
            // without a level of its own (its global BACKWARD rule still applies), so the operator sets it,
            // as docs/runner-guide.md says.
            new RegistryAdmin(registryUrl).setSubjectCompatibility(requestSubject, "BACKWARD");

            // When: the Confluent client registers it, produces the jobs and waits for their results
            NodeInteropClient.Run run = new NodeInteropClient(Path.of(property("interop.node.dir")), outputDir)
                    .run(label, new NodeInteropClient.Invocation(pipeline.bootstrapServers(), registryUrl,
                            topics.requests().name(), topics.results().name(), JOBS, schemaFile, "job-" + isolated.id(),
                            RESULTS_TIMEOUT));

            // Then: it got one result per job, decoded by the same library, each a success
            assertThat(run.exitCode()).as("exit code of the Node.js client\n%s", run.diagnostics()).isZero();
            JsonNode summary = run.summary();
            assertThat(summary).as("summary line\n%s", run.diagnostics()).isNotNull();
            assertThat(summary.path("registered").asBoolean()).isTrue();
            assertThat(summary.path("jobs_sent").asInt()).isEqualTo(JOBS);
            assertThat(summary.path("results").asInt()).isEqualTo(JOBS);
            assertThat(summary.path("other_jobs_results").asInt()).as("results of jobs nobody sent").isZero();
            assertThat(summary.path("mismatches")).as(run.diagnostics()).isEmpty();
            assertThat(run.sent()).hasSize(JOBS);
            assertThat(run.results()).as("result lines").hasSize(JOBS)
                    .extracting(result -> result.path("job_id").asText())
                    .containsExactlyInAnyOrderElementsOf(run.sent().stream().map(r -> r.path("job_id").asText()).toList());
            assertThat(run.results()).allSatisfy(result -> {
                String job = result.path("job_id").asText();
                assertThat(result.path("success").asBoolean()).as("%s: %s", job, result.path("error")).isTrue();
                assertThat(result.path("provider_used").asText()).as(job).isNotBlank();
                assertThat(result.path("provider").asText()).as(job).isIn("GOLEM", "MODAL", "RUNPOD");
                assertThat(result.path("cost_estimate").asDouble()).as(job).isPositive();
                assertThat(result.path("route").isArray() && !result.path("route").isEmpty()).as(job).isTrue();
            });

            // And: Beacon's own serde reads every record the Confluent client wrote, field for field
            Map<String, InferenceRequest> decoded = readRequests(isolated, topics.requests(), JOBS);
            for (JsonNode sent : run.sent()) {
                InferenceRequest expected = requestFrom(sent);
                assertThat(decoded.get(expected.getJobId())).as("request %s as our serde reads it", expected.getJobId())
                        .isEqualTo(expected);
            }

            // And: the registry holds the subject under BACKWARD compatibility
            RegistryAdmin admin = new RegistryAdmin(registryUrl);
            assertThat(admin.subjects()).contains(requestSubject, topics.results().name() + "-value");
            assertThat(admin.latestId(requestSubject)).isEqualTo(summary.path("schema_id").asInt());
            assertThat(admin.compatibility()).isEqualTo("BACKWARD");
            RegistryAdmin.Reply incompatible = admin.register(requestSubject,
                    withField(InferenceRequest.getClassSchema().toString(), "tenant", null));
            assertThat(incompatible.status()).as("a new required field: %s", incompatible.body()).isEqualTo(409);
            RegistryAdmin.Reply compatible = admin.register(requestSubject,
                    withField(InferenceRequest.getClassSchema().toString(), "tenant", ""));
            assertThat(compatible.status()).as("a new field with a default: %s", compatible.body()).isEqualTo(200);
        }
    }

    /** Every record on the requests topic, read committed through Beacon's serde, by job id. */
    private static Map<String, InferenceRequest> readRequests(IsolatedRun run,
                                                              TopicSpec<String, InferenceRequest> requests,
                                                              int expected) {
        Map<String, InferenceRequest> byJob = new LinkedHashMap<>();
        try (TopicReader<String, InferenceRequest> reader = run.reader(requests)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, InferenceRequest> record : reader.poll(Duration.ofMillis(200))) {
                    assertThat(record.key()).isEqualTo(record.value().getJobId());
                    byJob.put(record.key(), record.value());
                }
                return byJob.size() >= expected;
            });
        }
        return byJob;
    }

    /** The request the Node client says it sent (times as epoch milliseconds), as our generated class. */
    private static InferenceRequest requestFrom(JsonNode sent) {
        List<ChatMessage> messages = new ArrayList<>();
        sent.path("messages").forEach(m -> messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText())));
        List<ProviderKind> preference = new ArrayList<>();
        sent.path("provider_preference").forEach(p -> preference.add(ProviderKind.valueOf(p.asText())));
        Map<String, String> metadata = new HashMap<>();
        sent.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        return InferenceRequest.newBuilder()
                .setJobId(sent.path("job_id").asText())
                .setModel(sent.path("model").asText())
                .setPrompt(sent.path("prompt").asText())
                .setMessages(messages)
                .setTemperature(sent.path("temperature").asDouble())
                .setMaxTokens(sent.path("max_tokens").asInt())
                .setRegionPreference(sent.path("region_preference").isNull() ? null : sent.path("region_preference").asText())
                .setCostPriority(sent.path("cost_priority").asBoolean())
                .setProviderPreference(preference)
                .setAllowFallbacks(sent.path("allow_fallbacks").asBoolean())
                .setMaxPricePerInferenceUsd(sent.path("max_price_per_inference_usd").isNull()
                        ? null : sent.path("max_price_per_inference_usd").asDouble())
                .setDeadline(sent.path("deadline").isNull() ? null : Instant.ofEpochMilli(sent.path("deadline").asLong()))
                .setCreatedAt(Instant.ofEpochMilli(sent.path("created_at").asLong()))
                .setMetadata(metadata)
                .build();
    }

    /**
     * {@code schemaJson} with one more string field: required when {@code defaultValue} is null (a
     * reader with it cannot read older records: BACKWARD-incompatible), optional otherwise.
     */
    private static String withField(String schemaJson, String name, String defaultValue) throws IOException {
        ObjectNode schema = (ObjectNode) JSON.readTree(schemaJson);
        ObjectNode field = ((ArrayNode) schema.get("fields")).addObject().put("name", name).put("type", "string");
        if (defaultValue != null) {
            field.put("default", defaultValue);
        }
        return schema.toString();
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set: run this test through Maven"
                    + " (`mvn verify -pl runner-interop`), whose failsafe configuration sets it");
        }
        return value;
    }
}
