package io.beacon.bench.router;

import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The baseline the router is measured against: a raw consume-produce loop that does what the router does
 * minus its state and policy. It decodes each request, writes a {@link RoutedJob} for it to the topic of
 * its preferred provider (same serdes, same topic layout, about the same bytes) and commits.
 *
 * <ul>
 *   <li>{@link Mode#PLAIN}: at-least-once. Offsets are committed once the producer has flushed every
 *       record sent before, every commit interval, which is what Streams' at_least_once does.</li>
 *   <li>{@link Mode#TRANSACTIONAL}: the records of one commit interval and their input offsets commit in
 *       one transaction ({@code sendOffsetsToTransaction}), read_committed input, which is what
 *       exactly_once_v2 does.</li>
 * </ul>
 * The clients get the settings the router's own clients run with under the same guarantee
 * ({@link RouterClientSettings}: the producer's {@code linger.ms}, which the router sets to 5 ms, the
 * consumer's {@code max.poll.records}, Kafka Streams' 1000, and under exactly-once its
 * {@code transaction.timeout.ms}), so the comparison is router against no router, not one tuning
 * against another.
 */
public final class RoutingPipe implements AutoCloseable {

    public enum Mode { PLAIN, TRANSACTIONAL }

    private static final Logger LOG = LoggerFactory.getLogger(RoutingPipe.class);
    /** Kafka Streams' default poll.ms. */
    private static final Duration POLL = Duration.ofMillis(100);

    private final Mode mode;
    private final Consumer<String, InferenceRequest> consumer;
    private final Producer<String, RoutedJob> producer;
    private final Topics topics;
    private final SyntheticJobs jobs;
    private final long commitIntervalNanos;
    private final Thread thread;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    /** Takes ownership of both clients; {@code producer} must be transactional in {@link Mode#TRANSACTIONAL}. */
    public RoutingPipe(Mode mode, Consumer<String, InferenceRequest> consumer, Producer<String, RoutedJob> producer,
                       Topics topics, SyntheticJobs jobs, Duration commitInterval) {
        this.mode = mode;
        this.consumer = consumer;
        this.producer = producer;
        this.topics = topics;
        this.jobs = jobs;
        this.commitIntervalNanos = commitInterval.toNanos();
        this.thread = new Thread(this::loop, "routing-pipe-" + mode.name().toLowerCase());
    }

    /** The router's guarantee this pipe stands in for. */
    public static String guarantee(Mode mode) {
        return mode == Mode.PLAIN ? StreamsConfig.AT_LEAST_ONCE : StreamsConfig.EXACTLY_ONCE_V2;
    }

    /** A pipe over the phase's topics on {@code kafka}, started. */
    public static RoutingPipe start(Mode mode, BenchKafka kafka, BenchKafka.Phase phase, SyntheticJobs jobs,
                                    Duration commitInterval) {
        Map<String, Object> routerSettings = new HashMap<>(phase.settings());
        routerSettings.put(RouterConfig.APPLICATION_ID, phase.id());
        routerSettings.put(RouterConfig.PROCESSING_GUARANTEE, guarantee(mode));
        RouterClientSettings router = RouterClientSettings.of(routerSettings, kafka.serdes());
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, phase.id() + "-pipe");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, router.maxPollRecords());
        Map<String, Object> producerProps = kafka.producerProps(router.lingerMs());
        // Named after the phase, so its metrics (retries) can be found like the router's.
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, phase.id() + "-pipe-producer");
        if (mode == Mode.TRANSACTIONAL) {
            consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, phase.id() + "-pipe");
            producerProps.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, router.transactionTimeoutMs());
        }
        RoutingPipe pipe = new RoutingPipe(mode,
                new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                        phase.topics().requests().valueSerde().deserializer()),
                new KafkaProducer<>(producerProps, new StringSerializer(),
                        phase.topics().providerJobs(SyntheticJobs.KINDS.get(0)).valueSerde().serializer()),
                phase.topics(), jobs, commitInterval);
        pipe.thread.start();
        return pipe;
    }

    /** Waits until the consumer has its partitions; false on time-out. */
    public boolean awaitAssigned(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The error that stopped the loop, if one did. */
    public RuntimeException failure() {
        return failure;
    }

    private void loop() {
        boolean inTransaction = false;
        try {
            if (mode == Mode.TRANSACTIONAL) {
                producer.initTransactions();
            }
            consumer.subscribe(List.of(topics.requests().name()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        assigned.countDown();
                    }
                }
            });
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            long lastCommit = System.nanoTime();
            while (running) {
                ConsumerRecords<String, InferenceRequest> records = consumer.poll(POLL);
                if (!records.isEmpty()) {
                    if (mode == Mode.TRANSACTIONAL && !inTransaction) {
                        producer.beginTransaction();
                        inTransaction = true;
                    }
                    Instant now = Instant.now();
                    for (ConsumerRecord<String, InferenceRequest> record : records) {
                        RoutedJob job = jobs.routedWithoutRouter(record.value(), now);
                        producer.send(new ProducerRecord<>(topics.providerJobs(job.getProvider()).name(),
                                record.key(), job), (metadata, error) -> {
                                    if (error != null) {
                                        sendFailure.compareAndSet(null, error);
                                    }
                                });
                        offsets.put(new TopicPartition(record.topic(), record.partition()),
                                new OffsetAndMetadata(record.offset() + 1));
                    }
                }
                long now = System.nanoTime();
                // As Streams does: commit when the interval has passed since the last commit, checked once
                // per loop, so a poll that waits for data can delay a commit by up to its timeout.
                if (!offsets.isEmpty() && now - lastCommit >= commitIntervalNanos) {
                    commit(offsets);
                    inTransaction = false;
                    offsets.clear();
                    lastCommit = now;
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } catch (RuntimeException e) {
            LOG.error("routing pipe ({}) failed", mode, e);
            failure = e;
        } finally {
            if (inTransaction) {
                try {
                    producer.abortTransaction();
                } catch (RuntimeException e) {
                    LOG.warn("could not abort the open transaction on close: {}", e.toString());
                }
            }
            consumer.close();
            producer.close();
        }
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (mode == Mode.TRANSACTIONAL) {
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
            return;
        }
        // At-least-once: an offset is committed only once every record sent before it is acknowledged.
        producer.flush();
        Exception error = sendFailure.get();
        if (error != null) {
            throw new KafkaException("a routed job could not be written: " + error, error);
        }
        consumer.commitSync(offsets);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
