package io.beacon.launcher;

import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.launcher.stack.EmbeddedStack;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the runner tools ({@code submit}, {@code results}, {@code dlq}) connect with: the settings
 * (defaults, {@code --config}, BEACON_* variables, {@code --set}; with no {@code bootstrap.servers}, the
 * embedded default's 127.0.0.1:9092 and http://127.0.0.1:8081, as {@code beacon worker} does), the
 * topic catalogue with its serdes, and Kafka clients built from them.
 */
final class RunnerClients implements AutoCloseable {

    private final RouterConfig config;
    private final SerdeProvider serdes;
    private final Topics topics;
    private final Map<String, Object> clientProperties;

    private RunnerClients(RouterConfig config) {
        this.config = config;
        this.serdes = config.serdeProvider();
        this.topics = Topics.create(config.topicNames(), serdes);
        this.clientProperties = config.kafkaClientProperties();
    }

    static RunnerClients connect(ConfigOptions options) {
        return new RunnerClients(new RouterConfig(settings(options)));
    }

    /** The merged settings, with the embedded default's addresses when no cluster is configured. */
    static Map<String, String> settings(ConfigOptions options) {
        Map<String, String> settings = new LinkedHashMap<>(ConfigLoader.merge(RouterConfig.DEFINITION, options.file(),
                System.getenv(), options.overrides(Map.of())));
        if (settings.getOrDefault(CommonConfig.BOOTSTRAP_SERVERS, "").isBlank()) {
            settings.put(CommonConfig.BOOTSTRAP_SERVERS, "127.0.0.1:" + EmbeddedKafkaBroker.DEFAULT_BROKER_PORT);
            if (settings.getOrDefault(CommonConfig.SCHEMA_REGISTRY_URL, "").isBlank()) {
                settings.put(CommonConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + EmbeddedStack.DEFAULT_REGISTRY_PORT);
            }
        }
        return settings;
    }

    RouterConfig config() {
        return config;
    }

    Topics topics() {
        return topics;
    }

    /** Idempotent, acks=all: a job is written once even when the producer retries. */
    KafkaProducer<String, InferenceRequest> requestsProducer() {
        return new KafkaProducer<>(producerProperties("beacon-submit"), topics.requests().keySerde().serializer(),
                topics.requests().valueSerde().serializer());
    }

    /** Idempotent, acks=all, with the given serializers. */
    <K, V> KafkaProducer<K, V> producer(String clientId, Serializer<K> keys, Serializer<V> values) {
        return new KafkaProducer<>(producerProperties(clientId), keys, values);
    }

    KafkaProducer<byte[], byte[]> rawProducer(String clientId) {
        return new KafkaProducer<>(producerProperties(clientId), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A reader without consumer group, read_committed: it assigns partitions itself and commits nothing. */
    <K, V> KafkaConsumer<K, V> reader(String clientId, Deserializer<K> keys, Deserializer<V> values) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return new KafkaConsumer<>(props, keys, values);
    }

    KafkaConsumer<String, byte[]> resultsReader(String clientId) {
        return reader(clientId, new StringDeserializer(), new ByteArrayDeserializer());
    }

    KafkaConsumer<byte[], byte[]> rawReader(String clientId) {
        return reader(clientId, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Every partition of {@code topic}.
     *
     * @throws IllegalStateException naming the topic when it does not exist
     */
    static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (is the router running against"
                    + " this cluster? see --set bootstrap.servers=... and topics.*)");
        }
        List<TopicPartition> out = new ArrayList<>();
        infos.forEach(info -> out.add(new TopicPartition(topic, info.partition())));
        out.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return out;
    }

    private Map<String, Object> producerProperties(String clientId) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return props;
    }

    @Override
    public void close() {
        serdes.close();
    }
}
