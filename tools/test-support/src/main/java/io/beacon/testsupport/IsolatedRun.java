package io.beacon.testsupport;

import io.beacon.kafka.SharedBroker;
import io.beacon.kafka.TopicAdmin;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.TopicSpec;
import io.beacon.schemas.topics.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A run of its own on a broker other tests share: every topic of the catalogue, the schema registry, the
 * router's application id and the worker groups carry the run's id ({@code <name>-<8 hex digits>}), so no
 * two runs (nor two test classes, nor two builds on one broker) read each other's records or state.
 *
 * <p>The topic names come from iterating the catalogue's own definition ({@link TopicNames#define}):
 * a topic added there is renamed here, and in every test, with no edit. A topic is named
 * {@code <id>.<its default name>}, so everything a run owns starts with its id.
 *
 * <p>{@link #start(String)} uses the JVM's {@link SharedBroker}, an in-process registry ({@code mem://<id>}),
 * HTTP on a free port ({@code http.port=0}) and topics of {@value #DEFAULT_PARTITIONS} partitions, created
 * before it returns. {@link #settings()} is what a router, a worker or the whole pipeline is started with.
 * Closing the run closes its serdes; its topics are left on the broker, which dies with the test JVM.
 */
public final class IsolatedRun implements AutoCloseable {

    public static final int DEFAULT_PARTITIONS = 3;

    // Settings of the router and workers. test-support cannot depend on their modules (they take it as a
    // test dependency), so their names are written here once; a rename there fails the tests that use them.
    static final String APPLICATION_ID = "application.id";
    static final String LAG_WORKER_GROUP_PREFIX = "lag.worker.group.prefix";
    static final String HTTP_PORT = "http.port";

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final String id;
    private final Map<String, String> settings;
    private final SerdeProvider serdes;
    private final Topics topics;

    private IsolatedRun(String id, Map<String, String> settings) {
        this.id = id;
        this.settings = Map.copyOf(settings);
        CommonConfig config = new CommonConfig(CommonConfig.define(new ConfigDef()), settings);
        this.serdes = config.serdeProvider();
        this.topics = Topics.create(config.topicNames(), serdes);
    }

    /** A run called {@code name} on the shared broker, with its topics created. */
    public static IsolatedRun start(String name) {
        return named(name).start();
    }

    /** A run called {@code name}, to be configured before {@link Builder#start()}. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    /**
     * The settings of a run with id {@code id}: bootstrap servers, registry, application id, worker group
     * prefix, a free HTTP port, and every topic setting of the catalogue renamed {@code <id>.<default>}.
     */
    static Map<String, String> isolatedSettings(String id, String bootstrapServers, String registryUrl) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(CommonConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        out.put(CommonConfig.SCHEMA_REGISTRY_URL, registryUrl);
        out.put(APPLICATION_ID, id);
        out.put(LAG_WORKER_GROUP_PREFIX, workerGroupPrefix(id));
        out.put(HTTP_PORT, "0");
        TopicNames.define(new ConfigDef()).configKeys().forEach((setting, key) ->
                out.put(setting, id + "." + key.defaultValue));
        return out;
    }

    private static String workerGroupPrefix(String id) {
        return id + "-worker-";
    }

    /** {@code <name>-<suffix>}: the prefix of every topic, group and registry this run owns. */
    public String id() {
        return id;
    }

    /**
     * A new, mutable copy of the run's settings, for the test's own additions ({@code state.dir},
     * {@code http.auth.token}, a worker's {@code provider}...).
     */
    public Map<String, String> settings() {
        return new HashMap<>(settings);
    }

    public String bootstrapServers() {
        return settings.get(CommonConfig.BOOTSTRAP_SERVERS);
    }

    public String registryUrl() {
        return settings.get(CommonConfig.SCHEMA_REGISTRY_URL);
    }

    /** The router's {@code application.id}, which is also its consumer group. */
    public String applicationId() {
        return settings.get(APPLICATION_ID);
    }

    /** The prefix the router's lag monitor watches worker groups by. */
    public String workerGroupPrefix() {
        return settings.get(LAG_WORKER_GROUP_PREFIX);
    }

    /** The consumer group of {@code kind}'s workers in this run (as the launcher's pipeline names them). */
    public String workerGroup(ProviderKind kind) {
        return workerGroupPrefix() + kind.name().toLowerCase(Locale.ROOT);
    }

    /** The run's typed topic catalogue, with serdes on the run's registry. */
    public Topics topics() {
        return topics;
    }

    public SerdeProvider serdes() {
        return serdes;
    }

    /** A reader of {@code topic} from its first record. */
    public <K, V> TopicReader<K, V> reader(TopicSpec<K, V> topic) {
        return TopicReader.fromBeginning(bootstrapServers(), topic);
    }

    /** A reader of {@code topic} from its current end: it sees only what is written after this call. */
    public <K, V> TopicReader<K, V> readerFromEnd(TopicSpec<K, V> topic) {
        return TopicReader.fromEnd(bootstrapServers(), topic);
    }

    /**
     * Reads {@code topic} from its first record until at least {@code count} records are there.
     *
     * @throws AssertionError naming the topic and what was read, if {@code timeout} passes first
     */
    public <K, V> List<V> readValues(TopicSpec<K, V> topic, int count, Duration timeout) {
        try (TopicReader<K, V> reader = reader(topic)) {
            reader.awaitAtLeast(count, timeout);
            return reader.values();
        }
    }

    /** A producer of {@code topic}'s keys and values with its serdes, {@code acks=all}. The caller closes it. */
    public <K, V> KafkaProducer<K, V> producer(TopicSpec<K, V> topic) {
        return new KafkaProducer<>(producerProperties(), topic.keySerde().serializer(),
                topic.valueSerde().serializer());
    }

    /** Sends one record and waits until the broker has acknowledged it. */
    public <K, V> void send(TopicSpec<K, V> topic, K key, V value) {
        send(topic, null, key, value);
    }

    /** Sends one record to {@code partition} (null: the producer's partitioner) and waits for the broker. */
    public <K, V> void send(TopicSpec<K, V> topic, Integer partition, K key, V value) {
        try (KafkaProducer<K, V> producer = producer(topic)) {
            producer.send(new ProducerRecord<>(topic.name(), partition, key, value)).get();
        } catch (ExecutionException e) {
            throw new KafkaException("cannot send to " + topic.name() + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted sending to " + topic.name(), e);
        }
    }

    /** {@code topic} read and written as bytes: for garbage a deserializer must refuse, or raw inspection. */
    public static TopicSpec<byte[], byte[]> bytesOf(TopicSpec<?, ?> topic) {
        return new TopicSpec<>(topic.name(), Serdes.ByteArray(), Serdes.ByteArray(), topic.compacted());
    }

    /** Producer settings for the run's broker: bootstrap servers and {@code acks=all}. */
    public Map<String, Object> producerProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    /** A group id of its own for a test's consumer, under the run's id. */
    public String newGroupId(String purpose) {
        return id + "-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void close() {
        serdes.close();
    }

    @Override
    public String toString() {
        return "IsolatedRun[" + id + "]";
    }

    /** Where a run lives and how its topics are made; every setting has a default. */
    public static final class Builder {

        private final String name;
        private String bootstrapServers;
        private String registryUrl;
        private int partitions = DEFAULT_PARTITIONS;

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a run needs a name");
            }
            this.name = name;
        }

        /** A broker of the caller's (a benchmark's own); default: the JVM's {@link SharedBroker}. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        /**
         * A registry other processes can reach (an HTTP URL), or one shared on purpose; default: an
         * in-process registry of the run's own, {@code mem://<id>}.
         */
        public Builder registryUrl(String registryUrl) {
            this.registryUrl = Objects.requireNonNull(registryUrl, "registryUrl");
            return this;
        }

        /** Partitions of the job topics (heartbeats and other single-partition topics keep one). */
        public Builder partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1: " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /** Names the run, creates every catalogue topic and returns once they all have leaders. */
        public IsolatedRun start() {
            String id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
            String bootstrap = bootstrapServers != null ? bootstrapServers : SharedBroker.bootstrapServers();
            String registry = registryUrl != null ? registryUrl : "mem://" + id;
            IsolatedRun run = new IsolatedRun(id, isolatedSettings(id, bootstrap, registry));
            try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
                admin.createTopics(run.topics().newTopics(partitions, (short) 1), ADMIN_TIMEOUT);
            } catch (RuntimeException e) {
                run.close();
                throw e;
            }
            return run;
        }
    }
}
