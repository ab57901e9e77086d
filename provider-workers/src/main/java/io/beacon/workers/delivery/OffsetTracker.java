package io.beacon.workers.delivery;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets are safe to commit while many calls run at once and finish in any order.
 *
 * <p>Per partition it keeps the offsets taken but whose attempt the broker has not yet acknowledged.
 * The committable offset is the lowest of those, or one past the highest offset seen when none is
 * pending: a crash then re-delivers every job whose attempt may be lost, and never skips one. Records
 * after a slow job wait for it, which bounds duplicates on restart by the number of outstanding jobs.
 *
 * <p>Not thread-safe: only the poll thread uses it, as only it may use the consumer.
 */
public final class OffsetTracker {

    /**
     * The offsets of one partition for one assignment. A completion carries the instance it was tracked in,
     * so an attempt finishing after its partition was revoked and re-assigned cannot acknowledge an offset
     * of the new assignment.
     */
    public static final class PartitionOffsets {
        private final TopicPartition partition;
        private final TreeSet<Long> pending = new TreeSet<>();
        private long firstSeen = -1;
        private long highestSeen = -1;
        private long lastCommitted = -1;
        /** The consumer's position: every record below it was taken, or was a transaction marker. */
        private long position = -1;
        /** Set on the poll thread when the partition is revoked; read by threads about to start a call. */
        private volatile boolean revoked;

        private PartitionOffsets(TopicPartition partition) {
            this.partition = partition;
        }

        public TopicPartition partition() {
            return partition;
        }

        /**
         * The offset to commit: the lowest pending; with nothing pending, the consumer's position when it is
         * past the highest record seen (the router writes under transactions, and the commit marker after
         * its last job takes an offset: committing one past the record would leave a lag of one forever,
         * which a lag monitor reads as a stalled group); else one past the highest seen; -1 before any record.
         */
        public long committable() {
            if (!pending.isEmpty()) {
                return pending.first();
            }
            return highestSeen < 0 ? -1 : Math.max(highestSeen + 1, position);
        }

        public int pendingCount() {
            return pending.size();
        }

        /** True once this assignment of the partition has ended; its jobs belong to the new owner. */
        public boolean revoked() {
            return revoked;
        }
    }

    private final Map<TopicPartition, PartitionOffsets> partitions = new HashMap<>();

    /** Records that {@code offset} was taken; returns the token its completion must present. */
    public PartitionOffsets track(TopicPartition partition, long offset) {
        PartitionOffsets state = partitions.computeIfAbsent(partition, PartitionOffsets::new);
        state.pending.add(offset);
        if (state.firstSeen < 0) {
            state.firstSeen = offset;
        }
        state.highestSeen = Math.max(state.highestSeen, offset);
        return state;
    }

    /**
     * The broker acknowledged the attempt for {@code offset}. Ignored when {@code token} is not the
     * partition's current assignment (it was revoked meanwhile).
     *
     * @return true when the acknowledgement counted
     */
    public boolean acknowledge(PartitionOffsets token, long offset) {
        if (partitions.get(token.partition) != token) {
            return false;
        }
        return token.pending.remove(offset);
    }

    /** Offsets that moved since the last call, for {@code commitAsync}; marks them as committed. */
    public Map<TopicPartition, OffsetAndMetadata> takeCommittable() {
        return takeCommittable(partitions.keySet());
    }

    /** As {@link #takeCommittable()}, limited to {@code subset}. */
    public Map<TopicPartition, OffsetAndMetadata> takeCommittable(Collection<TopicPartition> subset) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : subset) {
            PartitionOffsets state = partitions.get(tp);
            if (state == null) {
                continue;
            }
            long offset = state.committable();
            // The first offset of an assignment is where the group already stands: committing it is a no-op.
            if (offset > state.lastCommitted && offset > state.firstSeen) {
                out.put(tp, new OffsetAndMetadata(offset));
                state.lastCommitted = offset;
            }
        }
        return out;
    }

    /**
     * The consumer's position in {@code partition} after a poll: every record below it was returned by
     * a poll and {@link #track tracked}, or was a control record. Ignored for partitions with no record yet.
     */
    public void positioned(TopicPartition partition, long position) {
        PartitionOffsets state = partitions.get(partition);
        if (state != null && position > state.position) {
            state.position = position;
        }
    }

    /** The partitions with tracked records. */
    public Set<TopicPartition> trackedPartitions() {
        return Set.copyOf(partitions.keySet());
    }

    /** A commit failed: offer these offsets again next time (if the partitions are still ours). */
    public void commitFailed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, meta) -> {
            PartitionOffsets state = partitions.get(tp);
            if (state != null && state.lastCommitted == meta.offset()) {
                state.lastCommitted = -1;
            }
        });
    }

    /** Forgets revoked or lost partitions: their pending records will be re-delivered to their new owner. */
    public void forget(Collection<TopicPartition> revoked) {
        for (TopicPartition tp : revoked) {
            PartitionOffsets state = partitions.remove(tp);
            if (state != null) {
                state.revoked = true;
            }
        }
    }

    /** Records taken and not yet acknowledged, over all partitions. */
    public int pendingCount() {
        return partitions.values().stream().mapToInt(PartitionOffsets::pendingCount).sum();
    }

    /** The committable offset of {@code partition}, -1 when unknown. */
    public long committable(TopicPartition partition) {
        PartitionOffsets state = partitions.get(partition);
        return state == null ? -1 : state.committable();
    }
}
