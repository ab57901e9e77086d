package io.beacon.bench.router;

import io.beacon.router.RouterConfig;
import io.beacon.router.RouterStreamsProperties;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The client settings a router runs its Kafka Streams clients with, read from the router's own Streams
 * properties ({@link RouterStreamsProperties}, {@code kafka.*} pass-through included) as Kafka Streams
 * resolves them. The routing pipes take theirs from here, so they cannot drift from the router's when
 * either changes.
 *
 * @param lingerMs             the producer's linger.ms (the router sets 5 ms over Kafka Streams' 100 ms)
 * @param maxPollRecords       the main consumer's max.poll.records (Kafka Streams makes it 1000)
 * @param transactionTimeoutMs the producer's transaction.timeout.ms under exactly_once_v2; null under
 *                             at_least_once, where the producer has no transactions
 */
public record RouterClientSettings(long lingerMs, int maxPollRecords, Integer transactionTimeoutMs) {

    private static final String PROBE = "bench-probe";

    /**
     * What a router started with {@code routerSettings} gives its clients.
     *
     * @param serdes only for the topic catalogue the router's properties name a topic from
     */
    public static RouterClientSettings of(Map<String, ?> routerSettings, SerdeProvider serdes) {
        RouterConfig config = new RouterConfig(routerSettings);
        Topics topics = Topics.create(config.topicNames(), serdes);
        String guarantee = config.getString(RouterConfig.PROCESSING_GUARANTEE);
        Properties props = RouterStreamsProperties.forTopology(config.getString(RouterConfig.APPLICATION_ID),
                config.bootstrapServers(), topics, guarantee, config.commitIntervalMs(), null);
        RouterStreamsProperties.withPassthrough(props, config.kafkaClientProperties());
        // Not logged: Streams would print every setting for each phase of the run.
        StreamsConfig streams = new StreamsConfig(props, false) {
        };
        Map<String, Object> producer = streams.getProducerConfigs(PROBE);
        Map<String, Object> consumer = streams.getMainConsumerConfigs(PROBE, PROBE, 0);
        Integer transactionTimeout = StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee)
                ? ((Number) value(ProducerConfig.configDef(), producer, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG))
                .intValue()
                : null;
        return new RouterClientSettings(
                ((Number) value(ProducerConfig.configDef(), producer, ProducerConfig.LINGER_MS_CONFIG)).longValue(),
                ((Number) value(ConsumerConfig.configDef(), consumer, ConsumerConfig.MAX_POLL_RECORDS_CONFIG))
                        .intValue(),
                transactionTimeout);
    }

    /** As the report states them: {@code linger.ms}, {@code max.poll.records}, {@code transaction.timeout.ms}. */
    public Map<String, Object> asMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        out.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        if (transactionTimeoutMs != null) {
            out.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, transactionTimeoutMs);
        }
        return out;
    }

    /** The client's setting as given (a string or a number), else the client's own default, parsed to its type. */
    private static Object value(ConfigDef definition, Map<String, Object> given, String name) {
        ConfigDef.ConfigKey key = definition.configKeys().get(name);
        return ConfigDef.parseType(name, given.getOrDefault(name, key.defaultValue), key.type);
    }
}
