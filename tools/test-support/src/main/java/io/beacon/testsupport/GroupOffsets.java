package io.beacon.testsupport;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer group's committed offsets against its topics' end offsets, read through the Admin API as
 * {@code kafka-consumer-groups --describe} reads them: "has the group committed everything?" is the test's
 * way to know that no record is still on its way without sleeping.
 */
public final class GroupOffsets implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 30;

    private final Admin admin;

    public GroupOffsets(String bootstrapServers) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** The group's committed offset per partition (partitions it never committed are absent). */
    public Map<TopicPartition, Long> committed(String group) {
        Map<TopicPartition, OffsetAndMetadata> committed = get(admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata(), "committed offsets of " + group);
        Map<TopicPartition, Long> out = new HashMap<>();
        committed.forEach((partition, offset) -> {
            if (offset != null) {
                out.put(partition, offset.offset());
            }
        });
        return out;
    }

    /** The sum of the group's committed offsets over every partition it committed. */
    public long committedTotal(String group) {
        return committed(group).values().stream().mapToLong(Long::longValue).sum();
    }

    /** The end offset of every partition of {@code topics}. */
    public Map<TopicPartition, Long> endOffsets(Collection<String> topics) {
        Map<String, TopicDescription> descriptions = get(admin.describeTopics(topics).allTopicNames(),
                "descriptions of " + topics);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        descriptions.values().forEach(description -> description.partitions().forEach(partition ->
                request.put(new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest())));
        Map<TopicPartition, ListOffsetsResultInfo> ends = get(admin.listOffsets(request).all(),
                "end offsets of " + topics);
        Map<TopicPartition, Long> out = new HashMap<>();
        ends.forEach((partition, info) -> out.put(partition, info.offset()));
        return out;
    }

    /** The sum of the end offsets of every partition of {@code topics}. */
    public long endOffsetsTotal(String... topics) {
        return endOffsets(List.of(topics)).values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * True when the group has committed, on every partition of {@code topics} that holds records, an offset
     * at or past the partition's end: it has nothing of them left to process.
     */
    public boolean committedToEnd(String group, Collection<String> topics) {
        Map<TopicPartition, Long> committed = committed(group);
        return endOffsets(topics).entrySet().stream().allMatch(end -> end.getValue() == 0
                || (committed.containsKey(end.getKey()) && committed.get(end.getKey()) >= end.getValue()));
    }

    private static <T> T get(KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new KafkaException("cannot read " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("timed out reading " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted reading " + what, e);
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
