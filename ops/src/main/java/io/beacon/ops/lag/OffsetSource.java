package io.beacon.ops.lag;

import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the {@link LagMonitor} reads committed and end offsets: the cluster through {@link AdminOffsetSource},
 * or a scripted source in tests. Methods throw an unchecked exception when the cluster cannot answer; the
 * monitor then keeps its last report and marks it stale.
 */
public interface OffsetSource extends AutoCloseable {

    /**
     * Every group the cluster knows whose offsets the monitor can read, with its kind: consumer groups
     * (classic and consumer protocol) and streams groups. Share groups, and classic groups of other protocols
     * (Connect's workers), are left out: they have no committed offsets to measure lag against.
     */
    Map<String, GroupKind> listGroups();

    /**
     * Committed offsets and membership of each of {@code groups} (id to kind; a group the cluster did not
     * list is asked for as a {@link GroupKind#CONSUMER}). A group the cluster does not know is either absent or
     * present with no committed offsets. Implementations should ask for all groups in a few batched requests.
     */
    Map<String, GroupOffsets> groupOffsets(Map<String, GroupKind> groups);

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
