package io.beacon.ops.lag;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches consumer groups' lag: every poll it reads each group's committed offsets and its partitions' end
 * offsets, and derives per partition the lag in offsets, the lag in seconds (interpolated from a history of
 * end offsets, see {@link EndOffsetHistory}) and a Burrow-style status from a sliding window of observations
 * (see {@link PartitionWindow}); a group's status is the worst of its partitions'.
 *
 * <p>It watches the groups it is given by id (reported even before they exist, as UNKNOWN) and, when told to
 * discover groups, every consumer and streams group the cluster lists whose id passes a {@link GroupFilter},
 * listed anew at each poll: a group that leaves the listing leaves the report and its gauges are removed.
 * Each group carries a role hint ({@link GroupRole}): what the pipeline named it, else {@code other}.
 *
 * <p>It serves the router's backlog check ({@link #group}), {@code GET /lag} ({@link #report}) and, when given
 * a registry, the gauges {@code beacon_consumer_lag}, {@code beacon_consumer_lag_seconds},
 * {@code beacon_consumer_group_status}, {@code beacon_consumer_group_lag} and {@code beacon_lag_monitor_stale}.
 *
 * <p>Polling runs on one daemon thread after {@link #start()}. A failed poll keeps the previous figures,
 * marks the report stale and is logged once (then again when polls succeed); it never stops the schedule.
 */
public final class LagMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagMonitor.class);

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    /** Observations per partition in the status window. */
    public static final int DEFAULT_WINDOW = 10;
    /** End-offset readings kept per partition for the lag in seconds (10 minutes at the default interval). */
    public static final int DEFAULT_END_OFFSET_HISTORY = 120;
    /** How far back each group's {@link GroupLag#history()} reaches. */
    public static final Duration DEFAULT_REPORT_HISTORY = Duration.ofMinutes(15);

    private static final int MAX_REPORT_HISTORY_POINTS = 2_000;

    private final OffsetSource source;
    /** Group ids watched whatever the cluster lists, with their roles. */
    private final Map<String, String> groups;
    private final Optional<GroupFilter> discovery;
    private final Duration pollInterval;
    private final int window;
    private final int endOffsetHistory;
    private final Duration reportHistory;
    private final int reportHistoryPoints;
    private final Clock clock;
    private final LagMeters meters;

    private final Object pollLock = new Object();
    private final Map<TopicPartition, EndOffsetHistory> endOffsets = new HashMap<>();
    private final Map<String, Map<TopicPartition, PartitionWindow>> windows = new HashMap<>();
    private final Map<String, Deque<LagPoint>> histories = new HashMap<>();
    private final List<Consumer<LagReport>> listeners = new CopyOnWriteArrayList<>();
    private volatile LagReport report;
    private boolean failing;
    private ScheduledExecutorService scheduler;
    private volatile boolean closed;

    private LagMonitor(Builder builder) {
        this.source = builder.source;
        this.groups = Map.copyOf(builder.groups);
        this.discovery = Optional.ofNullable(builder.discovery);
        this.pollInterval = builder.pollInterval;
        this.window = builder.window;
        this.endOffsetHistory = builder.endOffsetHistory;
        this.reportHistory = builder.reportHistory;
        this.reportHistoryPoints = (int) Math.min(MAX_REPORT_HISTORY_POINTS,
                reportHistory.toMillis() / Math.max(1, pollInterval.toMillis()) + 1);
        this.clock = builder.clock;
        this.meters = builder.registry == null ? null : new LagMeters(builder.registry);
        List<GroupLag> unknown = new TreeSet<>(groups.keySet()).stream()
                .map(g -> GroupLag.unknown(g, roleOf(g), List.of())).toList();
        this.report = new LagReport(clock.instant(), true, pollInterval, unknown);
        if (meters != null) {
            meters.update(report);
        }
    }

    /** Watches groups through {@code admin}, which stays the caller's to close. */
    public static Builder builder(Admin admin) {
        return new Builder(new AdminOffsetSource(admin, AdminOffsetSource.DEFAULT_TIMEOUT));
    }

    /** Watches groups through {@code source}; the monitor closes it when it closes. */
    public static Builder builder(OffsetSource source) {
        return new Builder(source);
    }

    /** Polls now and then every poll interval on a daemon thread. Calling it again does nothing. */
    public LagMonitor start() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the lag monitor is closed");
            }
            if (scheduler == null) {
                scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "beacon-lag-monitor");
                    thread.setDaemon(true);
                    return thread;
                });
                scheduler.scheduleWithFixedDelay(this::pollOnSchedule, 0, pollInterval.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
        return this;
    }

    /**
     * Reads offsets once, now, on the calling thread, and returns the new report (the previous one marked
     * stale if reading failed). The scheduled polls call this; tests and tools may too. After
     * {@link #close()} it reads nothing and returns the last report.
     */
    public LagReport poll() {
        LagReport next;
        synchronized (pollLock) {
            if (closed) {
                return report;
            }
            try {
                next = read();
                if (failing) {
                    LOG.info("lag monitor reads consumer group offsets again");
                    failing = false;
                }
            } catch (RuntimeException e) {
                next = report.markedStale();
                if (closed) {
                    LOG.debug("lag monitor poll ended by closing: {}", e.toString());
                } else if (!failing) {
                    LOG.warn("cannot read consumer group offsets; keeping the figures of {} and retrying every {} ms:"
                            + " {}", next.generatedAt(), pollInterval.toMillis(), e.toString());
                    failing = true;
                } else {
                    LOG.debug("still cannot read consumer group offsets: {}", e.toString());
                }
            }
            report = next;
            if (meters != null) {
                meters.update(next);
            }
        }
        for (Consumer<LagReport> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("a lag report listener failed: {}", e.toString());
            }
        }
        return next;
    }

    /** The latest report; before the first poll every explicit group is UNKNOWN and the report is stale. */
    public LagReport report() {
        return report;
    }

    /** The latest figures of {@code groupId}, empty when it is not watched. */
    public Optional<GroupLag> group(String groupId) {
        return report.group(groupId);
    }

    /** Calls {@code listener} with every new report, on the polling thread; it should return quickly. */
    public void addListener(Consumer<LagReport> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    /** Stops polling, removes the gauges and closes the offset source. */
    @Override
    public void close() {
        ScheduledExecutorService running;
        // Not under the poll lock: a poll waiting on the cluster holds it, and closing interrupts that poll.
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = scheduler;
        }
        if (running != null) {
            running.shutdownNow();
            try {
                if (!running.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("the lag monitor's poll did not finish within 10 s of closing");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (pollLock) {
            if (meters != null) {
                meters.close();
            }
            source.close();
        }
    }

    private void pollOnSchedule() {
        try {
            poll();
        } catch (RuntimeException e) {
            // poll() already keeps the last report; this only keeps the schedule alive.
            LOG.warn("lag monitor poll failed: {}", e.toString());
        }
    }

    private LagReport read() {
        Map<String, GroupKind> watched = new TreeMap<>();
        groups.keySet().forEach(id -> watched.put(id, GroupKind.CONSUMER));
        // The named groups are watched whatever the filter says (the backlog check needs the worker groups);
        // the listing still tells their kind.
        discovery.ifPresent(filter -> source.listGroups().forEach((id, kind) -> {
            if (groups.containsKey(id) || filter.matches(id)) {
                watched.put(id, kind);
            }
        }));
        Set<String> groupIds = watched.keySet();
        Map<String, GroupOffsets> offsets = source.groupOffsets(watched);
        Set<TopicPartition> partitions = new HashSet<>();
        offsets.values().forEach(group -> {
            partitions.addAll(group.committed().keySet());
            partitions.addAll(group.unstarted().keySet());
        });
        Map<TopicPartition, Long> ends = source.endOffsets(partitions);
        // The end offsets were read just now: this instant dates them.
        Instant now = clock.instant();

        ends.forEach((partition, end) -> endOffsets.computeIfAbsent(partition,
                p -> new EndOffsetHistory(endOffsetHistory)).record(end, now));
        endOffsets.keySet().retainAll(ends.keySet());

        List<GroupLag> result = new ArrayList<>(groupIds.size());
        for (String groupId : groupIds) {
            GroupOffsets group = offsets.get(groupId);
            result.add(group == null ? unknown(groupId) : evaluate(group, ends, now));
        }
        windows.keySet().retainAll(groupIds);
        histories.keySet().retainAll(groupIds);
        return new LagReport(now, false, pollInterval, result);
    }

    private GroupLag unknown(String groupId) {
        windows.remove(groupId);
        Deque<LagPoint> history = histories.get(groupId);
        return GroupLag.unknown(groupId, roleOf(groupId), history == null ? List.of() : List.copyOf(history));
    }

    private String roleOf(String groupId) {
        return groups.getOrDefault(groupId, GroupRole.OTHER);
    }

    private GroupLag evaluate(GroupOffsets group, Map<TopicPartition, Long> ends, Instant now) {
        Map<TopicPartition, PartitionWindow> groupWindows = windows.computeIfAbsent(group.groupId(),
                g -> new HashMap<>());
        // Partitions the group committed on, plus those a member holds without a first commit yet.
        Map<TopicPartition, Long> positions = new HashMap<>(group.unstarted());
        positions.putAll(group.committed());
        List<TopicPartition> committed = positions.keySet().stream().filter(ends::containsKey)
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .toList();
        groupWindows.keySet().retainAll(committed);
        if (committed.isEmpty()) {
            return unknown(group.groupId());
        }
        List<PartitionLag> partitions = new ArrayList<>(committed.size());
        LagStatus status = LagStatus.UNKNOWN;
        long totalLag = 0;
        double maxLagSeconds = 0.0;
        for (TopicPartition partition : committed) {
            long position = positions.get(partition);
            long end = ends.get(partition);
            long lag = Math.max(0, end - position);
            LagEstimate estimate = lag == 0 ? LagEstimate.CAUGHT_UP : endOffsets.get(partition).estimate(position, now);
            PartitionWindow partitionWindow = groupWindows.computeIfAbsent(partition, p -> new PartitionWindow(window));
            partitionWindow.add(new PartitionWindow.Observation(now, position, lag));
            LagStatus partitionStatus = partitionWindow.status(group.membership());
            partitions.add(new PartitionLag(partition.topic(), partition.partition(), position, end, lag,
                    estimate.seconds(), estimate.lowerBound(), partitionStatus,
                    group.committed().containsKey(partition)));
            status = status.worse(partitionStatus);
            totalLag += lag;
            maxLagSeconds = Math.max(maxLagSeconds, estimate.seconds());
        }
        Deque<LagPoint> history = histories.computeIfAbsent(group.groupId(), g -> new ArrayDeque<>());
        history.addLast(new LagPoint(now, totalLag, maxLagSeconds));
        Instant horizon = now.minus(reportHistory);
        while (history.size() > reportHistoryPoints || history.getFirst().at().isBefore(horizon)) {
            history.removeFirst();
        }
        return new GroupLag(group.groupId(), roleOf(group.groupId()), status, totalLag, maxLagSeconds, partitions,
                List.copyOf(history));
    }

    /** Settings of a {@link LagMonitor}; only the groups (or discovery) are required. */
    public static final class Builder {

        private final OffsetSource source;
        private final Map<String, String> groups = new LinkedHashMap<>();
        private GroupFilter discovery;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private int window = DEFAULT_WINDOW;
        private int endOffsetHistory = DEFAULT_END_OFFSET_HISTORY;
        private Duration reportHistory = DEFAULT_REPORT_HISTORY;
        private Clock clock = Clock.systemUTC();
        private MeterRegistry registry;

        private Builder(OffsetSource source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /** Group ids to watch, reported (as UNKNOWN) even before they exist. */
        public Builder groups(Collection<String> groupIds) {
            groupIds.forEach(this::group);
            return this;
        }

        /** A group to watch, reported (as UNKNOWN) even before it exists, with the role {@code other}. */
        public Builder group(String groupId) {
            return group(groupId, GroupRole.OTHER);
        }

        /**
         * A group to watch, reported (as UNKNOWN) even before it exists, and watched whatever the discovery
         * filter says; {@code role} is the hint the report carries (see {@link GroupRole}).
         */
        public Builder group(String groupId, String role) {
            if (groupId == null || groupId.isBlank()) {
                throw new IllegalArgumentException("a watched group id must not be blank");
            }
            if (role == null || role.isBlank()) {
                throw new IllegalArgumentException("the role of group " + groupId + " must not be blank");
            }
            groups.put(groupId, role);
            return this;
        }

        /**
         * Also watches every consumer and streams group the cluster lists whose id passes {@code filter}, listed
         * anew at each poll ({@link GroupFilter#ALL} for every group).
         */
        public Builder discover(GroupFilter filter) {
            this.discovery = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /** Also watches every group whose id starts with {@code prefix}: {@code discover(GroupFilter.prefix(...))}. */
        public Builder groupPrefix(String prefix) {
            return discover(GroupFilter.prefix(prefix));
        }

        public Builder pollInterval(Duration pollInterval) {
            if (pollInterval.toMillis() < 1) {
                throw new IllegalArgumentException("poll interval must be at least 1 ms, was " + pollInterval);
            }
            this.pollInterval = pollInterval;
            return this;
        }

        /** Observations per partition in the status window (at least 2). */
        public Builder window(int observations) {
            if (observations < 2) {
                throw new IllegalArgumentException("the status window needs at least 2 observations, was "
                        + observations);
            }
            this.window = observations;
            return this;
        }

        /** End-offset readings kept per partition to estimate lag in seconds (at least 2). */
        public Builder endOffsetHistory(int readings) {
            if (readings < 2) {
                throw new IllegalArgumentException("the end-offset history needs at least 2 readings, was "
                        + readings);
            }
            this.endOffsetHistory = readings;
            return this;
        }

        /** How far back each group's history in the report reaches. */
        public Builder reportHistory(Duration reportHistory) {
            if (reportHistory.isNegative()) {
                throw new IllegalArgumentException("report history must not be negative, was " + reportHistory);
            }
            this.reportHistory = reportHistory;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Registers the lag gauges in {@code registry}. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        public LagMonitor build() {
            if (groups.isEmpty() && discovery == null) {
                throw new IllegalStateException("a lag monitor needs groups to watch: give group ids or discover them");
            }
            return new LagMonitor(this);
        }
    }
}
