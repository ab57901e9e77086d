package io.beacon.launcher;

import io.beacon.schemas.avro.InferenceResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prints final results from {@code inference-results} as JSON lines, read_committed (so only results
 * whose router transaction committed, exactly one per job), from every partition, without a consumer
 * group (nothing is committed; running it changes nothing).
 */
@Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print final results from inference-results as JSON lines.",
                "Without --follow: every result on the topic now, then exit. With --follow: results from now on"
                        + " (or from the beginning with --from-beginning) until Ctrl-C or --limit."})
final class ResultsCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Option(names = "--follow", description = "Keep printing new results as they arrive.")
    boolean follow;

    @Option(names = "--from-beginning", description = "With --follow: start at the oldest result kept on the topic.")
    boolean fromBeginning;

    @Option(names = "--job", paramLabel = "ID", split = ",", description = "Only these job ids (repeatable).")
    List<String> jobs;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "Stop after N results (default ${DEFAULT-VALUE}: no limit).")
    int limit;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Without --follow: longest time to read up to the end (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (limit < 0 || timeoutSeconds < 1) {
            throw new IllegalArgumentException("--limit must not be negative and --timeout must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        Set<String> wanted = jobs == null ? Set.of() : new HashSet<>(jobs);
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(1);
        try (RunnerClients clients = RunnerClients.connect(config);
             KafkaConsumer<String, byte[]> consumer = clients.resultsReader("beacon-results")) {
            String topic = clients.topics().results().name();
            Deserializer<InferenceResult> values = clients.topics().results().valueSerde().deserializer();
            List<TopicPartition> partitions = RunnerClients.partitions(consumer, topic);
            consumer.assign(partitions);
            if (follow && !fromBeginning) {
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
            } else {
                consumer.seekToBeginning(partitions);
            }
            Map<TopicPartition, Long> end = follow ? Map.of() : consumer.endOffsets(partitions);
            Thread hook = new Thread(() -> {
                running.set(false);
                consumer.wakeup();
                try {
                    done.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "beacon-results-stop");
            if (follow) {
                Runtime.getRuntime().addShutdownHook(hook);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            int printed = 0;
            try {
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        if (!wanted.isEmpty() && !wanted.contains(record.key())) {
                            continue;
                        }
                        try {
                            out.println(ResultLines.text(ResultLines.of(values.deserialize(topic, record.headers(),
                                    record.value()))));
                        } catch (RuntimeException e) {
                            spec.commandLine().getErr().printf("%s-%d@%d (key %s) cannot be decoded: %s%n", topic,
                                    record.partition(), record.offset(), record.key(), e.getMessage());
                            continue;
                        }
                        printed++;
                        if (limit > 0 && printed >= limit) {
                            running.set(false);
                            break;
                        }
                    }
                    out.flush();
                    if (!follow && caughtUp(consumer, end)) {
                        break;
                    }
                    if (!follow && System.nanoTime() - deadline > 0) {
                        spec.commandLine().getErr().println("stopped after " + timeoutSeconds
                                + " s before reaching the end of " + topic);
                        return 1;
                    }
                }
            } catch (WakeupException e) {
                // Ctrl-C
            } finally {
                done.countDown();
                if (follow) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running: it stopped us
                    }
                }
            }
        }
        return 0;
    }

    /** True when every partition's position has reached the end it had when we started. */
    static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
    }
}
