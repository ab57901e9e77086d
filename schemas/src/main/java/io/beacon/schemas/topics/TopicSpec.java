package io.beacon.schemas.topics;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic: its name, the serdes of its keys and values, and how it is created.
 *
 * @param compacted true for topics that keep only the latest value per key (heartbeats)
 */
public record TopicSpec<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, boolean compacted) {

    /** A {@link NewTopic} for the admin client, with the cleanup policy this topic needs. */
    public NewTopic newTopic(int partitions, short replicationFactor) {
        NewTopic topic = new NewTopic(name, partitions, replicationFactor);
        if (compacted) {
            // Heartbeats: keep the newest per deployment; a short segment lets the cleaner run during a demo.
            topic.configs(Map.of("cleanup.policy", "compact", "segment.ms", "600000",
                    "min.cleanable.dirty.ratio", "0.1"));
        }
        return topic;
    }
}
