package io.beacon.router.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.ops.lag.GroupFilter;
import io.beacon.ops.lag.GroupKind;
import io.beacon.ops.lag.GroupMembership;
import io.beacon.ops.lag.GroupOffsets;
import io.beacon.ops.lag.GroupRole;
import io.beacon.ops.lag.LagMonitor;
import io.beacon.ops.lag.OffsetSource;
import io.beacon.schemas.avro.ProviderKind;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LagBacklogTest {

    private static final TopicPartition GOLEM_JOBS = new TopicPartition("provider-jobs.golem", 0);
    private static final TopicPartition RESULTS = new TopicPartition("inference-results", 0);

    /** Groups with no members and lag left: each one STOPPED at the first poll. */
    private static final class StoppedGroups implements OffsetSource {
        private final Map<String, TopicPartition> groups;

        StoppedGroups(Map<String, TopicPartition> groups) {
            this.groups = groups;
        }

        @Override
        public Map<String, GroupKind> listGroups() {
            Map<String, GroupKind> listed = new HashMap<>();
            groups.keySet().forEach(id -> listed.put(id, GroupKind.CONSUMER));
            return listed;
        }

        @Override
        public Map<String, GroupOffsets> groupOffsets(Map<String, GroupKind> asked) {
            Map<String, GroupOffsets> result = new HashMap<>();
            asked.keySet().stream().filter(groups::containsKey).forEach(id -> result.put(id,
                    new GroupOffsets(id, Map.of(groups.get(id), 1L), GroupMembership.EMPTY)));
            return result;
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> ends = new HashMap<>();
            partitions.forEach(p -> ends.put(p, 50L));
            return ends;
        }
    }

    @Test
    void shouldJudgeOnlyTheWorkerGroupsNamedByThePrefixWhateverElseTheMonitorWatches() {
        // Given a monitor that watches every group, where a runner's group and a group that merely starts
        // like a worker group are STOPPED
        OffsetSource source = new StoppedGroups(Map.of("runner-results", RESULTS,
                "beacon-worker-golem-replay", GOLEM_JOBS));
        try (LagMonitor monitor = LagMonitor.builder(source).group("beacon-worker-golem", GroupRole.worker("golem"))
                .discover(GroupFilter.ALL).build()) {
            LagBacklog backlog = new LagBacklog(monitor, "beacon-worker-", 30.0);

            // When
            monitor.poll();

            // Then no provider is behind: the Golem worker group itself has not committed yet
            assertThat(monitor.report().groups()).hasSize(3);
            assertThat(backlog.behind(ProviderKind.GOLEM)).isEmpty();
            assertThat(backlog.behind(ProviderKind.MODAL)).isEmpty();
        }
    }

    @Test
    void shouldStillFindAWorkerGroupThatFallsBehind() {
        // Given the Golem worker group STOPPED with jobs left
        OffsetSource source = new StoppedGroups(Map.of("beacon-worker-golem", GOLEM_JOBS, "runner-results", RESULTS));
        try (LagMonitor monitor = LagMonitor.builder(source).group("beacon-worker-golem", GroupRole.worker("golem"))
                .discover(GroupFilter.ALL).build()) {
            LagBacklog backlog = new LagBacklog(monitor, "beacon-worker-", 30.0);

            // When
            monitor.poll();

            // Then only Golem is behind
            assertThat(backlog.behind(ProviderKind.GOLEM)).hasValueSatisfying(why ->
                    assertThat(why).contains("beacon-worker-golem STOPPED"));
            assertThat(backlog.behind(ProviderKind.RUNPOD)).isEmpty();
        }
    }
}
