package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.NodeCredential;
import io.beacon.workers.core.ProviderSecrets;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Golem node's own credential: named in its entry by reference (an environment variable or a file on the
 * worker's host), read by {@link ProviderSecrets}, sent as the Authorization header, and never printed.
 */
class GolemNodeCredentialsTest {

    private static final DeploymentEndpoints.Defaults DEFAULTS = DeploymentEndpoints.Defaults.of(Duration.ofSeconds(30));
    private static final String TOKEN = "node-token-5f1c9a77e2";

    @TempDir
    Path dir;

    private static DeploymentEndpoint golem(String entry) {
        return DeploymentEndpoints.parse(ProviderKind.GOLEM, entry, DEFAULTS, "GOLEM_PROVIDER_ENDPOINTS").get(0);
    }

    @Test
    void shouldReadEachKindOfReferenceFromTheEntry() {
        assertThat(golem("n1=https://10.0.0.5:8443;token_env=NODE1_TOKEN").credential())
                .isEqualTo(new NodeCredential(NodeCredential.Scheme.BEARER, NodeCredential.Source.ENV, "NODE1_TOKEN"));
        assertThat(golem("n2=https://10.0.0.6:8443;token_file=/run/secrets/node2").credential())
                .isEqualTo(new NodeCredential(NodeCredential.Scheme.BEARER, NodeCredential.Source.FILE,
                        "/run/secrets/node2"));
        assertThat(golem("n3=https://10.0.0.7:8443;basic_env=NODE3_BASIC").credential().scheme())
                .isEqualTo(NodeCredential.Scheme.BASIC);
        assertThat(golem("n4=https://10.0.0.8:8443;basic_file=/run/secrets/n4").credential().option())
                .isEqualTo("basic_file");
        assertThat(golem("n5=https://10.0.0.9:8443").credential()).isNull();
    }

    @Test
    void shouldRefuseACredentialWrittenIntoTheEntryAndNeverQuoteIt() {
        assertThatThrownBy(() -> golem("n1=https://10.0.0.5:8443;token=" + TOKEN))
                .hasMessageContaining("GOLEM_PROVIDER_ENDPOINTS entry 1")
                .hasMessageContaining("token_env=VAR or token_file=PATH")
                .hasMessageContaining("token=***")
                .hasMessageNotContaining(TOKEN);
        assertThatThrownBy(() -> golem("n1=https://10.0.0.5:8443;password=" + TOKEN))
                .hasMessageNotContaining(TOKEN);
    }

    @Test
    void shouldKeepNodeCredentialsToGolem() {
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.RUNPOD, "abc123;token_env=X", DEFAULTS,
                "RUNPOD_ENDPOINTS")).hasMessageContaining("token_env is a Golem node option");
        assertThatThrownBy(() -> golem("n1=https://h:1;token_env=A;token_file=/b"))
                .hasMessageContaining("one credential reference");
        assertThatThrownBy(() -> golem("n1=https://h:1;token_env=not-a-name"))
                .hasMessageContaining("not an environment variable name");
    }

    @Test
    void shouldReadABearerTokenFromTheEnvironmentAndRedactItEverywhere() {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of("NODE1_TOKEN", TOKEN));
        DeploymentEndpoint node = golem("n1=https://10.0.0.5:8443;token_env=NODE1_TOKEN");

        assertThat(secrets.nodeAuthorization(node.credential()).orElseThrow().reveal()).isEqualTo("Bearer " + TOKEN);
        assertThat(secrets.redact("upstream said: bad token " + TOKEN)).isEqualTo("upstream said: bad token [redacted]");
        assertThat(secrets.redact("echo Authorization: Bearer " + TOKEN)).doesNotContain(TOKEN);
        assertThat(secrets.toString()).doesNotContain(TOKEN);
        assertThat(node.toString()).contains("environment variable NODE1_TOKEN").doesNotContain(TOKEN);
    }

    @Test
    void shouldReadBasicAuthFromAFileAndSendItEncoded() throws Exception {
        Path file = Files.writeString(dir.resolve("node3"), "requestor:" + TOKEN + "\n");
        ProviderSecrets secrets = ProviderSecrets.none();
        DeploymentEndpoint node = golem("n3=https://10.0.0.7:8443;basic_file=" + file);

        String encoded = Base64.getEncoder().encodeToString(("requestor:" + TOKEN).getBytes(StandardCharsets.UTF_8));
        assertThat(secrets.nodeAuthorization(node.credential()).orElseThrow().reveal()).isEqualTo("Basic " + encoded);
        assertThat(secrets.redact("got " + encoded + " and " + TOKEN)).isEqualTo("got [redacted] and [redacted]");
    }

    @Test
    void shouldNameTheReferenceNotTheValueWhenItCannotBeRead() throws Exception {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of());
        assertThatThrownBy(() -> secrets.nodeAuthorization(golem("n1=https://h:1;token_env=NODE1_TOKEN").credential()))
                .hasMessageContaining("token_env names the environment variable NODE1_TOKEN, which is not set");
        assertThatThrownBy(() -> secrets.nodeAuthorization(golem("n1=https://h:1;token_file=" + dir.resolve("none"))
                .credential())).hasMessageContaining("token_file names " + dir.resolve("none"));
        Path notBasic = Files.writeString(dir.resolve("nocolon"), TOKEN);
        assertThatThrownBy(() -> secrets.nodeAuthorization(golem("n1=https://h:1;basic_file=" + notBasic).credential()))
                .hasMessageContaining("must hold user:password").hasMessageNotContaining(TOKEN);
    }

    @Test
    void shouldReadARotatedTokenFileAgainWhenAsked() throws Exception {
        Path file = Files.writeString(dir.resolve("node2"), "first-token-0001");
        ProviderSecrets secrets = ProviderSecrets.none();
        NodeCredential ref = golem("n2=https://h:1;token_file=" + file).credential();
        assertThat(secrets.nodeAuthorization(ref).orElseThrow().reveal()).isEqualTo("Bearer first-token-0001");

        Files.writeString(file, "second-token-0002");
        secrets.refreshNode(ref);

        assertThat(secrets.nodeAuthorization(ref).orElseThrow().reveal()).isEqualTo("Bearer second-token-0002");
        assertThat(secrets.redact("first-token-0001 second-token-0002")).isEqualTo("[redacted] [redacted]");
    }

    @Test
    void shouldTellLoopbackAddressesFromOthers() {
        for (String local : List.of("http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "http://127.3.2.1:1",
                "http://node.localhost:1")) {
            assertThat(DeploymentEndpoints.isLoopback(URI.create(local))).as(local).isTrue();
        }
        for (String remote : List.of("http://10.0.0.5:1", "http://simulators:18100", "http://128.0.0.1:1",
                "http://localhost.example.com:1")) {
            assertThat(DeploymentEndpoints.isLoopback(URI.create(remote))).as(remote).isFalse();
        }
    }
}
