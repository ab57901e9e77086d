package io.beacon.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommonConfigTest {

    @Test
    void shouldUseTheWireFormatSerdeByDefault() {
        CommonConfig config = config(Map.of("schema.registry.url", "mem://common-config-test"));

        try (SerdeProvider provider = config.serdeProvider()) {
            assertThat(provider).isInstanceOf(WireFormatSerdeProvider.class);
        }
    }

    @Test
    void shouldSwapInAnotherSerdeProviderByConfiguration() {
        CommonConfig config = config(Map.of("serde.provider.class", JsonishSerdeProvider.class.getName(),
                "schema.registry.url", "unused", "custom.setting", "seen"));

        SerdeProvider provider = config.serdeProvider();

        assertThat(provider).isInstanceOf(JsonishSerdeProvider.class);
        assertThat(((JsonishSerdeProvider) provider).configs).containsEntry("custom.setting", "seen");
        InferenceRequest request = InferenceRequest.newBuilder().setJobId("j").setModel("m").setPrompt("p")
                .setCreatedAt(Instant.EPOCH).build();
        byte[] bytes = provider.valueSerde(InferenceRequest.class).serializer().serialize("t", request);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"job_id\": \"j\"");
    }

    @Test
    void shouldRefuseASerdeProviderThatIsNotOne() {
        assertThatThrownBy(() -> config(Map.of("serde.provider.class", String.class.getName())).serdeProvider())
                .isInstanceOf(Exception.class).hasMessageContaining("SerdeProvider");
    }

    @Test
    void shouldLayerDefaultsFileEnvironmentAndOverrides(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("beacon.properties");
        Files.writeString(file, "topics.requests=from-file\ntopics.results=from-file\ntopics.attempts=from-file\n");
        Map<String, String> env = Map.of("BEACON_TOPICS_RESULTS", "from-env", "BEACON_TOPICS_ATTEMPTS", "from-env",
                "BEACON_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");

        Map<String, String> merged = ConfigLoader.merge(CommonConfig.define(new ConfigDef()), file, env,
                Map.of("topics.attempts", "from-flag"));

        CommonConfig config = config(merged);
        assertThat(config.topicNames().requests()).isEqualTo("from-file");
        assertThat(config.topicNames().results()).isEqualTo("from-env");
        assertThat(config.topicNames().attempts()).isEqualTo("from-flag");
        assertThat(config.topicNames().status()).isEqualTo("provider-status");
        assertThat(config.kafkaClientProperties()).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void shouldNameTheMissingFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");

        assertThatThrownBy(() -> ConfigLoader.merge(new ConfigDef(), missing, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(missing.toString());
    }

    private static CommonConfig config(Map<String, String> settings) {
        return new CommonConfig(CommonConfig.define(new ConfigDef()), new HashMap<>(settings));
    }

    /** A stand-in for a user's own serde (e.g. one wrapping Confluent's): Avro's JSON encoding, no registry. */
    public static final class JsonishSerdeProvider implements SerdeProvider {
        Map<String, Object> configs;

        @Override
        public void configure(Map<String, ?> configs) {
            this.configs = new HashMap<>(configs);
        }

        @Override
        public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
            return Serdes.serdeFrom((topic, value) -> value.toString().getBytes(StandardCharsets.UTF_8),
                    (topic, bytes) -> {
                        throw new UnsupportedOperationException("this test serde only writes");
                    });
        }
    }
}
