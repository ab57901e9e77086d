package io.beacon.workers.golem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.sim.LatencyModel;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.testsupport.TestCertificates;
import io.beacon.workers.DeploymentEndpoints;
import io.beacon.workers.TestJobs;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Golem node behind a requestor's TLS proxy that demands a bearer token: a real https server (the Ollama
 * simulator with a self-signed certificate made by keytool), the worker's own HTTP client trusting that
 * certificate through {@code golem.truststore}, and the token read from the worker's environment.
 */
class GolemTransportTest {

    private static final String TOKEN = "golem-node-token-3e9d01";

    @TempDir
    static Path dir;

    private static TestCertificates.Certificate node;
    private static TestCertificates.Certificate elsewhere;
    private static ProviderSimulator secured;
    private static ProviderSimulator misnamed;

    @BeforeAll
    static void startNodes() {
        node = TestCertificates.selfSigned(dir, "golem-node", "ip:127.0.0.1", "dns:localhost");
        // A certificate for another host name, presented by a server on 127.0.0.1: host checks must refuse it.
        elsewhere = TestCertificates.selfSigned(dir, "elsewhere", "dns:golem-node.example");
        SimCredentials bearer = SimCredentials.none().withGolemAuthorization("Bearer " + TOKEN);
        secured = ProviderSimulator.start(deployment("golem-tls-1"), "127.0.0.1", 0, bearer, node.serverContext());
        misnamed = ProviderSimulator.start(deployment("golem-tls-2"), "127.0.0.1", 0, bearer,
                elsewhere.serverContext());
    }

    @AfterAll
    static void stopNodes() {
        for (ProviderSimulator sim : new ProviderSimulator[] {secured, misnamed}) {
            if (sim != null) {
                sim.close();
            }
        }
    }

    private static SimulatedDeployment deployment(String id) {
        return SimulatedDeployment.builder(id, SimProvider.GOLEM).region("eu-central").models(TestJobs.MODEL)
                .capacity(2).latency(LatencyModel.fixed(Duration.ofMillis(20))).coldStart(Duration.ZERO).build();
    }

    private static Optional<SSLContext> trusting(Path truststore, String password) {
        Map<String, String> settings = new HashMap<>();
        settings.put("provider", "golem");
        settings.put(WorkerConfig.GOLEM_TRUSTSTORE, truststore.toString());
        if (password != null) {
            settings.put(WorkerConfig.GOLEM_TRUSTSTORE_PASSWORD, password);
        }
        return WorkerConfig.load(null, Map.of(), settings).sslContext();
    }

    private static ProviderClient client(Optional<SSLContext> tls, ProviderSecrets secrets) {
        return WorkerApp.client(ProviderKind.GOLEM, secrets, Duration.ofSeconds(5), false, Clock.systemUTC(), tls);
    }

    private static DeploymentEndpoint endpoint(ProviderSimulator sim, String options) {
        return DeploymentEndpoints.parse(ProviderKind.GOLEM, sim.deployment().id() + "=" + sim.baseUrl() + options,
                DeploymentEndpoints.Defaults.of(Duration.ofSeconds(10)), "GOLEM_PROVIDER_ENDPOINTS").get(0);
    }

    private static CallOutcome call(ProviderClient client, DeploymentEndpoint d) {
        return client.call(TestJobs.promptJob("job-" + System.nanoTime(), d, Instant.now().plusSeconds(30)), d)
                .join();
    }

    @Test
    void shouldCallAnHttpsNodeWithItsBearerTokenWhenItsCertificateIsTrusted() {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of("NODE1_TOKEN", TOKEN));
        DeploymentEndpoint d = endpoint(secured, ";token_env=NODE1_TOKEN");
        assertThat(d.baseUrl().getScheme()).isEqualTo("https");

        try (ProviderClient client = client(trusting(node.pem(), null), secrets)) {
            CallOutcome outcome = call(client, d);
            ProbeOutcome probe = client.probe(d).join();

            assertThat(outcome.outcome()).as(outcome.error()).isEqualTo(AttemptOutcome.SUCCEEDED);
            assertThat(outcome.response()).isNotBlank();
            assertThat(probe.healthy()).as(probe.error()).isTrue();
            assertThat(probe.models()).contains(TestJobs.MODEL);
        }
    }

    @Test
    void shouldTrustAPkcs12TruststoreToo() {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of("NODE1_TOKEN", TOKEN));
        try (ProviderClient client = client(trusting(node.keystore(), TestCertificates.PASSWORD), secrets)) {
            assertThat(call(client, endpoint(secured, ";token_env=NODE1_TOKEN")).outcome())
                    .isEqualTo(AttemptOutcome.SUCCEEDED);
        }
    }

    @Test
    void shouldBeRefusedByTheNodesProxyWithoutTheToken() {
        try (ProviderClient client = client(trusting(node.pem(), null), ProviderSecrets.none())) {
            CallOutcome outcome = call(client, endpoint(secured, ""));
            ProbeOutcome probe = client.probe(endpoint(secured, "")).join();

            assertThat(outcome.outcome()).isNotEqualTo(AttemptOutcome.SUCCEEDED);
            assertThat(outcome.httpStatus()).isEqualTo(401);
            assertThat(probe.healthy()).isFalse();
            assertThat(probe.error()).contains("401");
        }
    }

    @Test
    void shouldNotTrustASelfSignedNodeWithoutTheConfiguredCertificate() {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of("NODE1_TOKEN", TOKEN));
        try (ProviderClient client = client(Optional.empty(), secrets)) {
            CallOutcome outcome = call(client, endpoint(secured, ";token_env=NODE1_TOKEN"));

            assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
            assertThat(outcome.error()).contains("SSLHandshakeException").doesNotContain(TOKEN);
        }
    }

    @Test
    void shouldStillCheckTheHostNameOfATrustedCertificate() {
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(Map.of("NODE1_TOKEN", TOKEN));
        try (ProviderClient client = client(trusting(elsewhere.pem(), null), secrets)) {
            CallOutcome outcome = call(client, endpoint(misnamed, ";token_env=NODE1_TOKEN"));

            assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
            assertThat(outcome.error()).contains("SSLHandshakeException");
        }
    }

    @Test
    void shouldNameTheSettingWhenTheTruststoreCannotBeRead() {
        assertThatThrownBy(() -> trusting(dir.resolve("missing.pem"), null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("golem.truststore (BEACON_GOLEM_TRUSTSTORE) names " + dir.resolve("missing.pem"));
    }
}
