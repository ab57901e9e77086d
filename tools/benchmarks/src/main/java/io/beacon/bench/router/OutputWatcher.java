package io.beacon.bench.router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What a worker would see: a read_committed consumer on the output topics that notes when each record
 * becomes visible. It reads every partition from the beginning by assignment (no group, so no rebalance
 * delays the first fetch) and leaves values undecoded, so watching costs the system under test as
 * little CPU as possible.
 */
public final class OutputWatcher implements AutoCloseable {

    /** Told about every record on the poll thread, in the order they arrive. */
    public interface Listener {
        void visible(String topic, String key, long visibleNanos);
    }

    private static final Duration POLL = Duration.ofMillis(100);

    private final Consumer<String, byte[]> consumer;
    private final List<String> topics;
    private final Listener listener;
    private final Thread thread;
    private final Object progress = new Object();
    private volatile boolean running = true;
    private long count;
    private long firstNanos;
    private long lastNanos;
    private RuntimeException failure;

    /** Takes ownership of {@code consumer}; call {@link #start()} next. */
    public OutputWatcher(Consumer<String, byte[]> consumer, Collection<String> topics, Listener listener) {
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.listener = listener;
        this.thread = new Thread(this::loop, "output-watcher");
        this.thread.setDaemon(true);
    }

    /** A watcher of {@code topics} on the broker at {@code bootstrapServers}, started. */
    public static OutputWatcher start(String bootstrapServers, Collection<String> topics, Listener listener) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000,
                ConsumerConfig.CLIENT_ID_CONFIG, "router-bench-output-watcher");
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            OutputWatcher watcher = new OutputWatcher(consumer, topics, listener);
            watcher.start();
            return watcher;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    public void start() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread.start();
    }

    /**
     * Waits until {@code expected} records have been seen.
     *
     * @return false if they were not seen within {@code timeout}
     */
    public boolean awaitCount(long expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (count < expected) {
                if (failure != null) {
                    throw failure;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(progress, left);
            }
            return true;
        }
    }

    public long count() {
        synchronized (progress) {
            return count;
        }
    }

    /** System.nanoTime() at which the first record was seen, 0 before. */
    public long firstNanos() {
        synchronized (progress) {
            return firstNanos;
        }
    }

    /** System.nanoTime() at which the latest record was seen, 0 before the first. */
    public long lastNanos() {
        synchronized (progress) {
            return lastNanos;
        }
    }

    private void loop() {
        try {
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                if (records.isEmpty()) {
                    continue;
                }
                long now = System.nanoTime();
                for (ConsumerRecord<String, byte[]> record : records) {
                    listener.visible(record.topic(), record.key(), now);
                }
                synchronized (progress) {
                    if (count == 0) {
                        firstNanos = now;
                    }
                    lastNanos = now;
                    count += records.count();
                    progress.notifyAll();
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } catch (RuntimeException e) {
            synchronized (progress) {
                failure = e;
                progress.notifyAll();
            }
        } finally {
            consumer.close();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }
}
