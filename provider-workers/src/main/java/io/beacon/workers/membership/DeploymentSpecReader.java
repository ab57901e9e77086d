package io.beacon.workers.membership;

import io.beacon.schemas.avro.DeploymentSpec;
import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted {@code deployments} topic for one provider kind: every partition, from the beginning,
 * without a consumer group (each worker needs every record, and nothing is committed), on a thread of its own.
 * Each record of this kind, and each tombstone, goes to the {@link Sink} in topic order; the worker applies
 * them on its poll thread. {@link #awaitCaughtUp} lets the worker start serving only once it knows the
 * deployments the topic already holds.
 *
 * <p>A topic that does not exist (a cluster set up before it was added to the catalogue) is looked for again
 * every {@link #RETRY_MISSING_TOPIC}; the worker runs on its configured deployments meanwhile.
 */
public final class DeploymentSpecReader implements AutoCloseable {

    /** Where changes go: a spec of this provider kind, or null for a tombstone of {@code deploymentId}. */
    @FunctionalInterface
    public interface Sink {
        void accept(String deploymentId, DeploymentSpec spec);
    }

    static final Duration RETRY_MISSING_TOPIC = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(DeploymentSpecReader.class);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Deserializer<DeploymentSpec> values;
    private final ProviderKind kind;
    private final Sink sink;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param consumer without group id; the reader assigns it and closes it
     * @param values   the topic's value deserializer
     */
    public DeploymentSpecReader(Consumer<String, byte[]> consumer, String topic, Deserializer<DeploymentSpec> values,
                                ProviderKind kind, Sink sink) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.values = Objects.requireNonNull(values, "values");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.thread = new Thread(this::run, "beacon-deployments-" + kind.name().toLowerCase(Locale.ROOT));
        thread.setDaemon(true);
    }

    public DeploymentSpecReader start() {
        thread.start();
        return this;
    }

    /** Waits until every record on the topic at start has gone to the sink (or the topic was found missing). */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try {
            Map<TopicPartition, Long> end = assign();
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<String, byte[]> record : records) {
                    deliver(record);
                }
                if (caughtUp.getCount() > 0 && end.entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    LOG.info("deployments topic {} read to its end: dynamic membership of {} deployments is live",
                            topic, kind.name().toLowerCase(Locale.ROOT));
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException | InterruptedException e) {
            if (running) {
                LOG.warn("deployments reader of topic {} stopped unexpectedly: {}", topic, e.toString());
            }
        } catch (RuntimeException e) {
            LOG.error("deployments reader of topic {} failed; deployments added or removed from now on are not seen"
                    + " until the worker restarts", topic, e);
        } finally {
            caughtUp.countDown();
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("closing the deployments reader failed", e);
            }
        }
    }

    /** Assigns every partition from the beginning; returns their end offsets at that moment. */
    private Map<TopicPartition, Long> assign() throws InterruptedException {
        boolean warned = false;
        while (running) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
            } catch (TimeoutException e) {
                infos = List.of();
            }
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> partitions = infos.stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                return new HashMap<>(consumer.endOffsets(partitions));
            }
            if (!warned) {
                LOG.warn("deployments topic {} not found: the worker serves its configured deployments only; looking"
                        + " again every {} s (the router creates the topic with the others)", topic,
                        RETRY_MISSING_TOPIC.toSeconds());
                warned = true;
            }
            caughtUp.countDown();
            if (closing.await(RETRY_MISSING_TOPIC.toMillis(), TimeUnit.MILLISECONDS)) {
                break;
            }
        }
        return Map.of();
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            LOG.warn("deployments record without a key at {}-{}@{} ignored", record.topic(), record.partition(),
                    record.offset());
            return;
        }
        if (record.value() == null) {
            sink.accept(record.key(), null);
            return;
        }
        DeploymentSpec spec;
        try {
            spec = values.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            LOG.warn("deployments record {}-{}@{} (key {}) is not a DeploymentSpec and is ignored: {}", record.topic(),
                    record.partition(), record.offset(), record.key(), e.getMessage());
            return;
        }
        if (spec == null || spec.getProvider() != kind) {
            return;
        }
        if (!record.key().equals(spec.getDeploymentId())) {
            LOG.warn("deployments record {}-{}@{} has key {} but names deployment {}; ignored", record.topic(),
                    record.partition(), record.offset(), record.key(), spec.getDeploymentId());
            return;
        }
        sink.accept(record.key(), spec);
    }

    /** Stops following the topic; the sink gets nothing more. */
    @Override
    public void close() {
        running = false;
        closing.countDown();
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
