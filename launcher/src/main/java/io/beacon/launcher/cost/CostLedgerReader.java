package io.beacon.launcher.cost;

import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the {@code cost-ledger} topic from its beginning and keeps the entries written by a set of workers:
 * what the pipeline accounted for the deployments those workers bill. {@link #accountedAt(Instant)} cuts the
 * ledger at an instant, so it can be set beside a provider's invoice read at that instant.
 *
 * <p>Not thread-safe: one thread polls and reads totals.
 */
public final class CostLedgerReader implements AutoCloseable {

    private final String bootstrapServers;
    private final Map<String, Object> clientPassthrough;
    private final Topics topics;
    private final Predicate<CostEntry> ours;
    private final KafkaConsumer<String, CostEntry> ledger;
    private final List<CostEntry> entries = new ArrayList<>();
    private double runningTotalUsd;

    /**
     * @param ours which entries count (e.g. those of the demo's own workers, on a cluster that may hold
     *             other runs' entries)
     */
    public CostLedgerReader(String bootstrapServers, Map<String, Object> clientPassthrough, Topics topics,
                            Predicate<CostEntry> ours) {
        this.bootstrapServers = bootstrapServers;
        this.clientPassthrough = Map.copyOf(clientPassthrough);
        this.topics = topics;
        this.ours = ours;
        this.ledger = new KafkaConsumer<>(properties("beacon-cost-ledger-reader"),
                topics.costLedger().keySerde().deserializer(), topics.costLedger().valueSerde().deserializer());
        List<TopicPartition> partitions = partitions(ledger, topics.costLedger().name());
        ledger.assign(partitions);
        ledger.seekToBeginning(partitions);
    }

    /** Entries written by the workers named. */
    public static Predicate<CostEntry> byWorkers(Set<String> workerIds) {
        return entry -> workerIds.contains(entry.getWorkerId());
    }

    /** Reads what has arrived, waiting at most {@code wait}. */
    public void poll(Duration wait) {
        for (ConsumerRecord<String, CostEntry> record : ledger.poll(wait)) {
            CostEntry entry = record.value();
            if (entry != null && ours.test(entry)) {
                entries.add(entry);
                runningTotalUsd += entry.getAmountUsd();
            }
        }
    }

    /** Reads until the end offsets as they are now, or until {@code timeout}. */
    public void catchUp(Duration timeout) {
        Map<TopicPartition, Long> end = ledger.endOffsets(ledger.assignment());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean done = true;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                if (ledger.position(e.getKey()) < e.getValue()) {
                    done = false;
                    break;
                }
            }
            if (done) {
                return;
            }
            poll(Duration.ofMillis(100));
        }
    }

    /** Every entry read so far, summed. */
    public double totalUsd() {
        return runningTotalUsd;
    }

    /**
     * What the ledger holds for the time up to {@code at}: entries that ended by then in full, an entry
     * spanning {@code at} pro rata (exact for idle entries, which are billed at a constant rate over their
     * period), later ones not at all.
     */
    public CostTotals accountedAt(Instant at) {
        CostTotals.Builder totals = CostTotals.builder();
        long cut = at.toEpochMilli();
        for (CostEntry entry : entries) {
            long start = entry.getPeriodStart().toEpochMilli();
            long end = entry.getPeriodEnd().toEpochMilli();
            double share;
            if (end <= cut) {
                share = 1.0;
            } else if (start >= cut) {
                share = 0.0;
            } else {
                share = (double) (cut - start) / (end - start);
            }
            if (share > 0) {
                totals.add(entry.getProvider(), entry.getKind(), entry.getAmountUsd() * share);
            }
        }
        return totals.build();
    }

    /**
     * Waits until every deployment in {@code deploymentIds} has a heartbeat saying its ledger is complete up
     * to {@code at} ({@code ProviderStatus.accounted_through}), then reads the ledger to its end.
     *
     * @return the deployments still behind when {@code timeout} ran out (empty when all caught up)
     */
    public Set<String> awaitAccountedThrough(Instant at, Set<String> deploymentIds, Duration timeout) {
        Map<String, Instant> through = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, ProviderStatus> status = new KafkaConsumer<>(
                properties("beacon-cost-status-reader"),
                topics.status().keySerde().deserializer(), topics.status().valueSerde().deserializer())) {
            List<TopicPartition> partitions = partitions(status, topics.status().name());
            status.assign(partitions);
            status.seekToBeginning(partitions);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, ProviderStatus> record : status.poll(Duration.ofMillis(100))) {
                    ProviderStatus s = record.value();
                    if (s != null && s.getAccountedThrough() != null) {
                        through.merge(s.getDeploymentId(), s.getAccountedThrough(),
                                (a, b) -> a.isAfter(b) ? a : b);
                    }
                }
                if (behind(deploymentIds, through, at).isEmpty()) {
                    break;
                }
            }
        }
        catchUp(Duration.ofSeconds(10));
        return behind(deploymentIds, through, at);
    }

    private static Set<String> behind(Set<String> ids, Map<String, Instant> through, Instant at) {
        Set<String> out = new java.util.TreeSet<>();
        for (String id : ids) {
            Instant t = through.get(id);
            if (t == null || t.isBefore(at)) {
                out.add(id);
            }
        }
        return out;
    }

    @Override
    public void close() {
        ledger.close(Duration.ofSeconds(2));
    }

    private Properties properties(String clientId) {
        Properties props = new Properties();
        props.putAll(clientPassthrough);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return props;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            out.add(new TopicPartition(topic, info.partition()));
        }
        return out;
    }

    /** Money per provider kind and cost kind. */
    public record CostTotals(Map<ProviderKind, Map<CostKind, Double>> byProvider) {

        public double totalUsd() {
            return byProvider.values().stream().flatMap(m -> m.values().stream()).mapToDouble(Double::doubleValue).sum();
        }

        public double usd(ProviderKind provider) {
            return byProvider.getOrDefault(provider, Map.of()).values().stream().mapToDouble(Double::doubleValue).sum();
        }

        public double usd(CostKind kind) {
            return byProvider.values().stream().mapToDouble(m -> m.getOrDefault(kind, 0.0)).sum();
        }

        static Builder builder() {
            return new Builder();
        }

        static final class Builder {
            private final Map<ProviderKind, Map<CostKind, Double>> sums = new EnumMap<>(ProviderKind.class);

            void add(ProviderKind provider, CostKind kind, double usd) {
                sums.computeIfAbsent(provider, p -> new EnumMap<>(CostKind.class)).merge(kind, usd, Double::sum);
            }

            CostTotals build() {
                Map<ProviderKind, Map<CostKind, Double>> copy = new EnumMap<>(ProviderKind.class);
                sums.forEach((p, m) -> copy.put(p, Map.copyOf(m)));
                return new CostTotals(copy);
            }
        }
    }
}
