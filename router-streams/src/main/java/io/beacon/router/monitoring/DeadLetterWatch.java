package io.beacon.router.monitoring;

import io.beacon.ops.metrics.InferenceMeters;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the records in the dead-letter topic, whichever instance's handler wrote them, by reading the
 * topic itself (read_committed, every partition, from the beginning): offsets alone would also count the
 * transaction markers exactly-once writes. Feeds {@code beacon_dlq_records_total{topic}}: every instance
 * reports the whole topic, so aggregate over instances with max, not sum. The dead-letter topic is
 * small by nature; reading it costs next to nothing.
 */
public final class DeadLetterWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterWatch.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int MAX_POLLS_PER_TICK = 20;

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final InferenceMeters meters;
    private Set<TopicPartition> assigned = Set.of();
    private boolean warned;

    /** @param consumer without group id, read_committed; this object owns and closes it */
    public DeadLetterWatch(Consumer<byte[], byte[]> consumer, String topic, InferenceMeters meters) {
        this.consumer = consumer;
        this.topic = topic;
        this.meters = meters;
    }

    /** Reads what arrived since the last call; called from one thread (after each lag poll). Never throws. */
    public synchronized void poll() {
        try {
            Set<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
            if (!partitions.equals(assigned)) {
                List<TopicPartition> added = partitions.stream().filter(p -> !assigned.contains(p)).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(added);
                assigned = partitions;
            }
            for (int i = 0; i < MAX_POLLS_PER_TICK; i++) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                records.forEach(record -> meters.recordDeadLetter(topic));
                if (records.isEmpty()) {
                    break;
                }
            }
            warned = false;
        } catch (KafkaException e) {
            if (!warned) {
                LOG.warn("cannot read dead-letter topic {}: {}", topic, e.toString());
                warned = true;
            }
        }
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
