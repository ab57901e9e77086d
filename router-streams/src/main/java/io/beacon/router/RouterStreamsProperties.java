package io.beacon.router;

import io.beacon.schemas.topics.Topics;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/** The Kafka Streams settings of the router, shared by the app and the topology tests. */
public final class RouterStreamsProperties {

    private RouterStreamsProperties() {
    }

    /**
     * @param stateDir local state directory, or null for the Streams default
     */
    public static Properties forTopology(String applicationId, String bootstrapServers, Topics topics,
                                         String processingGuarantee, long commitIntervalMs, String stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        // Kafka Streams lingers its producer 100 ms; at hundreds of jobs per second no batch fills, so a
        // routed job would wait out the linger (at-least-once hop p99 105.8 ms, 15.6 ms at 5 ms: router
        // benchmark). 5 ms is the plain producer's default. Not prefixed, so kafka.linger.ms overrides it.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // Every routed job, attempt and final result is acknowledged by all in-sync replicas (two of three on a
        // cluster with min.insync.replicas=2) and written once however often the producer retries. Exactly-once
        // implies both; said here so at_least_once keeps them too, whatever the client's defaults become.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
        // Undecodable input must not stop the router: log it, write it to the dead-letter topic with
        // the __streams.errors.* headers (exception, message, stack trace, topic, partition, offset), go on.
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueExceptionHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics.requestsDlq().name());
        // The global provider-status thread gets the same error handling as the stream threads.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // A router killed without a goodbye holds its partitions until the broker gives up on it; Kafka's
        // 45 s default stalls those jobs that long (measured by RouterCrashRecoveryIT), 10 s is enough to
        // ride out a GC pause. Overridable with kafka.session.timeout.ms.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        // Every store and internal topic is named by us; refuse generated names.
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        if (stateDir != null && !stateDir.isBlank()) {
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        }
        return props;
    }

    /** Adds client pass-through settings (security, SASL, tuning) given as {@code kafka.*}. */
    public static Properties withPassthrough(Properties props, Map<String, Object> passthrough) {
        passthrough.forEach((key, value) -> {
            if (!key.equals(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                props.put(key, value);
            }
        });
        return props;
    }
}
