package io.beacon.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The REST server answers like a Confluent registry. Every request here is raw {@code java.net.http} so
 * the test checks the wire, not our own client's reading of it.
 */
class RegistryHttpServerTest {

    private static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String SUBJECT = "inference-requests-value";
    private static final Schema SCHEMA = InferenceRequest.getClassSchema();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private RegistryHttpServer server;

    @BeforeEach
    void startServer() {
        server = new RegistryHttpServer(registry, "127.0.0.1", 0).start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void shouldServeOnAFreePortWhenAskedForPortZero() {
        assertThat(server.port()).isPositive();
        assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.port());
    }

    @Test
    void shouldRegisterASchemaAndAnswerTheSameIdForTheSameSchema() throws Exception {
        Reply first = post("/subjects/" + SUBJECT + "/versions", schemaBody(SCHEMA));
        Reply again = post("/subjects/" + SUBJECT + "/versions", schemaBody(SCHEMA));
        Reply elsewhere = post("/subjects/other-value/versions", schemaBody(SCHEMA));

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.contentType()).isEqualTo(MEDIA_TYPE);
        assertThat(first.body()).isEqualTo(json("{\"id\":1}"));
        assertThat(again.body()).isEqualTo(json("{\"id\":1}"));
        assertThat(elsewhere.body()).isEqualTo(json("{\"id\":1}"));
        assertThat(registry.versions(SUBJECT)).containsExactly(1);
    }

    @Test
    void shouldRejectIncompatibleSchemaWith409() throws Exception {
        post("/subjects/" + SUBJECT + "/versions", schemaBody(SCHEMA));

        Reply reply = post("/subjects/" + SUBJECT + "/versions", schemaBody(withField(SCHEMA,
                "{\"name\":\"tenant\",\"type\":\"string\"}")));

        assertThat(reply.status()).isEqualTo(409);
        assertThat(reply.body().get("error_code").asInt()).isEqualTo(409);
        assertThat(reply.body().get("message").asText())
                .startsWith("Schema being registered is incompatible with an earlier schema for subject \""
                        + SUBJECT + "\", details: [READER_FIELD_MISSING_DEFAULT_VALUE at /fields/"
                        + InferenceRequest.getClassSchema().getFields().size() + ": tenant]");
    }

    @Test
    void shouldRejectAnInvalidSchemaWith42201() throws Exception {
        Reply reply = post("/subjects/" + SUBJECT + "/versions",
                "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"X\\\"}\"}");

        assertThat(reply.status()).isEqualTo(422);
        assertThat(reply.body().get("error_code").asInt()).isEqualTo(42201);
        assertThat(reply.body().get("message").asText()).startsWith("Invalid schema: ").contains("fields");
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void shouldAcceptAnExplicitAvroSchemaTypeAndRefuseOthersWith422() throws Exception {
        String schema = JSON.writeValueAsString(SCHEMA.toString());

        Reply avro = post("/subjects/" + SUBJECT + "/versions", "{\"schemaType\":\"AVRO\",\"schema\":" + schema + "}");
        Reply protobuf = post("/subjects/" + SUBJECT + "/versions",
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}");

        assertThat(avro.status()).isEqualTo(200);
        assertThat(protobuf.status()).isEqualTo(422);
        assertThat(protobuf.body()).isEqualTo(json("{\"error_code\":42201,\"message\":\"Invalid schema: schemaType"
                + " PROTOBUF is not supported; this registry holds only AVRO schemas\"}"));
    }

    @Test
    void shouldAcceptPlainApplicationJsonAndAnswerInIt() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/subjects/" + SUBJECT + "/versions"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(schemaBody(SCHEMA)))
                .build();

        Reply reply = send(request);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).isEqualTo("application/json");
        assertThat(reply.body().get("id").asInt()).isEqualTo(1);
    }

    @Test
    void shouldRefuseAnUnsupportedContentTypeWith415() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/subjects/" + SUBJECT + "/versions"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(schemaBody(SCHEMA)))
                .build();

        Reply reply = send(request);

        assertThat(reply.status()).isEqualTo(415);
        assertThat(reply.body().get("error_code").asInt()).isEqualTo(415);
    }

    @Test
    void shouldRefuseMalformedJsonWith400() throws Exception {
        Reply reply = post("/subjects/" + SUBJECT + "/versions", "{\"schema\": ");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body().get("error_code").asInt()).isEqualTo(400);
        assertThat(reply.body().get("message").asText()).startsWith("Request body is not valid JSON");
    }

    @Test
    void shouldFindARegisteredSchemaUnderItsSubject() throws Exception {
        Schema second = withField(SCHEMA, "{\"name\":\"tenant\",\"type\":\"string\",\"default\":\"\"}");
        int firstId = registry.register(SUBJECT, SCHEMA);
        int secondId = registry.register(SUBJECT, second);

        Reply first = post("/subjects/" + SUBJECT, schemaBody(SCHEMA));
        Reply latest = post("/subjects/" + SUBJECT, schemaBody(second));

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().get("subject").asText()).isEqualTo(SUBJECT);
        assertThat(first.body().get("id").asInt()).isEqualTo(firstId);
        assertThat(first.body().get("version").asInt()).isEqualTo(1);
        assertThat(new Schema.Parser().parse(first.body().get("schema").asText())).isEqualTo(SCHEMA);
        assertThat(latest.body().get("id").asInt()).isEqualTo(secondId);
        assertThat(latest.body().get("version").asInt()).isEqualTo(2);
    }

    @Test
    void shouldAnswer40403WhenTheSchemaIsNotUnderTheSubjectAnd40401WhenTheSubjectIsUnknown() throws Exception {
        registry.register(SUBJECT, SCHEMA);

        Reply otherSchema = post("/subjects/" + SUBJECT, schemaBody(JobAttempt.getClassSchema()));
        Reply unknownSubject = post("/subjects/nobody-value", schemaBody(SCHEMA));

        assertThat(otherSchema.status()).isEqualTo(404);
        assertThat(otherSchema.body().get("error_code").asInt()).isEqualTo(40403);
        assertThat(unknownSubject.status()).isEqualTo(404);
        assertThat(unknownSubject.body())
                .isEqualTo(json("{\"error_code\":40401,\"message\":\"Subject 'nobody-value' not found.\"}"));
    }

    @Test
    void shouldServeASchemaByIdWrappedAndRaw() throws Exception {
        int id = registry.register(SUBJECT, SCHEMA);

        Reply wrapped = get("/schemas/ids/" + id);
        Reply raw = get("/schemas/ids/" + id + "/schema");

        assertThat(wrapped.status()).isEqualTo(200);
        assertThat(wrapped.body().fieldNames()).toIterable().containsExactly("schema");
        assertThat(new Schema.Parser().parse(wrapped.body().get("schema").asText())).isEqualTo(SCHEMA);
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.body()).isEqualTo(json(SCHEMA.toString()));
    }

    @Test
    void shouldAnswer40403ForAnUnknownOrMalformedSchemaId() throws Exception {
        Reply unknown = get("/schemas/ids/42");
        Reply malformed = get("/schemas/ids/forty-two");

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo(json("{\"error_code\":40403,\"message\":\"Schema 42 not found\"}"));
        assertThat(malformed.status()).isEqualTo(404);
        assertThat(malformed.body().get("error_code").asInt()).isEqualTo(40403);
    }

    @Test
    void shouldListSubjectsAndTheirVersions() throws Exception {
        registry.register("b-value", SCHEMA);
        registry.register("a-value", ProviderStatus.getClassSchema());
        registry.register("a-value", withField(ProviderStatus.getClassSchema(),
                "{\"name\":\"zone\",\"type\":\"string\",\"default\":\"\"}"));

        Reply subjects = get("/subjects");
        Reply versions = get("/subjects/a-value/versions");
        Reply unknown = get("/subjects/c-value/versions");

        assertThat(subjects.body()).isEqualTo(json("[\"a-value\",\"b-value\"]"));
        assertThat(versions.body()).isEqualTo(json("[1,2]"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("error_code").asInt()).isEqualTo(40401);
    }

    @Test
    void shouldServeAVersionByNumberAndLatest() throws Exception {
        int firstId = registry.register(SUBJECT, SCHEMA);
        Schema second = withField(SCHEMA, "{\"name\":\"tenant\",\"type\":\"string\",\"default\":\"\"}");
        int secondId = registry.register(SUBJECT, second);

        Reply first = get("/subjects/" + SUBJECT + "/versions/1");
        Reply latest = get("/subjects/" + SUBJECT + "/versions/latest");
        Reply rawLatest = get("/subjects/" + SUBJECT + "/versions/latest/schema");

        assertThat(first.body().get("version").asInt()).isEqualTo(1);
        assertThat(first.body().get("id").asInt()).isEqualTo(firstId);
        assertThat(latest.body()).isEqualTo(JSON.createObjectNode().put("subject", SUBJECT).put("version", 2)
                .put("id", secondId).put("schema", second.toString()));
        assertThat(rawLatest.body()).isEqualTo(json(second.toString()));
    }

    @Test
    void shouldAnswer40402ForAMissingVersionAnd42202ForAnInvalidOne() throws Exception {
        registry.register(SUBJECT, SCHEMA);

        Reply missing = get("/subjects/" + SUBJECT + "/versions/7");
        Reply invalid = get("/subjects/" + SUBJECT + "/versions/newest");

        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo(json("{\"error_code\":40402,\"message\":\"Version 7 not found.\"}"));
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.body().get("error_code").asInt()).isEqualTo(42202);
    }

    @Test
    void shouldAnswerTheGlobalCompatibilityLevel() throws Exception {
        Reply reply = get("/config");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo(json("{\"compatibilityLevel\":\"BACKWARD\"}"));
    }

    @Test
    void shouldAnswerJson404ForAnUnknownPath() throws Exception {
        Reply reply = get("/mode/everything");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.contentType()).isEqualTo(MEDIA_TYPE);
        assertThat(reply.body().get("error_code").asInt()).isEqualTo(404);
        assertThat(reply.body().get("message").asText()).contains("GET /mode/everything");
    }

    @Test
    void shouldAnswer405ForAWrongMethod() throws Exception {
        Reply delete = send(HttpRequest.newBuilder(uri("/subjects/" + SUBJECT)).DELETE().build());
        Reply getLookup = get("/subjects/" + SUBJECT);
        Reply postConfig = post("/config", "{}");

        assertThat(delete.status()).isEqualTo(405);
        assertThat(delete.body().get("error_code").asInt()).isEqualTo(405);
        assertThat(delete.allow()).isEqualTo("POST");
        assertThat(getLookup.status()).isEqualTo(405);
        assertThat(postConfig.status()).isEqualTo(405);
        assertThat(postConfig.allow()).isEqualTo("GET");
    }

    @Test
    void shouldGiveOneIdToTheSameSchemaRegisteredConcurrentlyUnderManySubjects() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Reply>> registrations = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String subject = "topic-" + (i % 8) + "-value";
                registrations.add(() -> post("/subjects/" + subject + "/versions", schemaBody(SCHEMA)));
            }

            List<Future<Reply>> replies = pool.invokeAll(registrations);

            Set<Integer> ids = replies.stream().map(RegistryHttpServerTest::join)
                    .map(reply -> reply.body().get("id").asInt()).collect(Collectors.toSet());
            assertThat(ids).containsExactly(1);
            assertThat(registry.subjects()).hasSize(8);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRunOnDaemonThreadsOnly() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (RegistryHttpServer another = new RegistryHttpServer(registry, "127.0.0.1", 0).start()) {
            send(HttpRequest.newBuilder(URI.create(another.url() + "/config")).build());

            List<Thread> started = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> !before.contains(thread))
                    .filter(thread -> thread.getName().startsWith("HTTP-Dispatcher")
                            || thread.getName().startsWith("schema-registry-http"))
                    .toList();
            assertThat(started).isNotEmpty().allMatch(Thread::isDaemon, "is a daemon thread");
        }
    }

    @Test
    void shouldReportAPortAlreadyTakenNamingTheSetting() {
        int taken = server.port();

        assertThatThrownBy(() -> new RegistryHttpServer(registry, "127.0.0.1", taken).start())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("port " + taken + " on 127.0.0.1 is already in use")
                .hasMessageContaining("schema.registry.port");
    }

    @Test
    void shouldStopAnsweringWhenClosed() {
        URI config = uri("/config");

        server.close();

        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(config).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
    }

    @Test
    void shouldKeepACompatibilityLevelPerSubjectAsConfluentClientsExpect() throws Exception {
        // Given a subject with a first version
        post("/subjects/" + SUBJECT + "/versions", schemaBody(SCHEMA));
        assertThat(get("/config/" + SUBJECT).status()).isEqualTo(404);
        assertThat(get("/config/" + SUBJECT).body().get("error_code").asInt()).isEqualTo(40408);
        assertThat(get("/config/" + SUBJECT + "?defaultToGlobal=true").body().get("compatibilityLevel").asText())
                .isEqualTo("BACKWARD");

        // When a client sets the subject's level to NONE (as @kafkajs/confluent-schema-registry does on register)
        Reply set = put("/config/" + SUBJECT, "{\"compatibility\":\"NONE\"}");

        // Then the level is kept and an incompatible version is accepted for that subject only
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.body().get("compatibility").asText()).isEqualTo("NONE");
        assertThat(get("/config/" + SUBJECT).body().get("compatibilityLevel").asText()).isEqualTo("NONE");
        Schema incompatible = withField(SCHEMA, "{\"name\":\"tenant\",\"type\":\"string\"}");
        assertThat(post("/subjects/" + SUBJECT + "/versions", schemaBody(incompatible)).status()).isEqualTo(200);
        post("/subjects/other-value/versions", schemaBody(SCHEMA));
        assertThat(post("/subjects/other-value/versions", schemaBody(incompatible)).status()).isEqualTo(409);
    }

    @Test
    void shouldRefuseAnUnknownCompatibilityLevelWith42203() throws Exception {
        Reply reply = put("/config/" + SUBJECT, "{\"compatibility\":\"SIDEWAYS\"}");

        assertThat(reply.status()).isEqualTo(422);
        assertThat(reply.body().get("error_code").asInt()).isEqualTo(42203);
    }

    @Test
    void shouldCheckForwardCompatibilityWhenAskedTo() throws Exception {
        put("/config", "{\"compatibility\":\"FORWARD\"}");
        post("/subjects/" + SUBJECT + "/versions", schemaBody(SCHEMA));

        // A new field without a default: old readers ignore it, so FORWARD accepts what BACKWARD refuses
        Reply added = post("/subjects/" + SUBJECT + "/versions", schemaBody(withField(SCHEMA,
                "{\"name\":\"tenant\",\"type\":\"string\"}")));

        assertThat(get("/config").body().get("compatibilityLevel").asText()).isEqualTo("FORWARD");
        assertThat(added.status()).isEqualTo(200);
    }

    private Reply put(String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", MEDIA_TYPE)
                .header("Accept", MEDIA_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private record Reply(int status, String contentType, String allow, JsonNode body) {
    }

    private URI uri(String path) {
        return URI.create(server.url() + path);
    }

    private Reply get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).header("Accept", MEDIA_TYPE).GET().build());
    }

    private Reply post(String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", MEDIA_TYPE)
                .header("Accept", MEDIA_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                response.headers().firstValue("Allow").orElse(null), JSON.readTree(response.body()));
    }

    private static Reply join(Future<Reply> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String schemaBody(Schema schema) throws IOException {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    private static Schema withField(Schema schema, String fieldJson) {
        String json = schema.toString();
        int end = json.lastIndexOf("]}");
        return new Schema.Parser().parse(json.substring(0, end) + "," + fieldJson + json.substring(end));
    }
}
