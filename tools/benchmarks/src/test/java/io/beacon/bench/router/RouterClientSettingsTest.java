package io.beacon.bench.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.router.RouterConfig;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouterClientSettingsTest {

    private SerdeProvider serdes;

    @BeforeEach
    void serdes() {
        serdes = new WireFormatSerdeProvider();
        serdes.configure(Map.of(CommonConfig.SCHEMA_REGISTRY_URL, "mem://router-client-settings-test"));
    }

    @AfterEach
    void close() throws Exception {
        serdes.close();
    }

    @Test
    void shouldGiveThePipesTheRoutersLingerRatherThanKafkaStreamsOwn() {
        // When
        RouterClientSettings settings = RouterClientSettings.of(router(StreamsConfig.AT_LEAST_ONCE), serdes);

        // Then: the router sets 5 ms over Kafka Streams' 100 ms; max.poll.records stays Kafka Streams' 1000
        assertThat(settings.lingerMs()).isEqualTo(5);
        assertThat(settings.maxPollRecords()).isEqualTo(1_000);
        assertThat(settings.transactionTimeoutMs()).isNull();
        assertThat(settings.asMap()).containsOnlyKeys("linger.ms", "max.poll.records");
    }

    @Test
    void shouldCarryTheTransactionTimeoutUnderExactlyOnce() {
        // When
        RouterClientSettings settings = RouterClientSettings.of(router(StreamsConfig.EXACTLY_ONCE_V2), serdes);

        // Then: Kafka Streams' exactly-once producer setting
        assertThat(settings.transactionTimeoutMs()).isEqualTo(10_000);
        assertThat(settings.lingerMs()).isEqualTo(5);
        assertThat(settings.asMap()).containsEntry("transaction.timeout.ms", 10_000);
    }

    @Test
    void shouldFollowAKafkaPassThroughSettingAsTheRouterDoes() {
        // Given: the diagnostic run's setting, through the router's own kafka.* pass-through
        Map<String, Object> settings = router(StreamsConfig.AT_LEAST_ONCE);
        settings.put("kafka.linger.ms", "100");
        settings.put("kafka.max.poll.records", "250");

        // When
        RouterClientSettings resolved = RouterClientSettings.of(settings, serdes);

        // Then
        assertThat(resolved.lingerMs()).isEqualTo(100);
        assertThat(resolved.maxPollRecords()).isEqualTo(250);
    }

    private static Map<String, Object> router(String guarantee) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(RouterConfig.BOOTSTRAP_SERVERS, "localhost:9092");
        settings.put(RouterConfig.PROCESSING_GUARANTEE, guarantee);
        return settings;
    }
}
