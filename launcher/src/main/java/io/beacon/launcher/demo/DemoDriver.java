package io.beacon.launcher.demo;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.topics.Topics;
import io.beacon.launcher.console.Progress;
import io.beacon.launcher.console.ProgressReporter;
import io.beacon.launcher.cost.CostReconciler;
import io.beacon.launcher.cost.CostReconciliation;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Plays the runner: produces a job mix at a fixed rate to {@code inference-requests} and reads
 * {@code inference-results} (read_committed) until every job has its final result, reporting progress.
 * Latency is end to end: from handing the job to the producer to reading its result.
 *
 * <p>The results reader is a real consumer group ({@link #DEFAULT_RESULTS_GROUP} unless told otherwise)
 * that commits what it has read, as a runner's would: the router's {@code /lag} and the dashboard show it
 * like any other group on the cluster.
 */
public final class DemoDriver {

    /** The demo runner's results consumer group, the one {@code /lag} shows for it. */
    public static final String DEFAULT_RESULTS_GROUP = "beacon-demo-results";

    private final String bootstrapServers;
    private final Map<String, Object> clientPassthrough;
    private final Topics topics;
    private final String resultsGroup;
    private final PrintWriter out;

    /**
     * @param resultsGroup consumer group of the results reader; two demos reading the same cluster at once
     *                     need different groups, or each sees only its share of the partitions
     * @param out          where notices (a time-out) are printed
     */
    public DemoDriver(String bootstrapServers, Map<String, Object> clientPassthrough, Topics topics,
                      String resultsGroup, PrintWriter out) {
        this.bootstrapServers = bootstrapServers;
        this.clientPassthrough = clientPassthrough;
        this.topics = topics;
        this.resultsGroup = resultsGroup;
        this.out = out;
    }

    /**
     * @param resultTimeout how long to wait for the last result after the last job was sent
     * @param duringRun     called once a second with the seconds elapsed (scenarios inject faults here)
     * @param progress      shown the run's state after every poll; closed by the caller
     * @param costs         reads the cost ledger during the run (the progress line's cost) and reconciles it
     *                      with the providers' invoices at the end; null when there are no invoices to read
     *                      (the cost is then the attempts' share only, and the summary says so)
     */
    public DemoSummary run(String scenario, int jobs, double ratePerSecond, long seed, Duration resultTimeout,
                           java.util.function.IntConsumer duringRun, ProgressReporter progress,
                           CostReconciler costs) {
        return run(scenario, jobs, ratePerSecond, DemoSchedule.steady(seed, jobs, ratePerSecond), resultTimeout,
                duringRun, progress, costs);
    }

    /** The same, with the jobs and their sending times from {@code schedule} (benchmark runs, say). */
    public DemoSummary run(String scenario, int jobs, double ratePerSecond, DemoSchedule schedule,
                           Duration resultTimeout, java.util.function.IntConsumer duringRun, ProgressReporter progress,
                           CostReconciler costs) {
        return run(scenario, jobs, ratePerSecond, schedule, resultTimeout, duringRun, progress, costs, new FaultLog());
    }

    /**
     * The same, with the faults injected during the run (by {@code duringRun}, say) recorded in {@code faults}:
     * the summary gives each one's recovery time.
     */
    public DemoSummary run(String scenario, int jobs, double ratePerSecond, DemoSchedule schedule,
                           Duration resultTimeout, java.util.function.IntConsumer duringRun, ProgressReporter progress,
                           CostReconciler costs, FaultLog faults) {
        Map<String, Long> sentAtNanos = new ConcurrentHashMap<>();
        Map<String, Long> resultAtNanos = new HashMap<>();
        Map<String, Integer> resultCounts = new HashMap<>();
        Map<String, java.time.Instant> deadlines = new ConcurrentHashMap<>();
        Map<String, InferenceResult> results = new HashMap<>();
        Map<String, Long> latencyMs = new HashMap<>();
        AtomicInteger sent = new AtomicInteger();
        AtomicReference<Exception> sendError = new AtomicReference<>();
        int duplicates = 0;
        int deadlineMisses = 0;
        long start = System.nanoTime();

        try (KafkaConsumer<String, InferenceResult> consumer = consumer();
             KafkaProducer<String, InferenceRequest> producer = producer()) {
            consumer.subscribe(List.of(topics.results().name()));
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            // Resolve every position now, before the first job is sent, so no result can slip past: the
            // group's committed offset when it has one (an earlier run's results are skipped below),
            // else the end of the partition (auto.offset.reset=latest). Committed at once, so the group
            // shows in /lag from the start of the run.
            consumer.assignment().forEach(consumer::position);
            consumer.commitSync(positions(consumer));
            Thread sender = new Thread(() -> {
                for (int i = 0; i < jobs && sendError.get() == null; i++) {
                    long due = start + schedule.dueNanos(i);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    InferenceRequest job = schedule.job(i);
                    if (job.getDeadline() != null) {
                        deadlines.put(job.getJobId(), job.getDeadline());
                    }
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

            int lastSecond = -1;
            long sendDoneAt = 0;
            long settleUntil = 0;
            while (true) {
                ConsumerRecords<String, InferenceResult> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<String, InferenceResult> record : records) {
                    Long sentAt = sentAtNanos.get(record.key());
                    if (sentAt == null) {
                        continue; // a result of an earlier run on the same cluster
                    }
                    resultCounts.merge(record.key(), 1, Integer::sum);
                    if (results.putIfAbsent(record.key(), record.value()) != null) {
                        duplicates++;
                    } else {
                        long readAt = System.nanoTime();
                        resultAtNanos.put(record.key(), readAt);
                        latencyMs.put(record.key(), (readAt - sentAt) / 1_000_000);
                        java.time.Instant deadline = deadlines.get(record.key());
                        if (!record.value().getSuccess()
                                || deadline != null && java.time.Instant.now().isAfter(deadline)) {
                            deadlineMisses++;
                        }
                    }
                }
                if (!records.isEmpty()) {
                    // What was read is counted; a failed async commit is retried by the next one.
                    consumer.commitAsync();
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
                if (costs != null) {
                    costs.poll();
                }
                progress.update(progress(now - start, sent.get(), jobs, results, costs));
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
                    int arrived = results.size();
                    progress.above(() -> {
                        out.printf(Locale.ROOT, "timed out waiting for results: %d of %d arrived%n", arrived, jobs);
                        out.flush();
                    });
                    break;
                }
            }
            progress.update(progress(System.nanoTime() - start, sent.get(), jobs, results, costs));
            consumer.commitSync();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        CostReconciliation books = null;
        if (costs != null) {
            try {
                books = costs.reconcile(Duration.ofSeconds(15));
            } catch (IOException e) {
                progress.above(() -> {
                    out.println("could not read the providers' invoices: " + e.getMessage());
                    out.flush();
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Reliability reliability = Reliability.of(start, sentAtNanos, resultAtNanos, resultCounts, faults.faults());
        return new DemoSummary(scenario, jobs, ratePerSecond, results, latencyMs, duplicates, deadlineMisses, wall,
                books, reliability);
    }

    private static Progress progress(long elapsedNanos, int sent, int jobs, Map<String, InferenceResult> results,
                                     CostReconciler costs) {
        Map<ProviderKind, Integer> byProvider = new EnumMap<>(ProviderKind.class);
        int failed = 0;
        double costUsd = 0;
        for (InferenceResult r : results.values()) {
            costUsd += r.getCostEstimate();
            if (r.getSuccess()) {
                byProvider.merge(r.getProvider(), 1, Integer::sum);
            } else {
                failed++;
            }
        }
        // The ledger holds every billed second (idle capacity and failed calls too); without it, the
        // attempts' own shares are all there is to show.
        double spent = costs != null ? costs.accountedSoFarUsd() : costUsd;
        return new Progress(Duration.ofNanos(elapsedNanos), sent, jobs, results.size(), failed, byProvider, spent);
    }

    private static Map<TopicPartition, OffsetAndMetadata> positions(KafkaConsumer<?, ?> consumer) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            offsets.put(partition, new OffsetAndMetadata(consumer.position(partition)));
        }
        return offsets;
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
        props.put(ConsumerConfig.GROUP_ID_CONFIG, resultsGroup);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "beacon-demo-results");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, topics.results().keySerde().deserializer(),
                topics.results().valueSerde().deserializer());
    }
}
