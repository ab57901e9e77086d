package io.beacon.router.http;

import io.beacon.schemas.avro.InferenceResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request-reply over Kafka for one router instance: hands out a future per job id and completes it
 * when that job's final result appears on {@code inference-results}.
 *
 * <p>Whichever instance a job's task lives on, its result may be written to any partition, and the
 * HTTP request that waits for it may have reached any instance. So every instance reads <em>every</em>
 * partition of the results topic itself: {@code assign()}, no consumer group (nothing to rebalance,
 * nothing to commit), {@code read_committed} (only results whose transaction committed), starting at
 * the end as it was when the reader started. Values are kept as bytes and decoded only for jobs
 * someone here waits for, so the Kafka path's results cost this reader almost nothing.
 *
 * <p>A future must be registered with {@link #expect(String)} before the job is produced, and jobs
 * must only be produced after {@link #ready()}; then no result can pass unseen.
 */
public final class ResultCorrelator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultCorrelator.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Deserializer<InferenceResult> deserializer;
    private final Duration partitionRefresh;
    private final ConcurrentHashMap<String, CompletableFuture<InferenceResult>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch backOff = new CountDownLatch(1);
    private Set<TopicPartition> assigned = Set.of();
    private long nextRefreshNanos;
    private Thread thread;

    /**
     * @param consumer         a consumer without group id, read_committed, string keys and byte values;
     *                         this object owns and closes it
     * @param partitionRefresh how often to look for partitions added to the topic
     */
    public ResultCorrelator(Consumer<String, byte[]> consumer, String topic, Deserializer<InferenceResult> deserializer,
                            Duration partitionRefresh) {
        this.consumer = consumer;
        this.topic = topic;
        this.deserializer = deserializer;
        this.partitionRefresh = partitionRefresh;
    }

    /** Starts the reader thread. */
    public void start() {
        thread = new Thread(this::run, "router-http-results");
        thread.setDaemon(true);
        thread.start();
    }

    /** Completes once every partition is assigned and its start position is fixed. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /**
     * A future for {@code jobId}'s result. It leaves the table when it completes in any way (result,
     * time-out set by the caller with {@code orTimeout}, failure), so abandoned waits do not pile up.
     *
     * @throws IllegalStateException when someone here already waits for that job
     */
    public CompletableFuture<InferenceResult> expect(String jobId) {
        CompletableFuture<InferenceResult> future = new CompletableFuture<>();
        if (pending.putIfAbsent(jobId, future) != null) {
            throw new IllegalStateException("already waiting for job " + jobId);
        }
        future.whenComplete((result, error) -> pending.remove(jobId, future));
        return future;
    }

    /** How many results are awaited now. */
    public int pending() {
        return pending.size();
    }

    /** Completes every awaited future with {@code reason} (shutdown). */
    public void failAll(Throwable reason) {
        new ArrayList<>(pending.values()).forEach(future -> future.completeExceptionally(reason));
    }

    private void run() {
        try {
            while (!closed.get()) {
                try {
                    if (!ready.isDone()) {
                        if (!initialize()) {
                            pause();
                        }
                    } else {
                        pollOnce(POLL);
                    }
                } catch (WakeupException e) {
                    if (!closed.get()) {
                        throw e;
                    }
                } catch (KafkaException e) {
                    // Brokers away, authorisation missing...: say so, wait a moment, try again. Waiting
                    // requests run into their own time-outs meanwhile.
                    LOG.warn("reading {} failed, retrying: {}", topic, e.toString());
                    pause();
                }
            }
        } catch (RuntimeException e) {
            LOG.error("the results reader of the HTTP API stopped; POST /inference will time out", e);
        } finally {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.debug("closing the results reader failed", e);
            }
            stopped.countDown();
        }
    }

    /**
     * Assigns every partition and fixes each one's position at its current end. False when the topic
     * has no partitions yet (not created): the caller retries.
     */
    boolean initialize() {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        if (partitions == null || partitions.isEmpty()) {
            LOG.info("topic {} has no partitions yet; POST /inference waits until it exists", topic);
            return false;
        }
        Set<TopicPartition> all = new HashSet<>();
        partitions.forEach(p -> all.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(all);
        consumer.seekToEnd(all);
        // seekToEnd is lazy; asking the position resolves it now, before any job is produced.
        all.forEach(consumer::position);
        assigned = all;
        nextRefreshNanos = System.nanoTime() + partitionRefresh.toNanos();
        ready.complete(null);
        LOG.info("results reader assigned {} partition(s) of {}", all.size(), topic);
        return true;
    }

    /** One poll: completes the futures of results that arrived; now and then looks for new partitions. */
    void pollOnce(Duration timeout) {
        ConsumerRecords<String, byte[]> records = consumer.poll(timeout);
        for (ConsumerRecord<String, byte[]> record : records) {
            CompletableFuture<InferenceResult> future = record.key() == null ? null : pending.get(record.key());
            if (future == null) {
                continue; // a result for the Kafka path or another instance's request
            }
            try {
                future.complete(deserializer.deserialize(record.topic(), record.headers(), record.value()));
            } catch (RuntimeException e) {
                LOG.warn("result of a job at {}-{}@{} cannot be decoded: {}", record.topic(), record.partition(),
                        record.offset(), e.toString());
                future.completeExceptionally(new UndecodableResult(e));
            }
        }
        if (System.nanoTime() - nextRefreshNanos >= 0) {
            refreshPartitions();
        }
    }

    /** Partitions added to the topic after start: read them from their beginning, nothing was skipped. */
    private void refreshPartitions() {
        nextRefreshNanos = System.nanoTime() + partitionRefresh.toNanos();
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        if (partitions == null) {
            return;
        }
        Set<TopicPartition> added = new HashSet<>();
        partitions.forEach(p -> {
            TopicPartition tp = new TopicPartition(p.topic(), p.partition());
            if (!assigned.contains(tp)) {
                added.add(tp);
            }
        });
        if (added.isEmpty()) {
            return;
        }
        Set<TopicPartition> all = new HashSet<>(assigned);
        all.addAll(added);
        consumer.assign(all);
        consumer.seekToBeginning(added);
        assigned = all;
        LOG.info("results reader now reads {} partition(s) of {} ({} new)", all.size(), topic, added.size());
    }

    private void pause() {
        try {
            backOff.await(1, TimeUnit.SECONDS); // counted down only by close(): wakes the pause at once
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed.set(true);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        backOff.countDown();
        consumer.wakeup();
        failAll(new IllegalStateException("the router is shutting down"));
        if (thread != null) {
            try {
                if (!stopped.await(10, TimeUnit.SECONDS)) {
                    LOG.warn("the results reader did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    /** The result record exists but cannot be decoded (registry unreachable, incompatible schema). */
    public static final class UndecodableResult extends RuntimeException {
        UndecodableResult(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }
}
