package io.beacon.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.registry.SchemaRegistryClient.RegisteredSchema;
import io.beacon.schemas.registry.StubHttpServer.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The REST client: what it sends, what it caches, and how every way a registry can fail turns into a
 * {@link SchemaRegistryException} that says what, where and why, without credentials.
 */
class HttpSchemaRegistryClientTest {

    private static final String SUBJECT = "inference-requests-value";
    private static final String PASSWORD = "s3cr3t-Pa55";
    private static final Schema SCHEMA = InferenceRequest.getClassSchema();

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final CountDownLatch release = new CountDownLatch(1);
    private RegistryHttpServer server;
    private StubHttpServer stub;

    @AfterEach
    void stopServers() {
        release.countDown();
        if (server != null) {
            server.close();
        }
        if (stub != null) {
            stub.close();
        }
    }

    // --- against the real REST server ---

    @Test
    void shouldRegisterASchemaAndReadItBackById() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(startServer(), null);

        int id = client.register(SUBJECT, SCHEMA);
        Schema back = client.getById(id);

        assertThat(back).isEqualTo(SCHEMA);
        assertThat(registry.latest(SUBJECT).id()).isEqualTo(id);
    }

    @Test
    void shouldGiveTheLatestVersionOfASubject() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(startServer(), null);
        registry.register(SUBJECT, SCHEMA);
        int second = registry.register(SUBJECT, withExtraOptionalField(SCHEMA));

        RegisteredSchema latest = client.latest(SUBJECT);

        assertThat(latest.subject()).isEqualTo(SUBJECT);
        assertThat(latest.id()).isEqualTo(second);
        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.schema().getField("tenant")).isNotNull();
    }

    @Test
    void shouldReportAnUnknownSubjectWith40401NamingTheSubjectAndPath() {
        String url = startServer();
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url, null);

        SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
                () -> client.latest("missing-value"));

        assertThat(e.httpStatus()).isEqualTo(404);
        assertThat(e.errorCode()).isEqualTo(40401);
        assertThat(e).hasMessage("schema registry at " + url + " refused to give the latest version of subject"
                + " 'missing-value' (GET /subjects/missing-value/versions/latest): HTTP 404, error code 40401"
                + " (subject not found): Subject 'missing-value' not found.");
    }

    @Test
    void shouldReportAnUnknownSchemaIdWith40403() {
        String url = startServer();
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url, null);

        SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class, () -> client.getById(77));

        assertThat(e.httpStatus()).isEqualTo(404);
        assertThat(e.errorCode()).isEqualTo(40403);
        assertThat(e).hasMessageContaining("schema registry at " + url + " refused to give schema id 77"
                + " (GET /schemas/ids/77): HTTP 404, error code 40403 (schema not found)");
    }

    @Test
    void shouldRejectIncompatibleSchemaWith409() {
        String url = startServer();
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url, null);
        client.register(SUBJECT, SCHEMA);

        SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
                () -> client.register(SUBJECT, withExtraRequiredField(SCHEMA)));

        assertThat(e.httpStatus()).isEqualTo(409);
        assertThat(e.errorCode()).isEqualTo(409);
        assertThat(e).hasMessageContaining("schema registry at " + url + " refused to register subject '" + SUBJECT
                        + "' (POST /subjects/" + SUBJECT + "/versions): HTTP 409, error code 409 (incompatible schema):")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("tenant");
    }

    @Test
    void shouldUrlEncodeSubjectsThatAreNotPlainNames() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(startServer(), null);
        String subject = "team a/jobs+v2-value";

        int id = client.register(subject, SCHEMA);

        assertThat(registry.subjects()).containsExactly(subject);
        assertThat(client.latest(subject).id()).isEqualTo(id);
    }

    @Test
    void shouldFailOverToTheNextUrlWhenTheFirstRefusesConnections() {
        String dead = "http://127.0.0.1:" + StubHttpServer.unusedPort();
        String alive = startServer();
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(dead + ", " + alive, null);

        int id = client.register(SUBJECT, SCHEMA);

        assertThat(id).isEqualTo(registry.latest(SUBJECT).id());
        assertThat(client.urls()).containsExactly(dead, alive);
    }

    @Test
    void shouldNameTheUrlWhenTheConnectionIsRefused() {
        String dead = "http://127.0.0.1:" + StubHttpServer.unusedPort();
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(dead, null);

        SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
                () -> client.register(SUBJECT, SCHEMA));

        assertThat(e).hasMessage("cannot reach the schema registry at " + dead + " to register subject '" + SUBJECT
                + "' (POST /subjects/" + SUBJECT + "/versions): connection refused");
        assertThat(e.httpStatus()).isEqualTo(-1);
        assertThat(e.errorCode()).isEqualTo(-1);
    }

    @Test
    void shouldNameEveryUrlWhenNoneCanBeReached() {
        String first = "http://127.0.0.1:" + StubHttpServer.unusedPort();
        String second = "http://127.0.0.1:" + StubHttpServer.unusedPort() + "/apis/ccompat/v7";
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(first + "," + second, null);

        assertThatThrownBy(() -> client.getById(1))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessage("cannot reach any of the 2 schema registry URLs to give schema id 1 (GET /schemas/ids/1): "
                        + first + ": connection refused; " + second + ": connection refused");
    }

    // --- against a stub, for what a well-behaved registry never does ---

    @Test
    void shouldExplainA500WhoseBodyIsNotJson() {
        stub = StubHttpServer.start(request -> new Response(500, "text/html",
                "<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url(), null);

        SchemaRegistryException e = catchThrowableOfType(SchemaRegistryException.class,
                () -> client.register(SUBJECT, SCHEMA));

        assertThat(e.httpStatus()).isEqualTo(500);
        assertThat(e.errorCode()).isEqualTo(-1);
        assertThat(e).hasMessage("schema registry at " + stub.url() + " failed to register subject '" + SUBJECT
                + "' (POST /subjects/" + SUBJECT + "/versions): HTTP 500 with a body that is not a registry error"
                + " (text/html): <html><body><h1>502 Bad Gateway</h1> <p>nginx</p></body></html>");
    }

    @Test
    void shouldExplainASuccessfulAnswerThatIsNotJson() {
        stub = StubHttpServer.start(request -> new Response(200, "text/html", "<html>Schema Registry UI</html>"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url() + "/ui", null);

        assertThatThrownBy(() -> client.getById(1))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("answered GET /schemas/ids/1 with HTTP 200 but not with a JSON object")
                .hasMessageContaining("is " + stub.url() + "/ui a schema registry's base URL?");
    }

    @Test
    void shouldSendBasicAuthAndTheRegistryMediaType() {
        stub = StubHttpServer.start(request -> Response.json(200, "{\"id\":3}"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url(), "alice:" + PASSWORD);

        client.register(SUBJECT, SCHEMA);

        StubHttpServer.Recorded request = stub.requests().get(0);
        String expected = "Basic " + Base64.getEncoder()
                .encodeToString(("alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertThat(request.headers()).containsEntry("authorization", expected);
        assertThat(request.headers().get("content-type")).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(request.headers().get("accept")).startsWith("application/vnd.schemaregistry.v1+json");
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.body()).isEqualTo("{\"schema\":" + quoted(SCHEMA.toString()) + "}");
    }

    @Test
    void shouldTakeCredentialsFromTheUrlWhenNoUserInfoIsGiven() {
        stub = StubHttpServer.start(request -> Response.json(200, "{\"id\":3}"));
        String withCredentials = stub.url().replace("http://", "http://bob:" + PASSWORD + "@");
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(withCredentials, null);

        client.register(SUBJECT, SCHEMA);

        String expected = "Basic " + Base64.getEncoder()
                .encodeToString(("bob:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertThat(stub.requests().get(0).headers()).containsEntry("authorization", expected);
        assertThat(client.urls()).containsExactly(stub.url());
        assertThat(client.toString()).doesNotContain(PASSWORD);
    }

    @Test
    void shouldNeverPutThePasswordInExceptionMessages() {
        stub = StubHttpServer.start(request -> Response.json(401,
                "{\"error_code\":401,\"message\":\"Unauthorized\"}"));
        HttpSchemaRegistryClient refused = new HttpSchemaRegistryClient(stub.url(), "alice:" + PASSWORD);
        String deadWithCredentials = "http://alice:" + PASSWORD + "@127.0.0.1:" + StubHttpServer.unusedPort();
        HttpSchemaRegistryClient unreachable = new HttpSchemaRegistryClient(deadWithCredentials, null);

        SchemaRegistryException unauthorized = catchThrowableOfType(SchemaRegistryException.class,
                () -> refused.register(SUBJECT, SCHEMA));
        SchemaRegistryException refusedConnection = catchThrowableOfType(SchemaRegistryException.class,
                () -> unreachable.getById(1));
        IllegalArgumentException badUserInfo = catchThrowableOfType(IllegalArgumentException.class,
                () -> new HttpSchemaRegistryClient(stub.url(), PASSWORD));
        IllegalArgumentException badUrl = catchThrowableOfType(IllegalArgumentException.class,
                () -> new HttpSchemaRegistryClient("ftp://alice:" + PASSWORD + "@host", null));

        assertThat(unauthorized.httpStatus()).isEqualTo(401);
        assertThat(unauthorized).hasMessageContaining("HTTP 401, error code 401 (unauthorized): Unauthorized;"
                + " check the credentials in basic.auth.user.info");
        assertThat(refusedConnection).hasMessageContaining("connection refused");
        assertThat(badUserInfo).hasMessage("basic.auth.user.info must have the form user:password (no ':' found)");
        assertThat(badUrl).hasMessageContaining("must start with http:// or https://");
        assertThat(unauthorized.getMessage() + refusedConnection.getMessage() + badUserInfo.getMessage()
                + badUrl.getMessage()).doesNotContain(PASSWORD);
    }

    @Test
    void shouldKeepThePathOfABaseUrlLikeApicuriosCcompatApi() {
        stub = StubHttpServer.start("/apis/ccompat/v7", request -> request.method().equals("POST")
                ? Response.json(200, "{\"id\":12}")
                : Response.json(200, "{\"schema\":" + quoted(SCHEMA.toString()) + "}"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url() + "/apis/ccompat/v7/", null);

        int id = client.register("a/b-value", SCHEMA);
        Schema schema = client.getById(id);

        assertThat(id).isEqualTo(12);
        assertThat(schema).isEqualTo(SCHEMA);
        assertThat(stub.requests()).extracting(StubHttpServer.Recorded::rawPath)
                .containsExactly("/apis/ccompat/v7/subjects/a%2Fb-value/versions", "/apis/ccompat/v7/schemas/ids/12");
    }

    @Test
    void shouldAnswerASecondGetByIdFromItsCache() {
        stub = StubHttpServer.start(request -> Response.json(200, "{\"schema\":" + quoted(SCHEMA.toString()) + "}"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url(), null);

        Schema first = client.getById(5);
        Schema second = client.getById(5);

        assertThat(second).isSameAs(first);
        assertThat(stub.requestsTo("/schemas/ids/5")).isEqualTo(1);
    }

    @Test
    void shouldAnswerARepeatedRegistrationFromItsCache() {
        stub = StubHttpServer.start(request -> Response.json(200, "{\"id\":8}"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url(), null);

        client.register(SUBJECT, SCHEMA);
        int again = client.register(SUBJECT, SCHEMA);
        client.register("other-value", SCHEMA);

        assertThat(again).isEqualTo(8);
        assertThat(stub.requestsTo("/subjects/" + SUBJECT + "/versions")).isEqualTo(1);
        assertThat(stub.requestsTo("/subjects/other-value/versions")).isEqualTo(1);
    }

    @Test
    void shouldAskForTheLatestVersionEveryTimeButRememberTheIdItNames() {
        stub = StubHttpServer.start(request -> Response.json(200, "{\"subject\":\"" + SUBJECT
                + "\",\"id\":4,\"version\":2,\"schema\":" + quoted(SCHEMA.toString()) + "}"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url(), null);

        client.latest(SUBJECT);
        RegisteredSchema latest = client.latest(SUBJECT);
        Schema byId = client.getById(4);

        assertThat(latest).isEqualTo(new RegisteredSchema(SUBJECT, 4, 2, SCHEMA));
        assertThat(byId).isEqualTo(SCHEMA);
        assertThat(stub.requestsTo("/subjects/" + SUBJECT + "/versions/latest")).isEqualTo(2);
        assertThat(stub.requestsTo("/schemas/ids/4")).isZero();
    }

    @Test
    void shouldGiveUpWhenTheRegistryDoesNotAnswerWithinTheRequestTimeout() {
        stub = StubHttpServer.start(request -> {
            release.await(30, TimeUnit.SECONDS);
            return Response.json(200, "{}");
        });
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url(), null,
                Duration.ofSeconds(1), Duration.ofMillis(300));

        assertThatThrownBy(() -> client.getById(1))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessage("cannot reach the schema registry at " + stub.url()
                        + " to give schema id 1 (GET /schemas/ids/1): no answer within 300 ms (request timeout)");
    }

    @Test
    void shouldRefuseASchemaTypeOtherThanAvro() {
        stub = StubHttpServer.start(request -> Response.json(200,
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url(), null);

        assertThatThrownBy(() -> client.getById(2))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("answered GET /schemas/ids/2 with a PROTOBUF schema; Beacon reads only AVRO");
    }

    @Test
    void shouldAcceptTheExtraFieldsKarapaceAndRedpandaAdd() {
        stub = StubHttpServer.start(request -> Response.json(200, "{\"schema\":" + quoted(SCHEMA.toString())
                + ",\"schemaType\":\"AVRO\",\"references\":[],\"maxId\":9}"));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stub.url(), null);

        assertThat(client.getById(3)).isEqualTo(SCHEMA);
    }

    @Test
    void shouldRefuseAUrlListWithoutAUrl() {
        assertThatThrownBy(() -> new HttpSchemaRegistryClient(" , ", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schema.registry.url holds no URL");
    }

    private String startServer() {
        server = new RegistryHttpServer(registry, "127.0.0.1", 0).start();
        return server.url();
    }

    private static String quoted(String text) {
        return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static Schema withExtraOptionalField(Schema schema) {
        return withField(schema, "{\"name\":\"tenant\",\"type\":\"string\",\"default\":\"\"}");
    }

    private static Schema withExtraRequiredField(Schema schema) {
        return withField(schema, "{\"name\":\"tenant\",\"type\":\"string\"}");
    }

    private static Schema withField(Schema schema, String fieldJson) {
        String json = schema.toString();
        int end = json.lastIndexOf("]}");
        return new Schema.Parser().parse(json.substring(0, end) + "," + fieldJson + json.substring(end));
    }
}
