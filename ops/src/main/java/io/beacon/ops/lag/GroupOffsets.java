package io.beacon.ops.lag;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What an {@link OffsetSource} knows about one group.
 *
 * @param committed  committed offset per partition; partitions the group never committed are absent
 * @param membership whether the group has members
 * @param unstarted  partitions assigned to a member on which the group has never committed, with the
 *                   partition's log start offset: where a consumer that starts from the earliest record
 *                   stands until its first commit (a worker whose very first jobs hang shows up here)
 */
public record GroupOffsets(String groupId, Map<TopicPartition, Long> committed, GroupMembership membership,
                           Map<TopicPartition, Long> unstarted) {

    public GroupOffsets {
        committed = Map.copyOf(committed);
        unstarted = Map.copyOf(unstarted);
    }

    /** A group with no assigned partition lacking a commit. */
    public GroupOffsets(String groupId, Map<TopicPartition, Long> committed, GroupMembership membership) {
        this(groupId, committed, membership, Map.of());
    }
}
