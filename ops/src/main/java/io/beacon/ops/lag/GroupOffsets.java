package io.beacon.ops.lag;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What an {@link OffsetSource} knows about one group.
 *
 * @param committed  committed offset per partition; partitions the group never committed are absent
 * @param membership whether the group has members
 */
public record GroupOffsets(String groupId, Map<TopicPartition, Long> committed, GroupMembership membership) {

    public GroupOffsets {
        committed = Map.copyOf(committed);
    }
}
