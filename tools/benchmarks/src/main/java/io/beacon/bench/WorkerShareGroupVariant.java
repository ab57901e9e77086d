package io.beacon.bench;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.core.RecordCodec;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProviderClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smallest worker built on a Kafka share group (KIP-932) instead of a consumer group with offset
 * tracking, for {@link WorkerBenchmark}'s comparison. It is not a product: no lanes, no circuit breaker, no
 * heartbeats, one deployment.
 *
 * <p>Each of its share consumers acknowledges every record on its own (explicit mode, ACCEPT once the
 * attempt is acknowledged by the broker), which is what makes a share group attractive: no offset ordering,
 * no head-of-line blocking of commits. The catch, measured by the benchmark: in explicit mode a consumer must
 * acknowledge every record of a poll before it may poll again, so one consumer runs its calls in waves of at
 * most {@code max.poll.records}; more calls in flight need more consumers (each with its own connections).
 */
final class WorkerShareGroupVariant implements AutoCloseable {

    /** Setting in the worker's properties file: share consumers in the process. */
    static final String CONSUMERS = "bench.share.consumers";

    private static final Logger LOG = LoggerFactory.getLogger(WorkerShareGroupVariant.class);

    private final WorkerConfig config;
    private final DeploymentEndpoint deployment;
    private final SerdeProvider serdes;
    private final RecordCodec codec;
    private final ProviderClient client;
    private final KafkaProducer<String, byte[]> producer;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Clock clock = Clock.systemUTC();

    private WorkerShareGroupVariant(WorkerConfig config, DeploymentEndpoint deployment) {
        this.config = config;
        this.deployment = deployment;
        this.serdes = config.serdeProvider();
        this.codec = RecordCodec.of(Topics.create(config.topicNames(), serdes), config.provider());
        this.client = WorkerApp.client(config.provider(), ProviderSecrets.none(), config.probeTimeout(), false, clock);
        this.producer = new KafkaProducer<>(WorkerApp.producerProperties(config), new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Starts {@code consumers} share consumers sharing the deployment's capacity equally. */
    static WorkerShareGroupVariant start(WorkerConfig config, List<DeploymentEndpoint> deployments, int consumers) {
        DeploymentEndpoint d = deployments.get(0);
        WorkerShareGroupVariant variant = new WorkerShareGroupVariant(config, d);
        int batch = Math.max(1, d.capacity() / consumers);
        for (int i = 0; i < consumers; i++) {
            Thread t = new Thread(() -> variant.consume(batch), "bench-share-consumer-" + i);
            variant.threads.add(t);
            t.start();
        }
        LOG.info("share-group variant started: {} consumers x {} records per poll on {}", consumers, batch,
                variant.codec.jobsTopic());
        return variant;
    }

    private Map<String, Object> consumerProperties(int batch) {
        Map<String, Object> props = new HashMap<>(config.kafkaClientProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumerGroup());
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batch);
        return props;
    }

    private void consume(int batch) {
        try (KafkaShareConsumer<String, byte[]> consumer = new KafkaShareConsumer<>(consumerProperties(batch),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(codec.jobsTopic()));
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                // Every call of the wave runs at once; the consumer may not poll again before all are acknowledged.
                CountDownLatch wave = new CountDownLatch(records.count());
                Map<ConsumerRecord<String, byte[]>, AtomicReference<AcknowledgeType>> acks = new HashMap<>();
                for (ConsumerRecord<String, byte[]> record : records) {
                    AtomicReference<AcknowledgeType> ack = new AtomicReference<>(AcknowledgeType.RELEASE);
                    acks.put(record, ack);
                    attempt(record, ack, wave);
                }
                while (!wave.await(1, TimeUnit.SECONDS)) {
                    if (!running.get()) {
                        break;
                    }
                }
                // ACCEPT only what the broker holds an attempt for; RELEASE puts the rest back for redelivery.
                acks.forEach((record, ack) -> consumer.acknowledge(record, ack.get()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("share consumer failed", e);
        }
    }

    private void attempt(ConsumerRecord<String, byte[]> record, AtomicReference<AcknowledgeType> ack,
                         CountDownLatch wave) {
        RoutedJob job;
        try {
            job = codec.decodeJob(record.value());
        } catch (RuntimeException e) {
            ack.set(AcknowledgeType.REJECT);
            wave.countDown();
            return;
        }
        client.call(job, deployment).whenComplete((outcome, thrown) -> {
            CallOutcome o = outcome != null ? outcome : CallOutcome.notCalled(AttemptOutcome.RETRYABLE_FAILURE,
                    String.valueOf(thrown), clock.instant());
            try {
                producer.send(new ProducerRecord<>(codec.attemptsTopic(), job.getJobId(),
                        codec.encodeAttempt(attemptOf(job, o))), (metadata, error) -> {
                            if (error == null) {
                                ack.set(AcknowledgeType.ACCEPT);
                            }
                            wave.countDown();
                        });
            } catch (RuntimeException e) {
                wave.countDown();
            }
        });
    }

    private JobAttempt attemptOf(RoutedJob job, CallOutcome o) {
        return JobAttempt.newBuilder()
                .setJobId(job.getJobId())
                .setDeploymentId(job.getDeploymentId())
                .setProvider(job.getProvider())
                .setRegion(job.getRegion())
                .setAttempt(job.getAttempt())
                .setOutcome(o.outcome())
                .setResponse(o.response())
                .setError(o.error())
                .setStartedAt(o.startedAt())
                .setFinishedAt(o.finishedAt())
                .setProviderTimeMs(o.providerTimeMs())
                .setQueueTimeMs(o.queueTimeMs())
                .setBilledSeconds(o.billedSeconds())
                .setCostEstimateUsd(o.costEstimateUsd())
                .setPromptTokens(o.promptTokens())
                .setCompletionTokens(o.completionTokens())
                .setWorkerId(config.workerId())
                .build();
    }

    @Override
    public void close() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close(Duration.ofSeconds(5));
        client.close();
        serdes.close();
    }
}
