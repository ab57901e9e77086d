package io.beacon.ops.lag;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the {@link LagMonitor} reads committed and end offsets: the cluster through {@link AdminOffsetSource},
 * or a scripted source in tests. Methods throw an unchecked exception when the cluster cannot answer; the
 * monitor then keeps its last report and marks it stale.
 */
public interface OffsetSource extends AutoCloseable {

    /** Every consumer group id the cluster knows, for watching all groups with a prefix. */
    Set<String> consumerGroupIds();

    /**
     * Committed offsets and membership of each of {@code groupIds}. A group the cluster does not know is
     * either absent or present with no committed offsets.
     */
    Map<String, GroupOffsets> groupOffsets(Collection<String> groupIds);

    /**
     * Log end offsets of {@code partitions}, read the way {@code kafka-consumer-groups --describe} reads
     * them (latest offset, read_uncommitted: the high watermark). Partitions that no longer exist are absent.
     */
    Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions);

    /** Releases what the source owns; a source that borrowed its client leaves it open. */
    @Override
    default void close() {
    }
}
