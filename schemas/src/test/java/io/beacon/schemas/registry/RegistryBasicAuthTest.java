package io.beacon.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry behind HTTP basic auth, as the secure demo runs it: no credentials, no schemas. */
class RegistryBasicAuthTest {

    private static final Schema SCHEMA = SchemaBuilder.record("Job").fields().requiredString("id").endRecord();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private RegistryHttpServer server;

    @BeforeEach
    void startServer() {
        server = new RegistryHttpServer(new InMemorySchemaRegistry(), "127.0.0.1", 0)
                .basicAuth(Map.of("runner", "s3cret", "router", "other")).start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void shouldAnswer401WithAChallengeWithoutCredentials() throws Exception {
        HttpResponse<String> response = get(null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(response.body()).contains("\"error_code\":40101");
    }

    @Test
    void shouldRefuseAWrongPasswordAndAnUnknownUser() throws Exception {
        assertThat(get("runner:other").statusCode()).isEqualTo(401);
        assertThat(get("nobody:s3cret").statusCode()).isEqualTo(401);
        assertThat(get("runner").statusCode()).isEqualTo(401);
    }

    @Test
    void shouldServeAUserWithItsPassword() throws Exception {
        HttpResponse<String> response = get("runner:s3cret");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("[]");
    }

    @Test
    void shouldLetOurClientRegisterWithBasicAuthUserInfoAndTellWhatIsMissingWithout() {
        HttpSchemaRegistryClient withLogin = new HttpSchemaRegistryClient(server.url(), "router:other");
        int id = withLogin.register("jobs-value", SCHEMA);
        assertThat(withLogin.getById(id)).isEqualTo(SCHEMA);

        HttpSchemaRegistryClient anonymous = new HttpSchemaRegistryClient(server.url(), null);
        assertThatThrownBy(() -> anonymous.getById(id)).hasMessageContaining(SchemaRegistryClients.BASIC_AUTH_USER_INFO);
    }

    private HttpResponse<String> get(String userInfo) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + "/subjects"));
        if (userInfo != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
