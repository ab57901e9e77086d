package io.beacon.bench.router;

import io.beacon.bench.router.Results.Latency;
import io.beacon.bench.router.Results.Percentiles;
import io.beacon.bench.router.Results.ThroughputRun;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.RoutedJob;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one measurement of one {@link Subject} in a phase of its own (fresh topics, group, application id
 * and state directory) and returns its figures. Every phase's topics are deleted when it ends.
 */
public final class RouterBenchRunner {

    private static final Logger LOG = LoggerFactory.getLogger(RouterBenchRunner.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    /** Time allowed after the last request is sent for its routed job to become visible. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** Twice the router's default scan interval: enough for one more wall-clock punctuation. */
    private static final Duration PUNCTUATION_WAIT = Duration.ofSeconds(3);

    private final BenchKafka kafka;
    private final RouterBenchOptions options;
    private final SyntheticJobs jobs;
    private final Path stateRoot;

    public RouterBenchRunner(BenchKafka kafka, RouterBenchOptions options, SyntheticJobs jobs, Path stateRoot) {
        this.kafka = kafka;
        this.options = options;
        this.jobs = jobs;
        this.stateRoot = stateRoot;
    }

    /**
     * Pre-produces {@code records} requests, starts the subject and waits until as many outputs are
     * visible to a read_committed consumer.
     *
     * @throws IllegalStateException if they are not visible in time
     */
    public ThroughputRun throughput(Subject subject, int records) throws InterruptedException {
        BenchKafka.Phase phase = kafka.newPhase(subject.label());
        try {
            kafka.publishHeartbeats(phase);
            double producerRate = kafka.preProduceRequests(phase, jobs, records);
            AtomicLong failed = new AtomicLong();
            String resultsTopic = phase.topics().results().name();
            // A full collection now rather than in the middle of the timed part.
            System.gc();
            try (OutputWatcher watcher = OutputWatcher.start(kafka.bootstrapServers(), phase.outputTopics(),
                    (topic, key, nanos) -> {
                        if (topic.equals(resultsTopic)) {
                            failed.incrementAndGet();
                        }
                    })) {
                long start = System.nanoTime();
                long ready;
                CpuMeter cpu;
                CpuMeter.Usage usage;
                Map<String, Double> metrics;
                try (Subject.Running running = subject.start(kafka, phase, jobs, stateRoot)) {
                    if (!running.awaitReady(READY_TIMEOUT)) {
                        throw new IllegalStateException(subject.label() + " not ready after " + READY_TIMEOUT);
                    }
                    // Timed from here: both pipe and router have their partitions and a backlog to work off.
                    ready = System.nanoTime();
                    cpu = CpuMeter.start();
                    Duration timeout = Duration.ofSeconds(120 + records / 500);
                    if (!watcher.awaitCount(records, timeout)) {
                        throw new IllegalStateException(subject.label() + ": only " + watcher.count() + " of "
                                + records + " outputs visible after " + timeout.toSeconds() + " s");
                    }
                    usage = cpu.stop();
                    metrics = afterNextPunctuation(running);
                }
                double readyToLastMs = (watcher.lastNanos() - ready) / 1e6;
                double firstToLastMs = (watcher.lastNanos() - watcher.firstNanos()) / 1e6;
                double startToLastMs = (watcher.lastNanos() - start) / 1e6;
                return new ThroughputRun(records, records / (readyToLastMs / 1000.0), readyToLastMs, startToLastMs,
                        firstToLastMs, producerRate, failed.get(), metrics, usage.othersShare());
            }
        } finally {
            kafka.drop(phase);
        }
    }

    /**
     * Starts the subject, sends requests at the fixed rate for the warm-up and the measured time and
     * records when each routed job becomes visible to a read_committed consumer. For {@link Subject.Raw}
     * the load generator writes the routed jobs itself: Kafka's own produce-to-visible time.
     */
    public Latency latency(Subject subject) throws InterruptedException {
        BenchKafka.Phase phase = kafka.newPhase(subject.label() + "-lat");
        int total = options.latencyTotal();
        int warmup = options.latencyWarmupCount();
        long[] scheduled = new long[total];
        long[] sent = new long[total];
        AtomicLongArray visible = new AtomicLongArray(total);
        AtomicLong failed = new AtomicLong();
        String resultsTopic = phase.topics().results().name();
        try {
            kafka.publishHeartbeats(phase);
            System.gc();
            Map<String, Double> metrics;
            CpuMeter.Usage usage;
            try (OutputWatcher watcher = OutputWatcher.start(kafka.bootstrapServers(), phase.outputTopics(),
                    (topic, key, nanos) -> {
                        if (topic.equals(resultsTopic)) {
                            failed.incrementAndGet();
                        }
                        visible.compareAndSet(BenchKafka.Phase.indexOf(key), 0, nanos);
                    });
                 Subject.Running running = subject.start(kafka, phase, jobs, stateRoot)) {
                if (!running.awaitReady(READY_TIMEOUT)) {
                    throw new IllegalStateException(subject.label() + " not ready after " + READY_TIMEOUT);
                }
                CpuMeter cpu = CpuMeter.start();
                send(subject, phase, scheduled, sent);
                usage = cpu.stop();
                if (!watcher.awaitCount(total, DRAIN_TIMEOUT)) {
                    LOG.warn("{}: {} of {} outputs visible {} s after the last send", subject.label(),
                            watcher.count(), total, DRAIN_TIMEOUT.toSeconds());
                }
                metrics = running.metrics();
            }
            Histogram fromSchedule = new Histogram(3);
            Histogram fromSend = new Histogram(3);
            long missing = 0;
            long lagMaxNanos = 0;
            for (int i = warmup; i < total; i++) {
                lagMaxNanos = Math.max(lagMaxNanos, sent[i] - scheduled[i]);
                long seen = visible.get(i);
                if (seen == 0) {
                    missing++;
                    continue;
                }
                fromSchedule.recordValue(Math.max(0, (seen - scheduled[i]) / 1_000));
                fromSend.recordValue(Math.max(0, (seen - sent[i]) / 1_000));
            }
            return new Latency(subject.label(), subject.guarantee(), subject.commitIntervalMs(),
                    subject.extraSettings(), options.ratePerSecond(), options.latencyMeasured().toMillis() / 1000.0,
                    Percentiles.of(fromSchedule), Percentiles.of(fromSend), missing, failed.get(),
                    lagMaxNanos / 1e6, metrics, usage.othersShare());
        } finally {
            kafka.drop(phase);
        }
    }

    /**
     * The router's thread metrics once it has punctuated again after the last output, so a punctuation
     * with every job of the run stored is in them (its cost must not grow with the stored jobs). Pipes
     * have none: at once.
     */
    private static Map<String, Double> afterNextPunctuation(Subject.Running running) throws InterruptedException {
        Map<String, Double> metrics = running.metrics();
        Double before = metrics.get("punctuate-total");
        if (before == null) {
            return metrics;
        }
        long deadline = System.nanoTime() + PUNCTUATION_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Thread.sleep(50);
            metrics = running.metrics();
            if (metrics.getOrDefault("punctuate-total", before) > before) {
                return metrics;
            }
        }
        LOG.warn("no punctuation within {} after the last output; punctuator figures cover a partial store",
                PUNCTUATION_WAIT);
        return metrics;
    }

    /** Requests to the requests topic, or, for the raw baseline, routed jobs straight to the provider topics. */
    private void send(Subject subject, BenchKafka.Phase phase, long[] scheduled, long[] sent) {
        // linger.ms=0: the load generator sends each request at once, so its own batching adds nothing.
        // Not idempotent: a duplicate is harmless (the first visible copy counts), and on a starved machine
        // an idempotent producer can end up retrying an out-of-order sequence until delivery.timeout.ms.
        Map<String, Object> props = kafka.producerProps(0);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        if (subject instanceof Subject.Raw) {
            try (KafkaProducer<String, RoutedJob> producer = new KafkaProducer<>(props, new StringSerializer(),
                    phase.topics().providerJobs(SyntheticJobs.KINDS.get(0)).valueSerde().serializer())) {
                new FixedRateSender<>(producer, i -> {
                    Instant now = Instant.now();
                    RoutedJob job = jobs.routedWithoutRouter(jobs.request(phase.jobId(i), i, now), now);
                    return new ProducerRecord<>(phase.topics().providerJobs(job.getProvider()).name(),
                            job.getJobId(), job);
                }, options.ratePerSecond()).run(scheduled, sent);
            }
            return;
        }
        try (KafkaProducer<String, InferenceRequest> producer = new KafkaProducer<>(props, new StringSerializer(),
                phase.topics().requests().valueSerde().serializer())) {
            new FixedRateSender<>(producer, i -> new ProducerRecord<>(phase.topics().requests().name(),
                    phase.jobId(i), jobs.request(phase.jobId(i), i, Instant.now())), options.ratePerSecond())
                    .run(scheduled, sent);
        }
    }
}
