package io.beacon.ops.lag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.beacon.testsupport.MutableClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class LagMonitorTest {

    private static final String GROUP = "beacon-worker-golem";
    private static final String TOPIC = "provider-jobs.golem";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ScriptedOffsetSource source = new ScriptedOffsetSource();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private LagMonitor.Builder monitor() {
        return LagMonitor.builder(source).group(GROUP).clock(clock).meterRegistry(registry)
                .pollInterval(Duration.ofSeconds(5)).window(3);
    }

    @Test
    void shouldReportLagInOffsetsAndSecondsPerPartition() {
        try (LagMonitor monitor = monitor().build()) {
            // Given the log grows by 100 records every 5 s while the group commits 40 per 5 s on partition 0
            source.commit(GROUP, TOPIC, 0, 0).commit(GROUP, TOPIC, 1, 0).end(TOPIC, 0, 0).end(TOPIC, 1, 0);
            monitor.poll();
            for (int step = 1; step <= 3; step++) {
                clock.advance(Duration.ofSeconds(5));
                source.end(TOPIC, 0, 100L * step).commit(GROUP, TOPIC, 0, 40L * step).end(TOPIC, 1, 7L * step)
                        .commit(GROUP, TOPIC, 1, 7L * step);
                monitor.poll();
            }

            // When
            GroupLag group = monitor.group(GROUP).orElseThrow();

            // Then partition 0 is at 120 of 300: the end was at 120 at t=6 s, 9 s ago
            PartitionLag p0 = group.partitions().get(0);
            assertThat(p0.topic()).isEqualTo(TOPIC);
            assertThat(p0.partition()).isZero();
            assertThat(p0.committedOffset()).isEqualTo(120);
            assertThat(p0.endOffset()).isEqualTo(300);
            assertThat(p0.lag()).isEqualTo(180);
            assertThat(p0.lagSeconds()).isCloseTo(9.0, within(1e-6));
            assertThat(p0.lagSecondsLowerBound()).isFalse();
            assertThat(p0.status()).isEqualTo(LagStatus.WARNING);
            // and partition 1 is caught up
            PartitionLag p1 = group.partitions().get(1);
            assertThat(p1.lag()).isZero();
            assertThat(p1.lagSeconds()).isZero();
            assertThat(p1.status()).isEqualTo(LagStatus.OK);
            assertThat(group.totalLag()).isEqualTo(180);
            assertThat(group.maxLagSeconds()).isCloseTo(9.0, within(1e-6));
            assertThat(group.status()).isEqualTo(LagStatus.WARNING);
            assertThat(monitor.report().stale()).isFalse();
            assertThat(monitor.report().generatedAt()).isEqualTo(clock.instant());
        }
    }

    @Test
    void shouldReportAWatchedGroupAsUnknownUntilItCommits() {
        try (LagMonitor monitor = monitor().build()) {
            // Given / When nothing was polled yet
            assertThat(monitor.report().stale()).isTrue();
            assertThat(monitor.group(GROUP).orElseThrow().status()).isEqualTo(LagStatus.UNKNOWN);

            // When the first poll finds no group
            monitor.poll();

            // Then
            GroupLag group = monitor.group(GROUP).orElseThrow();
            assertThat(group.status()).isEqualTo(LagStatus.UNKNOWN);
            assertThat(group.partitions()).isEmpty();
            assertThat(monitor.report().stale()).isFalse();
            assertThat(registry.get("beacon.consumer.group.status").tag("group", GROUP).gauge().value()).isEqualTo(-1);
            assertThat(monitor.group("someone-else")).isEmpty();
        }
    }

    @Test
    void shouldCountLagFromTheLogStartOnAPartitionAMemberHoldsWithoutEverCommitting() {
        try (LagMonitor monitor = monitor().build()) {
            // Given a member that took partition 0 from the log start (0) and never committed, while jobs arrive
            source.assignedWithoutCommit(GROUP, TOPIC, 0, 0).end(TOPIC, 0, 5);
            monitor.poll();
            for (int step = 1; step <= 3; step++) {
                clock.advance(Duration.ofSeconds(5));
                source.end(TOPIC, 0, 5 + step);
                monitor.poll();
            }

            // Then its lag counts from the log start and the group is STALLED, not UNKNOWN
            GroupLag group = monitor.group(GROUP).orElseThrow();
            PartitionLag p0 = group.partitions().get(0);
            assertThat(p0.committed()).isFalse();
            assertThat(p0.committedOffset()).isZero();
            assertThat(p0.lag()).isEqualTo(8);
            assertThat(p0.lagSeconds()).isGreaterThanOrEqualTo(15.0);
            assertThat(group.status()).isEqualTo(LagStatus.STALLED);
            assertThat(LagReportJson.toJson(monitor.report()).get("groups").get(0).get("partitions").get(0)
                    .get("committed_offset").isNull()).isTrue();
        }
    }

    @Test
    void shouldAlsoWatchEveryGroupWithTheGivenPrefix() {
        // Given
        source.commit("beacon-worker-modal", "provider-jobs.modal", 0, 5).end("provider-jobs.modal", 0, 5);
        source.commit("unrelated", "other", 0, 1).end("other", 0, 3);
        try (LagMonitor monitor = LagMonitor.builder(source).group("beacon-router").groupPrefix("beacon-worker-")
                .clock(clock).build()) {

            // When
            LagReport report = monitor.poll();

            // Then
            assertThat(report.groups()).extracting(GroupLag::group)
                    .containsExactly("beacon-router", "beacon-worker-modal");
            assertThat(report.group("beacon-worker-modal").orElseThrow().status()).isEqualTo(LagStatus.OK);
        }
    }

    @Test
    void shouldWatchEveryGroupOnTheClusterWithItsRoleWhenDiscoveringAll() {
        // Given the pipeline's groups and a runner's results consumer, 30 records behind
        source.commit("beacon-router", "inference-requests", 0, 5).end("inference-requests", 0, 5);
        source.commit(GROUP, TOPIC, 0, 8).end(TOPIC, 0, 8);
        source.commit("runner-results", "inference-results", 0, 70).end("inference-results", 0, 100);
        try (LagMonitor monitor = LagMonitor.builder(source).group("beacon-router", GroupRole.ROUTER)
                .group(GROUP, GroupRole.worker("golem")).group("beacon-worker-modal", GroupRole.worker("modal"))
                .discover(GroupFilter.ALL).clock(clock).meterRegistry(registry).build()) {

            // When
            LagReport report = monitor.poll();

            // Then every group is reported, the named ones (even before they exist) with their roles
            assertThat(report.groups()).extracting(GroupLag::group, GroupLag::role).containsExactly(
                    tuple("beacon-router", "router"), tuple(GROUP, "worker:golem"),
                    tuple("beacon-worker-modal", "worker:modal"), tuple("runner-results", "other"));
            GroupLag runner = report.group("runner-results").orElseThrow();
            assertThat(runner.totalLag()).isEqualTo(30);
            assertThat(runner.status()).isEqualTo(LagStatus.OK);
            assertThat(registry.get("beacon.consumer.lag")
                    .tags("group", "runner-results", "topic", "inference-results", "partition", "0").gauge().value())
                    .isEqualTo(30.0);
            assertThat(registry.get("beacon.consumer.group.status").tag("group", "runner-results").gauge().value())
                    .isZero();
        }
    }

    @Test
    void shouldHideTheGroupsTheFilterExcludesButNeverANamedGroup() {
        // Given
        source.commit(GROUP, TOPIC, 0, 8).end(TOPIC, 0, 9);
        source.commit("runner-results", "inference-results", 0, 70).end("inference-results", 0, 100);
        source.commit("console-consumer-4711", "inference-results", 0, 1);
        source.commit("audit", "inference-results", 0, 100);
        try (LagMonitor monitor = LagMonitor.builder(source).group(GROUP, GroupRole.worker("golem"))
                .discover(GroupFilter.of("runner-.*|console-.*|beacon-.*", "console-consumer-.*|beacon-worker-.*"))
                .clock(clock).meterRegistry(registry).build()) {

            // When
            LagReport report = monitor.poll();

            // Then the include pattern leaves out "audit", the exclude pattern the console consumer, while the
            // named worker group stays although the exclude pattern matches it
            assertThat(report.groups()).extracting(GroupLag::group).containsExactly(GROUP, "runner-results");
            assertThat(registry.find("beacon.consumer.group.status").tag("group", "console-consumer-4711").gauge())
                    .isNull();
        }
    }

    @Test
    void shouldStopReportingADiscoveredGroupOnceTheClusterNoLongerListsIt() {
        try (LagMonitor monitor = LagMonitor.builder(source).group(GROUP).discover(GroupFilter.ALL).clock(clock)
                .meterRegistry(registry).build()) {
            // Given a runner's group reported for a while
            source.commit(GROUP, TOPIC, 0, 8).end(TOPIC, 0, 8);
            source.commit("runner-results", "inference-results", 0, 70).end("inference-results", 0, 100);
            monitor.poll();
            clock.advance(Duration.ofSeconds(5));
            assertThat(monitor.poll().group("runner-results").orElseThrow().history()).hasSize(2);

            // When the group is deleted
            source.delete("runner-results");
            LagReport report = monitor.poll();

            // Then it leaves the report and its gauges go, while the named group stays
            assertThat(report.groups()).extracting(GroupLag::group).containsExactly(GROUP);
            assertThat(registry.find("beacon.consumer.lag").tag("group", "runner-results").gauges()).isEmpty();
            assertThat(registry.find("beacon.consumer.group.status").tag("group", "runner-results").gauge()).isNull();

            // And when a group of that name comes back, it starts afresh
            source.commit("runner-results", "inference-results", 0, 100);
            clock.advance(Duration.ofSeconds(5));
            assertThat(monitor.poll().group("runner-results").orElseThrow().history()).hasSize(1);
        }
    }

    @Test
    void shouldReadAStreamsGroupAsTheKindTheClusterListsIt() {
        // Given a named group the cluster lists as a streams group, and one it does not list yet
        source.commit("beacon-router", "inference-requests", 0, 5).end("inference-requests", 0, 6)
                .streams("beacon-router");
        try (LagMonitor monitor = LagMonitor.builder(source).group("beacon-router", GroupRole.ROUTER).group(GROUP)
                .discover(GroupFilter.ALL).clock(clock).build()) {

            // When
            LagReport report = monitor.poll();

            // Then
            assertThat(source.lastAsked()).containsExactlyInAnyOrderEntriesOf(
                    Map.of("beacon-router", GroupKind.STREAMS, GROUP, GroupKind.CONSUMER));
            assertThat(report.group("beacon-router").orElseThrow().totalLag()).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepTheLastFiguresAndMarkThemStaleWhileTheClusterIsUnreachable() {
        try (LagMonitor monitor = monitor().build()) {
            // Given one good poll
            source.commit(GROUP, TOPIC, 0, 10).end(TOPIC, 0, 25);
            LagReport good = monitor.poll();

            // When the cluster goes away for two polls
            source.unreachable(true);
            clock.advance(Duration.ofSeconds(5));
            monitor.poll();
            clock.advance(Duration.ofSeconds(5));
            LagReport failed = monitor.poll();

            // Then the figures are the last good ones, marked stale
            assertThat(failed.stale()).isTrue();
            assertThat(failed.generatedAt()).isEqualTo(good.generatedAt());
            assertThat(failed.groups()).isEqualTo(good.groups());
            assertThat(registry.get("beacon.lag.monitor.stale").gauge().value()).isEqualTo(1.0);

            // And when it is back, polls are fresh again
            source.unreachable(false);
            LagReport back = monitor.poll();
            assertThat(back.stale()).isFalse();
            assertThat(back.generatedAt()).isEqualTo(clock.instant());
            assertThat(registry.get("beacon.lag.monitor.stale").gauge().value()).isZero();
        }
    }

    @Test
    void shouldPublishGaugesAndRemoveThemWhenAPartitionIsGone() {
        try (LagMonitor monitor = monitor().build()) {
            // Given
            source.commit(GROUP, TOPIC, 0, 10).end(TOPIC, 0, 25).commit(GROUP, TOPIC, 1, 3).end(TOPIC, 1, 3);
            monitor.poll();
            clock.advance(Duration.ofSeconds(4));
            source.end(TOPIC, 0, 35);
            monitor.poll();

            // Then
            assertThat(registry.get("beacon.consumer.lag").tags("group", GROUP, "topic", TOPIC, "partition", "0")
                    .gauge().value()).isEqualTo(25.0);
            assertThat(registry.get("beacon.consumer.lag.seconds")
                    .tags("group", GROUP, "topic", TOPIC, "partition", "0").gauge().value()).isEqualTo(4.0);
            assertThat(registry.get("beacon.consumer.group.lag").tag("group", GROUP).gauge().value()).isEqualTo(25.0);
            assertThat(registry.get("beacon.consumer.group.status").tag("group", GROUP).gauge().value()).isZero();

            // When partition 1 disappears
            source.forget(TOPIC, 1);
            monitor.poll();

            // Then its gauges are removed
            assertThat(registry.find("beacon.consumer.lag").tag("partition", "1").gauge()).isNull();
            assertThat(registry.find("beacon.consumer.lag").tag("partition", "0").gauge()).isNotNull();
        }
        // And closing the monitor removes the rest
        assertThat(registry.getMeters()).extracting(Meter::getId).extracting(Meter.Id::getName)
                .noneMatch(name -> name.startsWith("beacon."));
        assertThat(source.closed()).isTrue();
    }

    @Test
    void shouldGiveTheGroupItsWorstPartitionStatus() {
        try (LagMonitor monitor = monitor().build()) {
            // Given partition 0 stuck with lag, partition 1 caught up, for a full window
            source.commit(GROUP, TOPIC, 0, 10).end(TOPIC, 0, 20).commit(GROUP, TOPIC, 1, 5).end(TOPIC, 1, 5);
            for (int i = 0; i < 3; i++) {
                monitor.poll();
                clock.advance(Duration.ofSeconds(5));
            }

            // When / Then
            GroupLag group = monitor.group(GROUP).orElseThrow();
            assertThat(group.partitions()).extracting(PartitionLag::status)
                    .containsExactly(LagStatus.STALLED, LagStatus.OK);
            assertThat(group.status()).isEqualTo(LagStatus.STALLED);

            // And when its members leave, it is stopped at once
            source.membership(GROUP, GroupMembership.EMPTY);
            assertThat(monitor.poll().group(GROUP).orElseThrow().status()).isEqualTo(LagStatus.STOPPED);
        }
    }

    @Test
    void shouldKeepOnlyTheConfiguredStretchOfGroupHistory() {
        try (LagMonitor monitor = monitor().reportHistory(Duration.ofMinutes(15)).build()) {
            // Given 20 minutes of polls every 5 s
            source.commit(GROUP, TOPIC, 0, 0);
            for (int i = 0; i <= 240; i++) {
                source.end(TOPIC, 0, i);
                monitor.poll();
                clock.advance(Duration.ofSeconds(5));
            }

            // When
            List<LagPoint> history = monitor.group(GROUP).orElseThrow().history();

            // Then 15 minutes back from the last poll, oldest first
            assertThat(history).hasSize(181);
            assertThat(history.get(0).at()).isEqualTo(history.get(180).at().minus(Duration.ofMinutes(15)));
            assertThat(history.get(180).totalLag()).isEqualTo(240);
        }
    }

    @Test
    void shouldPollOnItsOwnThreadAndTellListeners() {
        // Given
        source.commit(GROUP, TOPIC, 0, 1).end(TOPIC, 0, 2);
        List<LagReport> heard = new CopyOnWriteArrayList<>();
        try (LagMonitor monitor = LagMonitor.builder(source).group(GROUP).pollInterval(Duration.ofMillis(20)).build()) {
            monitor.addListener(heard::add);

            // When
            monitor.start();

            // Then
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() >= 3);
            assertThat(heard).allMatch(report -> !report.stale());
            assertThat(monitor.report().group(GROUP).orElseThrow().totalLag()).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseToWatchNothing() {
        assertThatThrownBy(() -> LagMonitor.builder(source).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("groups to watch");
    }
}
