package io.beacon.ops.lag;

import java.util.List;

/**
 * One consumer group as of one poll.
 *
 * @param role          what the group is to the pipeline ({@link GroupRole}): router, worker:golem, other
 * @param status        the worst status among its partitions; UNKNOWN when it has no committed offsets
 * @param totalLag      sum of its partitions' lag in offsets
 * @param maxLagSeconds the largest of its partitions' lag in seconds
 * @param partitions    sorted by topic, then partition
 * @param history       oldest first, at most the monitor's report history (15 minutes by default)
 */
public record GroupLag(String group, String role, LagStatus status, long totalLag, double maxLagSeconds,
                       List<PartitionLag> partitions, List<LagPoint> history) {

    public GroupLag {
        partitions = List.copyOf(partitions);
        history = List.copyOf(history);
    }

    /** A group the pipeline did not name ({@link GroupRole#OTHER}). */
    public GroupLag(String group, LagStatus status, long totalLag, double maxLagSeconds, List<PartitionLag> partitions,
                    List<LagPoint> history) {
        this(group, GroupRole.OTHER, status, totalLag, maxLagSeconds, partitions, history);
    }

    static GroupLag unknown(String group, String role, List<LagPoint> history) {
        return new GroupLag(group, role, LagStatus.UNKNOWN, 0, 0.0, List.of(), history);
    }
}
