package io.beacon.ops.lag;

import java.util.List;

/**
 * One consumer group as of one poll.
 *
 * @param status        the worst status among its partitions; UNKNOWN when it has no committed offsets
 * @param totalLag      sum of its partitions' lag in offsets
 * @param maxLagSeconds the largest of its partitions' lag in seconds
 * @param partitions    sorted by topic, then partition
 * @param history       oldest first, at most the monitor's report history (15 minutes by default)
 */
public record GroupLag(String group, LagStatus status, long totalLag, double maxLagSeconds,
                       List<PartitionLag> partitions, List<LagPoint> history) {

    public GroupLag {
        partitions = List.copyOf(partitions);
        history = List.copyOf(history);
    }

    static GroupLag unknown(String group, List<LagPoint> history) {
        return new GroupLag(group, LagStatus.UNKNOWN, 0, 0.0, List.of(), history);
    }
}
