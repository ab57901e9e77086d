package io.beacon.ops.lag;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads offsets from the cluster with an {@link Admin} client, the same calls {@code kafka-consumer-groups
 * --describe} makes: committed offsets from the group coordinator, end offsets as the latest offset with
 * read_uncommitted isolation (the high watermark), so the two report the same lag.
 *
 * <p>Membership comes from describing the group; when that fails (a streams-protocol group, an old broker)
 * the group's membership is UNKNOWN rather than the poll failing, since lag does not need it.
 */
public final class AdminOffsetSource implements OffsetSource {

    private static final Logger LOG = LoggerFactory.getLogger(AdminOffsetSource.class);

    /** How long one Admin call may take by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Admin admin;
    private final boolean ownsAdmin;
    private final Duration timeout;

    /** Reads through {@code admin}, which stays the caller's to close. */
    public AdminOffsetSource(Admin admin, Duration timeout) {
        this(admin, false, timeout);
    }

    private AdminOffsetSource(Admin admin, boolean ownsAdmin, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("admin timeout must be positive, was " + timeout);
        }
        this.admin = admin;
        this.ownsAdmin = ownsAdmin;
        this.timeout = timeout;
    }

    /** Creates its own Admin client from {@code adminConfig} and closes it on {@link #close()}. */
    public static AdminOffsetSource create(Map<String, Object> adminConfig, Duration timeout) {
        return new AdminOffsetSource(Admin.create(adminConfig), true, timeout);
    }

    @Override
    public Set<String> consumerGroupIds() {
        Collection<GroupListing> listings = await(admin.listGroups(ListGroupsOptions.forConsumerGroups()
                .timeoutMs(timeoutMs())).all(), "list consumer groups");
        return listings.stream().map(GroupListing::groupId).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public Map<String, GroupOffsets> groupOffsets(Collection<String> groupIds) {
        if (groupIds.isEmpty()) {
            return Map.of();
        }
        Map<String, ListConsumerGroupOffsetsSpec> specs = new HashMap<>();
        groupIds.forEach(id -> specs.put(id, new ListConsumerGroupOffsetsSpec()));
        // Both requests go out at once; the offsets are needed, the descriptions only add membership.
        ListConsumerGroupOffsetsResult offsets = admin.listConsumerGroupOffsets(specs,
                new ListConsumerGroupOffsetsOptions().timeoutMs(timeoutMs()));
        Map<String, KafkaFuture<ConsumerGroupDescription>> descriptions = admin.describeConsumerGroups(
                List.copyOf(groupIds), new DescribeConsumerGroupsOptions().timeoutMs(timeoutMs())).describedGroups();

        Map<String, GroupOffsets> result = new HashMap<>();
        for (String groupId : groupIds) {
            Map<TopicPartition, OffsetAndMetadata> committed;
            try {
                committed = await(offsets.partitionsToOffsetAndMetadata(groupId), "read offsets of group " + groupId);
            } catch (KafkaException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    continue;
                }
                throw e;
            }
            Map<TopicPartition, Long> positions = new HashMap<>();
            committed.forEach((partition, offset) -> {
                if (offset != null && offset.offset() >= 0) {
                    positions.put(partition, offset.offset());
                }
            });
            Optional<ConsumerGroupDescription> description = describe(groupId, descriptions.get(groupId));
            Map<TopicPartition, Long> unstarted = new HashMap<>();
            description.ifPresent(group -> group.members().forEach(member -> member.assignment().topicPartitions()
                    .stream().filter(partition -> !positions.containsKey(partition))
                    .forEach(partition -> unstarted.put(partition, -1L))));
            if (!unstarted.isEmpty()) {
                unstarted.putAll(startOffsets(unstarted.keySet()));
                unstarted.values().removeIf(offset -> offset < 0);
            }
            result.put(groupId, new GroupOffsets(groupId, positions, membership(description), unstarted));
        }
        return result;
    }

    /** Log start offsets: where a consumer group that has never committed starts (auto.offset.reset=earliest). */
    private Map<TopicPartition, Long> startOffsets(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.earliest(), "start");
    }

    /** One offset per partition (read_uncommitted); partitions that no longer exist are left out. */
    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec, String which) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        partitions.forEach(partition -> specs.put(partition, spec));
        ListOffsetsResult result = admin.listOffsets(specs,
                new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED).timeoutMs(timeoutMs()));
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            try {
                offsets.put(partition, await(result.partitionResult(partition),
                        "read the " + which + " offset of " + partition).offset());
            } catch (KafkaException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        return offsets;
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        // read_uncommitted, as kafka-consumer-groups reads them, so both tools report the same figures.
        return offsets(partitions, OffsetSpec.latest(), "end");
    }

    @Override
    public void close() {
        if (ownsAdmin) {
            admin.close(timeout);
        }
    }

    /** The group's description, empty when it cannot be had (membership and assignments are then unknown). */
    private Optional<ConsumerGroupDescription> describe(String groupId,
                                                        KafkaFuture<ConsumerGroupDescription> description) {
        if (description == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(description.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("cannot describe consumer group {}; its membership is unknown: {}", groupId, e.toString());
            return Optional.empty();
        }
    }

    private static GroupMembership membership(Optional<ConsumerGroupDescription> description) {
        if (description.isEmpty()) {
            return GroupMembership.UNKNOWN;
        }
        ConsumerGroupDescription group = description.get();
        GroupState state = group.groupState();
        if (!group.members().isEmpty()) {
            return GroupMembership.ACTIVE;
        }
        if (state == GroupState.EMPTY || state == GroupState.DEAD) {
            return GroupMembership.EMPTY;
        }
        return state == GroupState.UNKNOWN ? GroupMembership.UNKNOWN : GroupMembership.ACTIVE;
    }

    private <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException e) {
            throw new KafkaException("cannot " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("cannot " + what + " within " + timeout.toMillis() + " ms", e);
        }
    }

    private int timeoutMs() {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }
}
