package io.beacon.ops.lag;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The monitor's gauges, kept in step with each report: one set per group and one per partition, removed
 * when a group's partition disappears so the registry does not report partitions nobody consumes.
 */
final class LagMeters {

    static final String CONSUMER_LAG = "beacon.consumer.lag";
    static final String CONSUMER_LAG_SECONDS = "beacon.consumer.lag.seconds";
    static final String GROUP_STATUS = "beacon.consumer.group.status";
    static final String GROUP_LAG = "beacon.consumer.group.lag";
    static final String MONITOR_STALE = "beacon.lag.monitor.stale";

    /** A value a gauge reads; written by the polling thread, read by scrapes. */
    private static final class Cell {
        private volatile double value = Double.NaN;
    }

    private record Series(List<Cell> cells, List<Meter> meters) {
    }

    private final MeterRegistry registry;
    private final Map<String, Series> groups = new HashMap<>();
    private final Map<List<String>, Series> partitions = new HashMap<>();
    private final Cell stale = new Cell();
    private final Meter staleMeter;

    LagMeters(MeterRegistry registry) {
        this.registry = registry;
        this.staleMeter = Gauge.builder(MONITOR_STALE, stale, c -> c.value)
                .description("1 when the lag monitor's last poll failed and its figures are old, else 0")
                .strongReference(true).register(registry);
    }

    synchronized void update(LagReport report) {
        stale.value = report.stale() ? 1 : 0;
        Set<String> seenGroups = new HashSet<>();
        Set<List<String>> seenPartitions = new HashSet<>();
        for (GroupLag group : report.groups()) {
            seenGroups.add(group.group());
            Series series = groups.computeIfAbsent(group.group(), this::groupSeries);
            series.cells().get(0).value = group.status().code();
            series.cells().get(1).value = group.status() == LagStatus.UNKNOWN ? Double.NaN : group.totalLag();
            for (PartitionLag partition : group.partitions()) {
                List<String> key = List.of(group.group(), partition.topic(), Integer.toString(partition.partition()));
                seenPartitions.add(key);
                Series cells = partitions.computeIfAbsent(key, this::partitionSeries);
                cells.cells().get(0).value = partition.lag();
                cells.cells().get(1).value = partition.lagSeconds();
            }
        }
        removeAllBut(groups, seenGroups);
        removeAllBut(partitions, seenPartitions);
    }

    synchronized void close() {
        removeAllBut(groups, Set.of());
        removeAllBut(partitions, Set.of());
        registry.remove(staleMeter);
    }

    private Series groupSeries(String group) {
        Tags tags = Tags.of("group", group);
        Cell status = new Cell();
        Cell lag = new Cell();
        return new Series(List.of(status, lag), List.of(
                Gauge.builder(GROUP_STATUS, status, c -> c.value).tags(tags)
                        .description("Burrow-style status of the consumer group: 0 OK, 1 WARNING, 2 STALLED,"
                                + " 3 STOPPED, -1 unknown")
                        .strongReference(true).register(registry),
                Gauge.builder(GROUP_LAG, lag, c -> c.value).tags(tags)
                        .description("Sum of the consumer group's lag in offsets over its partitions")
                        .strongReference(true).register(registry)));
    }

    private Series partitionSeries(List<String> key) {
        Tags tags = Tags.of("group", key.get(0), "topic", key.get(1), "partition", key.get(2));
        Cell lag = new Cell();
        Cell seconds = new Cell();
        return new Series(List.of(lag, seconds), List.of(
                Gauge.builder(CONSUMER_LAG, lag, c -> c.value).tags(tags)
                        .description("Log end offset minus the group's committed offset")
                        .strongReference(true).register(registry),
                Gauge.builder(CONSUMER_LAG_SECONDS, seconds, c -> c.value).tags(tags)
                        .description("How long ago the log end stood at the group's committed offset, in seconds")
                        .strongReference(true).register(registry)));
    }

    private <K> void removeAllBut(Map<K, Series> series, Set<K> keep) {
        List<K> gone = new ArrayList<>();
        series.forEach((key, value) -> {
            if (!keep.contains(key)) {
                value.meters().forEach(registry::remove);
                gone.add(key);
            }
        });
        gone.forEach(series::remove);
    }
}
