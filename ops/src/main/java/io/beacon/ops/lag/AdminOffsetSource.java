package io.beacon.ops.lag;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeStreamsGroupsOptions;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
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
 * <p>Each poll costs a handful of requests whatever the number of groups: one group listing, one batched
 * offset fetch and one batched description per group kind (the client splits them by coordinator), one
 * listing of start offsets for partitions members hold without a first commit, and one of end offsets.
 *
 * <p>Membership comes from describing the group (consumer groups through {@code describeConsumerGroups},
 * streams groups through {@code describeStreamsGroups}); when that fails (an old broker, say) the group's
 * membership is UNKNOWN rather than the poll failing, since lag does not need it.
 */
public final class AdminOffsetSource implements OffsetSource {

    private static final Logger LOG = LoggerFactory.getLogger(AdminOffsetSource.class);

    /** How long one Admin call may take by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** The protocol type of classic groups that consumers (and classic-protocol Kafka Streams) form. */
    private static final String CONSUMER_PROTOCOL_TYPE = "consumer";

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
    public Map<String, GroupKind> listGroups() {
        // One listing of every type rather than one request per type; the kinds are sorted out here.
        Collection<GroupListing> listings = await(admin.listGroups(new ListGroupsOptions().timeoutMs(timeoutMs()))
                .all(), "list groups");
        Map<String, GroupKind> groups = new HashMap<>();
        listings.forEach(listing -> kindOf(listing).ifPresent(kind -> groups.put(listing.groupId(), kind)));
        return groups;
    }

    /**
     * Consumer groups on either protocol and streams groups; not share groups (their records are acquired and
     * acknowledged one by one, there is no committed offset to measure lag against) nor classic groups of
     * another protocol (Connect's workers coordinate through a group that commits no offsets).
     */
    static Optional<GroupKind> kindOf(GroupListing listing) {
        GroupType type = listing.type().orElse(GroupType.CLASSIC);
        switch (type) {
            case CONSUMER:
                return Optional.of(GroupKind.CONSUMER);
            case STREAMS:
                return Optional.of(GroupKind.STREAMS);
            case SHARE:
                return Optional.empty();
            default:
                // A classic group: "consumer" for subscribing consumers (and classic-protocol Kafka Streams),
                // "" for one that only commits offsets (assign() and commitSync(): a "simple" group).
                String protocol = listing.protocol();
                return protocol.isEmpty() || CONSUMER_PROTOCOL_TYPE.equals(protocol)
                        ? Optional.of(GroupKind.CONSUMER) : Optional.empty();
        }
    }

    @Override
    public Map<String, GroupOffsets> groupOffsets(Map<String, GroupKind> groups) {
        if (groups.isEmpty()) {
            return Map.of();
        }
        Map<String, ListConsumerGroupOffsetsSpec> specs = new HashMap<>();
        groups.keySet().forEach(id -> specs.put(id, new ListConsumerGroupOffsetsSpec()));
        // All requests go out at once, each batched over every group (the client groups them by coordinator).
        // Streams groups commit like consumer groups, so one offset fetch serves both (it is what
        // Admin.listStreamsGroupOffsets sends); the descriptions only add membership.
        ListConsumerGroupOffsetsResult offsets = admin.listConsumerGroupOffsets(specs,
                new ListConsumerGroupOffsetsOptions().timeoutMs(timeoutMs()));
        List<String> consumerIds = idsOf(groups, GroupKind.CONSUMER);
        List<String> streamsIds = idsOf(groups, GroupKind.STREAMS);
        Map<String, KafkaFuture<ConsumerGroupDescription>> consumerDescriptions = consumerIds.isEmpty() ? Map.of()
                : admin.describeConsumerGroups(consumerIds, new DescribeConsumerGroupsOptions().timeoutMs(timeoutMs()))
                        .describedGroups();
        Map<String, KafkaFuture<StreamsGroupDescription>> streamsDescriptions = streamsIds.isEmpty() ? Map.of()
                : admin.describeStreamsGroups(streamsIds, new DescribeStreamsGroupsOptions().timeoutMs(timeoutMs()))
                        .describedGroups();

        Map<String, Map<TopicPartition, Long>> committedByGroup = new HashMap<>();
        Map<String, GroupMembership> memberships = new HashMap<>();
        Map<String, Set<TopicPartition>> unstartedByGroup = new HashMap<>();
        for (String groupId : groups.keySet()) {
            Optional<Map<TopicPartition, OffsetAndMetadata>> committed = committedOffsets(groupId, offsets);
            if (committed.isEmpty()) {
                continue;
            }
            Map<TopicPartition, Long> positions = new HashMap<>();
            committed.get().forEach((partition, offset) -> {
                if (offset != null && offset.offset() >= 0) {
                    positions.put(partition, offset.offset());
                }
            });
            committedByGroup.put(groupId, positions);
            if (groups.get(groupId) == GroupKind.STREAMS) {
                // A streams member's assignment names tasks (subtopology and partition number), not topics:
                // partitions without a first commit are not counted for streams groups.
                memberships.put(groupId, describe(groupId, streamsDescriptions.get(groupId))
                        .map(g -> membership(g.members().isEmpty(), g.groupState())).orElse(GroupMembership.UNKNOWN));
                continue;
            }
            Optional<ConsumerGroupDescription> description = describe(groupId, consumerDescriptions.get(groupId));
            memberships.put(groupId, description.map(g -> membership(g.members().isEmpty(), g.groupState()))
                    .orElse(GroupMembership.UNKNOWN));
            description.ifPresent(group -> group.members().forEach(member -> member.assignment().topicPartitions()
                    .stream().filter(partition -> !positions.containsKey(partition))
                    .forEach(partition -> unstartedByGroup.computeIfAbsent(groupId, g -> new HashSet<>())
                            .add(partition))));
        }
        // One listing of start offsets for every group's unstarted partitions, not one per group.
        Set<TopicPartition> allUnstarted = new HashSet<>();
        unstartedByGroup.values().forEach(allUnstarted::addAll);
        Map<TopicPartition, Long> starts = startOffsets(allUnstarted);

        Map<String, GroupOffsets> result = new HashMap<>();
        committedByGroup.forEach((groupId, positions) -> {
            Map<TopicPartition, Long> unstarted = new HashMap<>();
            unstartedByGroup.getOrDefault(groupId, Set.of()).forEach(partition -> {
                Long start = starts.get(partition);
                if (start != null && start >= 0) {
                    unstarted.put(partition, start);
                }
            });
            result.put(groupId, new GroupOffsets(groupId, positions, memberships.get(groupId), unstarted));
        });
        return result;
    }

    /** The group's committed offsets; empty when the group is gone or this client may not read it. */
    private Optional<Map<TopicPartition, OffsetAndMetadata>> committedOffsets(String groupId,
                                                                           ListConsumerGroupOffsetsResult offsets) {
        try {
            return Optional.of(await(offsets.partitionsToOffsetAndMetadata(groupId),
                    "read offsets of group " + groupId));
        } catch (KafkaException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return Optional.empty();
            }
            if (e.getCause() instanceof GroupAuthorizationException) {
                // Listed, but not ours to read: leave it out rather than fail every other group's figures.
                LOG.debug("not authorized to read the offsets of group {}; it is left out", groupId);
                return Optional.empty();
            }
            throw e;
        }
    }

    private static List<String> idsOf(Map<String, GroupKind> groups, GroupKind kind) {
        return groups.entrySet().stream().filter(e -> e.getValue() == kind).map(Map.Entry::getKey).sorted().toList();
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
    private <T> Optional<T> describe(String groupId, KafkaFuture<T> description) {
        if (description == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(description.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("cannot describe group {}; its membership is unknown: {}", groupId, e.toString());
            return Optional.empty();
        }
    }

    private static GroupMembership membership(boolean noMembers, GroupState state) {
        if (!noMembers) {
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
