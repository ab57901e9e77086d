package io.beacon.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a job's way through the pipeline from outside: one consumer, {@code read_committed} like every
 * consumer of the pipeline, notes when each job id first becomes readable on each topic it crosses
 * (requests, the provider topic, attempts, results). Record timestamps cannot tell this: Kafka Streams
 * gives its output the input's timestamp, and under exactly-once a record is written long before it
 * can be read. The moments are this reader's, so each includes one fetch (milliseconds); they split the
 * overhead into hops, they are not the hops' exact cost.
 */
final class FacadeHops implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FacadeHops.class);
    private static final long HIGHEST_MICROS = 5 * 60 * 1_000_000L;

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<String> topics;
    private final List<Map<String, Long>> seen = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;

    /** @param topics the topics in the order a job crosses them */
    FacadeHops(String bootstrapServers, List<String> topics) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "facade-bench-hops");
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.topics = List.copyOf(topics);
        topics.forEach(t -> seen.add(new ConcurrentHashMap<>()));
        this.thread = new Thread(this::run, "facade-bench-hops");
        this.thread.setDaemon(true);
    }

    /** Starts reading at the current end of every partition; returns once positioned. */
    FacadeHops start() throws InterruptedException {
        thread.start();
        if (!ready.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the hop reader could not position itself within 30 s");
        }
        return this;
    }

    /** When each job id became readable on the {@code index}-th topic (System.nanoTime()). */
    Map<String, Long> seen(int index) {
        return seen.get(index);
    }

    /** The hops, in the order of {@link #breakdown}'s histograms. */
    static final List<String> HOPS = List.of(
            "facade in: due -> request readable",
            "router: request -> routed job readable",
            "worker: routed job -> attempt readable, minus provider time",
            "router: attempt -> result readable",
            "facade out: result readable -> answer at client");

    /**
     * Splits each answer's time into the {@link #HOPS}, in microseconds; an answer whose job was not
     * seen on every topic is left out. Requires the four topics in the order requests, provider topic,
     * attempts, results.
     */
    LinkedHashMap<String, Histogram> breakdown(List<FacadeLoad.Sample> samples) {
        LinkedHashMap<String, Histogram> out = new LinkedHashMap<>();
        HOPS.forEach(hop -> out.put(hop, new Histogram(HIGHEST_MICROS, 3)));
        for (FacadeLoad.Sample s : samples) {
            Long request = seen.get(0).get(s.jobId());
            Long routed = seen.get(1).get(s.jobId());
            Long attempt = seen.get(2).get(s.jobId());
            Long result = seen.get(3).get(s.jobId());
            if (request == null || routed == null || attempt == null || result == null) {
                continue;
            }
            long[] micros = {
                (request - s.dueNanos()) / 1000,
                (routed - request) / 1000,
                (attempt - routed) / 1000 - s.providerMicros(),
                (result - attempt) / 1000,
                (s.answeredNanos() - result) / 1000};
            for (int i = 0; i < micros.length; i++) {
                out.get(HOPS.get(i)).recordValue(Math.min(HIGHEST_MICROS, Math.max(0, micros[i])));
            }
        }
        return out;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
                    partitions.add(new TopicPartition(p.topic(), p.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            ready.countDown();
            while (!closed.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    int index = topics.indexOf(record.topic());
                    if (index >= 0 && record.key() != null) {
                        seen.get(index).putIfAbsent(record.key(), now);
                    }
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                LOG.warn("the hop reader was woken unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.warn("the hop reader stopped: {}", e.toString());
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            stopped.countDown();
        }
    }

    @Override
    public void close() {
        closed.set(true);
        consumer.wakeup();
        try {
            stopped.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
