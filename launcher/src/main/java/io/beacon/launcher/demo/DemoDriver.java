package io.beacon.launcher.demo;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.topics.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Plays the runner: produces a job mix at a fixed rate to {@code inference-requests} and reads
 * {@code inference-results} (read_committed) until every job has its final result, printing progress.
 * Latency is end to end: from handing the job to the producer to reading its result.
 */
public final class DemoDriver {

    private final String bootstrapServers;
    private final Map<String, Object> clientPassthrough;
    private final Topics topics;
    private final PrintStream out;

    public DemoDriver(String bootstrapServers, Map<String, Object> clientPassthrough, Topics topics, PrintStream out) {
        this.bootstrapServers = bootstrapServers;
        this.clientPassthrough = clientPassthrough;
        this.topics = topics;
        this.out = out;
    }

    /**
     * @param resultTimeout how long to wait for the last result after the last job was sent
     * @param duringRun     called once a second with the seconds elapsed (scenarios inject faults here)
     */
    public DemoSummary run(String scenario, int jobs, double ratePerSecond, long seed, Duration resultTimeout,
                           java.util.function.IntConsumer duringRun) {
        Map<String, Long> sentAtNanos = new ConcurrentHashMap<>();
        Map<String, InferenceResult> results = new HashMap<>();
        Map<String, Long> latencyMs = new HashMap<>();
        AtomicInteger sent = new AtomicInteger();
        AtomicReference<Exception> sendError = new AtomicReference<>();
        int duplicates = 0;
        long start = System.nanoTime();

        try (KafkaConsumer<String, InferenceResult> consumer = consumer();
             KafkaProducer<String, InferenceRequest> producer = producer()) {
            consumer.subscribe(List.of(topics.results().name()));
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            // Resolve "latest" now, before the first job is sent, so no result can slip past.
            consumer.assignment().forEach(consumer::position);
            Thread sender = new Thread(() -> {
                JobMix mix = new JobMix(seed);
                long intervalNanos = (long) (1_000_000_000L / ratePerSecond);
                for (int i = 0; i < jobs && sendError.get() == null; i++) {
                    long due = start + i * intervalNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    InferenceRequest job = mix.next(i);
                    sentAtNanos.put(job.getJobId(), System.nanoTime());
                    producer.send(new ProducerRecord<>(topics.requests().name(), job.getJobId(), job), (meta, error) -> {
                        if (error != null) {
                            sendError.compareAndSet(null, error);
                        }
                    });
                    sent.incrementAndGet();
                }
                producer.flush();
            }, "demo-sender");
            sender.setDaemon(true);
            sender.start();

            long lastProgress = System.nanoTime();
            int lastSecond = -1;
            long sendDoneAt = 0;
            long settleUntil = 0;
            while (true) {
                for (ConsumerRecord<String, InferenceResult> record : consumer.poll(Duration.ofMillis(100))) {
                    Long sentAt = sentAtNanos.get(record.key());
                    if (sentAt == null) {
                        continue; // a result of an earlier run on the same cluster
                    }
                    if (results.putIfAbsent(record.key(), record.value()) != null) {
                        duplicates++;
                    } else {
                        latencyMs.put(record.key(), (System.nanoTime() - sentAt) / 1_000_000);
                    }
                }
                if (sendError.get() != null) {
                    throw new IllegalStateException("producing jobs failed: " + sendError.get().getMessage(),
                            sendError.get());
                }
                long now = System.nanoTime();
                int second = (int) ((now - start) / 1_000_000_000L);
                if (second != lastSecond) {
                    lastSecond = second;
                    duringRun.accept(second);
                }
                if (now - lastProgress >= 2_000_000_000L) {
                    lastProgress = now;
                    printProgress(second, sent.get(), jobs, results);
                }
                if (sendDoneAt == 0 && !sender.isAlive()) {
                    sendDoneAt = now;
                }
                if (results.size() >= jobs) {
                    if (settleUntil == 0) {
                        // Keep reading a moment: a duplicate result would arrive now, and must be counted.
                        settleUntil = now + 1_500_000_000L;
                    } else if (now >= settleUntil) {
                        break;
                    }
                } else if (sendDoneAt != 0 && now - sendDoneAt > resultTimeout.toNanos()) {
                    out.printf(Locale.ROOT, "timed out waiting for results: %d of %d arrived%n", results.size(), jobs);
                    break;
                }
            }
            printProgress((int) ((System.nanoTime() - start) / 1_000_000_000L), sent.get(), jobs, results);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        return new DemoSummary(scenario, jobs, ratePerSecond, results, latencyMs, duplicates, wall);
    }

    private void printProgress(int second, int sent, int jobs, Map<String, InferenceResult> results) {
        Map<ProviderKind, Integer> byProvider = new EnumMap<>(ProviderKind.class);
        int failed = 0;
        for (InferenceResult r : results.values()) {
            if (r.getSuccess()) {
                byProvider.merge(r.getProvider(), 1, Integer::sum);
            } else {
                failed++;
            }
        }
        out.printf(Locale.ROOT, "[%4ds] sent %d/%d  results %d (failed %d)  golem %d  modal %d  runpod %d%n",
                second, sent, jobs, results.size(), failed, byProvider.getOrDefault(ProviderKind.GOLEM, 0),
                byProvider.getOrDefault(ProviderKind.MODAL, 0), byProvider.getOrDefault(ProviderKind.RUNPOD, 0));
        out.flush();
    }

    private KafkaProducer<String, InferenceRequest> producer() {
        Properties props = new Properties();
        props.putAll(clientPassthrough);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "beacon-demo-runner");
        return new KafkaProducer<>(props, topics.requests().keySerde().serializer(),
                topics.requests().valueSerde().serializer());
    }

    private KafkaConsumer<String, InferenceResult> consumer() {
        Properties props = new Properties();
        props.putAll(clientPassthrough);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "beacon-demo-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, topics.results().keySerde().deserializer(),
                topics.results().valueSerde().deserializer());
    }
}
