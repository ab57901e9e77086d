package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {

    @Test
    void shouldApplyDefaultsAroundTheRequiredProvider() {
        WorkerConfig config = WorkerConfig.load(null, Map.of("BEACON_PROVIDER", "runpod"), Map.of());

        assertThat(config.provider()).isEqualTo(ProviderKind.RUNPOD);
        assertThat(config.consumerGroup()).isEqualTo("beacon-worker-runpod");
        assertThat(config.workerId()).startsWith("runpod-");
        assertThat(config.maxOutstanding()).isEqualTo(256);
        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.probeInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.probeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.golemStreaming()).isFalse();
        assertThat(config.settings().resumeOutstanding()).isEqualTo(128);
    }

    @Test
    void shouldDocumentEverySettingWithTypeDefaultAndDoc() {
        ConfigDef def = WorkerConfig.configDef();
        for (String name : new String[] {WorkerConfig.PROVIDER, WorkerConfig.WORKER_ID, WorkerConfig.CONSUMER_GROUP,
                WorkerConfig.DEPLOYMENTS, WorkerConfig.MAX_OUTSTANDING, WorkerConfig.HEARTBEAT_INTERVAL_MS,
                WorkerConfig.PROBE_INTERVAL_MS, WorkerConfig.PROBE_TIMEOUT_MS, WorkerConfig.REQUEST_TIMEOUT_MS,
                WorkerConfig.GOLEM_STREAMING, WorkerConfig.HTTP_HOST, WorkerConfig.HTTP_PORT}) {
            assertThat(def.configKeys()).containsKey(name);
            assertThat(def.configKeys().get(name).documentation).isNotBlank();
        }
    }

    @Test
    void shouldServeMetricsOnTheProviderKindsOwnPortOnLoopbackByDefault() {
        WorkerConfig golem = WorkerConfig.load(null, Map.of(), Map.of("provider", "golem"));
        WorkerConfig modal = WorkerConfig.load(null, Map.of(), Map.of("provider", "modal"));
        WorkerConfig runpod = WorkerConfig.load(null, Map.of(), Map.of("provider", "runpod"));

        assertThat(golem.getInt(WorkerConfig.HTTP_PORT)).isEqualTo(-1);
        assertThat(golem.httpPort()).isEqualTo(9401);
        assertThat(modal.httpPort()).isEqualTo(9402);
        assertThat(runpod.httpPort()).isEqualTo(9403);
        assertThat(golem.httpHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void shouldTakeTheHttpPortAndHostFromTheEnvironmentWithZeroMeaningAnyFreePort() {
        WorkerConfig fromEnv = WorkerConfig.load(null, Map.of("BEACON_HTTP_PORT", "19401", "BEACON_HTTP_HOST", "0.0.0.0"),
                Map.of("provider", "golem"));
        WorkerConfig anyPort = WorkerConfig.load(null, Map.of("BEACON_HTTP_PORT", "19401"),
                Map.of("provider", "modal", "http.port", "0"));

        assertThat(fromEnv.httpPort()).isEqualTo(19401);
        assertThat(fromEnv.httpHost()).isEqualTo("0.0.0.0");
        assertThat(anyPort.httpPort()).isZero();
    }

    @Test
    void shouldRejectAnHttpPortOutsideItsRangeNamingTheSetting() {
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of(), Map.of("provider", "golem", "http.port", "-2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of(), Map.of("provider", "golem", "http.port", "65536")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of("BEACON_HTTP_HOST", " "), Map.of("provider", "golem")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.host");
    }

    @Test
    void shouldFailFastNamingTheSettingWhenAValueIsInvalid() {
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("provider");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of(), Map.of("provider", "azure")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("provider").hasMessageContaining("golem");
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of(), Map.of("provider", "golem", "max.outstanding", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max.outstanding");
    }

    @Test
    void shouldPreferTheDeploymentsSettingOverTheRunnersVariable() {
        Map<String, String> env = Map.of("GOLEM_PROVIDER_ENDPOINTS", "http://10.0.0.9:11434");
        WorkerConfig fromSetting = WorkerConfig.load(null, env, Map.of("provider", "golem",
                "deployments", "n1=http://127.0.0.1:11434;capacity=3", "request.timeout.ms", "5000"));
        WorkerConfig fromEnv = WorkerConfig.load(null, env, Map.of("provider", "golem"));

        assertThat(fromSetting.deployments(env)).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo("n1");
            assertThat(d.capacity()).isEqualTo(3);
            assertThat(d.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        });
        assertThat(fromEnv.deployments(env)).extracting(DeploymentEndpoint::id).containsExactly("golem-10.0.0.9-11434");
    }

    @Test
    void shouldSayWhereToConfigureDeploymentsWhenThereAreNone() {
        WorkerConfig config = WorkerConfig.load(null, Map.of(), Map.of("provider", "modal"));

        assertThatThrownBy(() -> config.deployments(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MODAL_ENDPOINTS")
                .hasMessageContaining("BEACON_DEPLOYMENTS");
    }

    @Test
    void shouldBuildKafkaClientsThatCommitByHandAndProduceIdempotently() {
        WorkerConfig config = WorkerConfig.load(null, Map.of("BEACON_KAFKA_SECURITY_PROTOCOL", "SSL"),
                Map.of("provider", "golem", "bootstrap.servers", "broker:9092", "kafka.enable.auto.commit", "true"));

        Map<String, Object> consumer = WorkerApp.consumerProperties(config);
        Map<String, Object> producer = WorkerApp.producerProperties(config);

        assertThat(consumer).containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "beacon-worker-golem")
                .containsEntry("bootstrap.servers", "broker:9092")
                .containsEntry("security.protocol", "SSL");
        assertThat(producer).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    }

    @Test
    void shouldAskModalForItsModelsOnlyAfterCallsUnlessToldOtherwise() {
        WorkerConfig defaults = WorkerConfig.load(null, Map.of(), Map.of("provider", "modal"));
        WorkerConfig startup = WorkerConfig.load(null, Map.of("BEACON_MODELS_DISCOVERY", "STARTUP"),
                Map.of("provider", "modal", "models.refresh.ms", "60000"));

        assertThat(defaults.settings().modelDiscovery()).isEqualTo(io.beacon.workers.health.ModelDiscovery.defaults());
        assertThat(startup.modelDiscovery().mode()).isEqualTo(io.beacon.workers.health.ModelDiscovery.Mode.STARTUP);
        assertThat(startup.modelDiscovery().refresh()).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> WorkerConfig.load(null, Map.of(), Map.of("provider", "modal",
                "models.discovery", "always"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("models.discovery");
    }
}
