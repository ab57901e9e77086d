package io.beacon.testsupport;

import io.beacon.schemas.topics.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads one catalogue topic with its own serdes, the way a runner reads results: {@code read_committed},
 * so a record of an aborted transaction never counts. It joins no consumer group: every partition is
 * assigned, so there is no rebalance to wait for and no group left behind on the shared broker.
 *
 * <p>Every record read is kept ({@link #records()}); the waiting methods poll until a condition holds or
 * a deadline passes, and then fail with an {@link AssertionError} that says what was read. Not thread-safe:
 * one test thread uses it.
 */
public final class TopicReader<K, V> implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final String topic;
    private final KafkaConsumer<K, V> consumer;
    private final List<ConsumerRecord<K, V>> records = new ArrayList<>();

    private TopicReader(String bootstrapServers, TopicSpec<K, V> spec, boolean fromEnd) {
        this.topic = spec.name();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                spec.keySerde().deserializer(), spec.valueSerde().deserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        if (fromEnd) {
            consumer.seekToEnd(partitions);
            // Resolve the end now, before the test writes anything: seekToEnd alone is lazy.
            partitions.forEach(consumer::position);
        } else {
            consumer.seekToBeginning(partitions);
        }
    }

    /** A reader of {@code topic} from its first record. */
    public static <K, V> TopicReader<K, V> fromBeginning(String bootstrapServers, TopicSpec<K, V> topic) {
        return new TopicReader<>(bootstrapServers, topic, false);
    }

    /** A reader of {@code topic} that sees only records written after this call returns. */
    public static <K, V> TopicReader<K, V> fromEnd(String bootstrapServers, TopicSpec<K, V> topic) {
        return new TopicReader<>(bootstrapServers, topic, true);
    }

    /** Polls once (up to 100 ms) and returns the records that came; they are also kept. */
    public List<ConsumerRecord<K, V>> poll() {
        return poll(POLL);
    }

    /** Polls once, waiting up to {@code timeout}, and returns the records that came; they are also kept. */
    public List<ConsumerRecord<K, V>> poll(Duration timeout) {
        List<ConsumerRecord<K, V>> batch = new ArrayList<>();
        consumer.poll(timeout).forEach(batch::add);
        records.addAll(batch);
        return batch;
    }

    /**
     * Polls until at least {@code count} records have been read in all.
     *
     * @return every record read so far
     * @throws AssertionError if {@code timeout} passes first
     */
    public List<ConsumerRecord<K, V>> awaitAtLeast(int count, Duration timeout) {
        return awaitMatching(record -> true, count, timeout);
    }

    /**
     * Polls until at least {@code count} of the records read in all match {@code which}.
     *
     * @return the matching records, in the order read
     * @throws AssertionError if {@code timeout} passes first
     */
    public List<ConsumerRecord<K, V>> awaitMatching(Predicate<ConsumerRecord<K, V>> which, int count,
                                                    Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<K, V>> matching = matching(which);
        while (matching.size() < count) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("read " + matching.size() + " of the " + count + " records expected from "
                        + topic + " within " + timeout + " (" + records.size() + " records read in all)");
            }
            poll();
            matching = matching(which);
        }
        return matching;
    }

    /**
     * Keeps reading for {@code period} (a late duplicate would show up in it).
     *
     * @return every record read so far
     */
    public List<ConsumerRecord<K, V>> readFor(Duration period) {
        long until = System.nanoTime() + period.toNanos();
        while (until - System.nanoTime() > 0) {
            poll(Duration.ofNanos(Math.min(POLL.toNanos(), Math.max(1, until - System.nanoTime()))));
        }
        return records();
    }

    /**
     * Reads until the position of every partition has reached its end as this reader sees it (for
     * {@code read_committed}, the last stable offset): nothing written before this call is left unread.
     *
     * @return every record read so far
     * @throws AssertionError if {@code timeout} passes first
     */
    public List<ConsumerRecord<K, V>> readToEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            poll();
            Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
            if (ends.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue())) {
                return records();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(topic + " not read to its end " + ends + " within " + timeout);
            }
        }
    }

    /** Every record read so far, in the order read. */
    public List<ConsumerRecord<K, V>> records() {
        return Collections.unmodifiableList(new ArrayList<>(records));
    }

    /** The values of every record read so far. */
    public List<V> values() {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    private List<ConsumerRecord<K, V>> matching(Predicate<ConsumerRecord<K, V>> which) {
        return records.stream().filter(which).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
