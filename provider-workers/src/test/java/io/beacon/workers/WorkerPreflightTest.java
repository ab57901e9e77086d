package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What stops a worker before it takes a job: a missing deployment list, a missing credential, a cleartext node. */
class WorkerPreflightTest {

    private static WorkerConfig config(String provider, Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("provider", provider);
        return WorkerConfig.load(null, Map.of(), all);
    }

    private static List<DeploymentEndpoint> deployments(WorkerConfig config, Map<String, String> env) {
        return config.deployments(env);
    }

    @Test
    void shouldNameTheProvidersVariableWhenNoDeploymentIsConfigured() {
        for (Map.Entry<String, String> kind : Map.of("golem", "GOLEM_PROVIDER_ENDPOINTS", "modal", "MODAL_ENDPOINTS",
                "runpod", "RUNPOD_ENDPOINTS").entrySet()) {
            assertThatThrownBy(() -> config(kind.getKey(), Map.of()).deployments(Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(kind.getValue() + " is not set")
                    .hasMessageContaining("--simulators");
        }
    }

    @Test
    void shouldRefuseARunPodWorkerWithoutItsApiKey() {
        WorkerConfig config = config("runpod", Map.of());
        List<DeploymentEndpoint> endpoints = deployments(config, Map.of("RUNPOD_ENDPOINTS", "abc123"));

        assertThatThrownBy(() -> WorkerPreflight.check(config, endpoints, ProviderSecrets.none()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("RUNPOD_API_KEY is not set");
        assertThatCode(() -> WorkerPreflight.check(config, endpoints, ProviderSecrets.of("rp-key", null, null)))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseAModalWorkerWithoutProxyAuthUnlessItsEndpointsNeedNone() {
        WorkerConfig config = config("modal", Map.of());
        List<DeploymentEndpoint> endpoints = deployments(config, Map.of("MODAL_ENDPOINTS", "https://ws--a-b.modal.run"));

        assertThatThrownBy(() -> WorkerPreflight.check(config, endpoints, ProviderSecrets.none()))
                .hasMessageContaining("MODAL_KEY and MODAL_SECRET are not set")
                .hasMessageContaining("modal.proxy.auth=false");
        assertThatCode(() -> WorkerPreflight.check(config("modal", Map.of("modal.proxy.auth", "false")), endpoints,
                ProviderSecrets.none())).doesNotThrowAnyException();
    }

    @Test
    void shouldNotAskForCredentialsWhenTheDeploymentsAreSimulators() {
        WorkerConfig config = config("runpod", Map.of("endpoints.simulators", "true"));
        List<DeploymentEndpoint> endpoints = deployments(config,
                Map.of("RUNPOD_ENDPOINTS", "http://127.0.0.1:18106/v2/runpod-us-east"));

        assertThatCode(() -> WorkerPreflight.check(config, endpoints, ProviderSecrets.none()))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseAPlainHttpGolemNodeOnAnotherMachineNamingIt() {
        WorkerConfig config = config("golem", Map.of());
        List<DeploymentEndpoint> endpoints = deployments(config, Map.of("GOLEM_PROVIDER_ENDPOINTS",
                "local=http://127.0.0.1:11434,remote=http://10.0.0.5:11434,secure=https://10.0.0.6:8443"));

        assertThatThrownBy(() -> WorkerPreflight.check(config, endpoints, ProviderSecrets.none()))
                .hasMessageContaining("Golem deployment remote (http://10.0.0.5:11434) is plain http")
                .hasMessageContaining("golem.allow.plaintext=true")
                .hasMessageNotContaining("deployment local")
                .hasMessageNotContaining("deployment secure");
    }

    @Test
    void shouldAllowAPlainHttpNodeWhenToldToButWarnAboutIt() {
        Logger logger = (Logger) LoggerFactory.getLogger(WorkerPreflight.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            WorkerConfig config = config("golem", Map.of("golem.allow.plaintext", "true"));
            List<DeploymentEndpoint> endpoints = deployments(config,
                    Map.of("GOLEM_PROVIDER_ENDPOINTS", "remote=http://10.0.0.5:11434"));

            assertThatCode(() -> WorkerPreflight.check(config, endpoints, ProviderSecrets.none()))
                    .doesNotThrowAnyException();
            assertThat(appender.list).anySatisfy(e -> {
                assertThat(e.getLevel().toString()).isEqualTo("WARN");
                assertThat(e.getFormattedMessage()).contains("remote").contains("cleartext");
            });
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void shouldRefuseANodeWhoseCredentialCannotBeReadHere() {
        WorkerConfig config = config("golem", Map.of());
        List<DeploymentEndpoint> endpoints = deployments(config,
                Map.of("GOLEM_PROVIDER_ENDPOINTS", "n1=https://10.0.0.5:8443;token_env=NODE1_TOKEN"));

        assertThatThrownBy(() -> WorkerPreflight.check(config, endpoints, ProviderSecrets.fromEnvironment(Map.of())))
                .hasMessageContaining("deployment n1: token_env names the environment variable NODE1_TOKEN");
        assertThatCode(() -> WorkerPreflight.check(config, endpoints,
                ProviderSecrets.fromEnvironment(Map.of("NODE1_TOKEN", "t-1")))).doesNotThrowAnyException();
    }

    @Test
    void shouldApplyTheSameChecksToADeploymentFromTheTopic() {
        WorkerConfig config = config("golem", Map.of());
        var resolver = WorkerApp.specResolver(config, ProviderSecrets.none());
        var spec = io.beacon.schemas.avro.DeploymentSpec.newBuilder().setDeploymentId("remote")
                .setProvider(ProviderKind.GOLEM).setEntry("remote=http://10.0.0.5:11434")
                .setUpdatedAt(java.time.Instant.now()).build();

        assertThatThrownBy(() -> resolver.resolve(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plain http");
        var named = io.beacon.schemas.avro.DeploymentSpec.newBuilder(spec).setDeploymentId("other")
                .setEntry("remote=https://10.0.0.5:8443").build();
        assertThatThrownBy(() -> resolver.resolve(named)).hasMessageContaining("its entry names deployment remote");
        var fine = io.beacon.schemas.avro.DeploymentSpec.newBuilder(spec).setEntry("remote=https://10.0.0.5:8443;capacity=3")
                .build();
        assertThat(resolver.resolve(fine).capacity()).isEqualTo(3);
    }
}
