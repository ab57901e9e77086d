package io.beacon.ops.lag;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/** Offsets the test sets by hand, and a switch to make the cluster unreachable. */
final class ScriptedOffsetSource implements OffsetSource {

    private final Map<String, Map<TopicPartition, Long>> committed = new ConcurrentHashMap<>();
    private final Map<String, GroupMembership> membership = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> ends = new ConcurrentHashMap<>();
    private final Map<String, Map<TopicPartition, Long>> unstarted = new ConcurrentHashMap<>();
    private final Map<String, GroupKind> kinds = new ConcurrentHashMap<>();
    private volatile Map<String, GroupKind> lastAsked = Map.of();
    private volatile boolean unreachable;
    private volatile boolean closed;

    ScriptedOffsetSource commit(String group, String topic, int partition, long offset) {
        committed.computeIfAbsent(group, g -> new ConcurrentHashMap<>())
                .put(new TopicPartition(topic, partition), offset);
        membership.putIfAbsent(group, GroupMembership.ACTIVE);
        return this;
    }

    /** A member holds the partition and has not committed on it; the log starts at {@code logStart}. */
    ScriptedOffsetSource assignedWithoutCommit(String group, String topic, int partition, long logStart) {
        unstarted.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).put(new TopicPartition(topic, partition), logStart);
        committed.computeIfAbsent(group, g -> new ConcurrentHashMap<>());
        membership.putIfAbsent(group, GroupMembership.ACTIVE);
        return this;
    }

    ScriptedOffsetSource membership(String group, GroupMembership value) {
        membership.put(group, value);
        return this;
    }

    ScriptedOffsetSource end(String topic, int partition, long offset) {
        ends.put(new TopicPartition(topic, partition), offset);
        return this;
    }

    ScriptedOffsetSource forget(String topic, int partition) {
        TopicPartition gone = new TopicPartition(topic, partition);
        ends.remove(gone);
        committed.values().forEach(offsets -> offsets.remove(gone));
        return this;
    }

    void unreachable(boolean value) {
        unreachable = value;
    }

    boolean closed() {
        return closed;
    }

    /** A group the cluster lists as a streams group. */
    ScriptedOffsetSource streams(String group) {
        kinds.put(group, GroupKind.STREAMS);
        return this;
    }

    /** The group is gone from the cluster: no longer listed, no offsets. */
    ScriptedOffsetSource delete(String group) {
        committed.remove(group);
        membership.remove(group);
        unstarted.remove(group);
        kinds.remove(group);
        return this;
    }

    /** The kinds the monitor asked for at the latest {@link #groupOffsets} call. */
    Map<String, GroupKind> lastAsked() {
        return lastAsked;
    }

    @Override
    public Map<String, GroupKind> listGroups() {
        check();
        Map<String, GroupKind> result = new HashMap<>();
        committed.keySet().forEach(id -> result.put(id, kinds.getOrDefault(id, GroupKind.CONSUMER)));
        return result;
    }

    @Override
    public Map<String, GroupOffsets> groupOffsets(Map<String, GroupKind> groups) {
        check();
        lastAsked = Map.copyOf(groups);
        Map<String, GroupOffsets> result = new HashMap<>();
        for (String id : groups.keySet()) {
            Map<TopicPartition, Long> offsets = committed.get(id);
            if (offsets != null) {
                result.put(id, new GroupOffsets(id, offsets, membership.get(id), unstarted.getOrDefault(id, Map.of())));
            }
        }
        return result;
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        check();
        Map<TopicPartition, Long> result = new HashMap<>();
        partitions.forEach(p -> {
            Long end = ends.get(p);
            if (end != null) {
                result.put(p, end);
            }
        });
        return result;
    }

    @Override
    public void close() {
        closed = true;
    }

    private void check() {
        if (unreachable) {
            throw new KafkaException("scripted: the cluster is unreachable");
        }
    }
}
