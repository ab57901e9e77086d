package io.beacon.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DeleteTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and deletes topics on any Kafka cluster, embedded or real, and waits until the change has
 * taken effect, so that a producer or Streams app started next finds its topics ready.
 *
 * <p>Creating is idempotent: a topic that already exists is left as it is (a different partition count
 * is logged, not changed). Every call is bounded by the timeout it is given; running out of time throws
 * Kafka's {@link TimeoutException}, any other failure a {@link KafkaException}, both naming the topics.
 */
public final class TopicAdmin implements AutoCloseable {

    /** Enough for a real cluster under load; the embedded broker answers in well under a second. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
    private static final long FIRST_BACKOFF_MS = 20;
    private static final long MAX_BACKOFF_MS = 250;

    private final Admin admin;

    /** Connects to {@code bootstrapServers} with default client settings (plaintext). */
    public TopicAdmin(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    /**
     * Connects to {@code bootstrapServers}; {@code clientProperties} are extra admin client settings such
     * as {@code security.protocol} and {@code sasl.jaas.config} for a real cluster.
     */
    public TopicAdmin(String bootstrapServers, Map<String, ?> clientProperties) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "beacon-topic-admin");
        this.admin = Admin.create(props);
    }

    /**
     * Creates the topics that do not exist yet and returns once every one of them is described with all
     * its partitions led and the leader of every partition of a topic created now serves its log.
     *
     * <p>The second wait matters for idempotent producers. A broker publishes a new partition's leader in
     * its metadata a moment before its replica manager holds the partition; a produce request arriving
     * in between fails with NOT_LEADER_OR_FOLLOWER while a later batch of the same producer may already
     * be appended, and brokers before Kafka 4.5 (KAFKA-15591) then reject every retry of the first batch
     * as out of sequence until it expires: records lost without an error. A ListOffsets answer comes from
     * the same replica-manager state a produce needs, so once every partition answers one, writes land.
     *
     * @throws TimeoutException if that does not happen within {@code timeout}
     * @throws KafkaException if the cluster refuses a topic (bad name, too many replicas, not authorised…)
     */
    public void createTopics(Collection<NewTopic> topics, Duration timeout) {
        long deadlineNanos = deadline(timeout);
        if (topics.isEmpty()) {
            return;
        }
        Map<String, NewTopic> requested = new LinkedHashMap<>();
        topics.forEach(topic -> requested.put(topic.name(), topic));
        Map<String, KafkaFuture<Void>> results = admin.createTopics(requested.values(),
                new CreateTopicsOptions().timeoutMs(timeoutMs(deadlineNanos))).values();
        List<String> created = new ArrayList<>();
        List<String> existing = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
            try {
                await(result.getValue(), deadlineNanos, "create topic " + result.getKey());
                created.add(result.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw failure("cannot create topic " + result.getKey(), e.getCause());
                }
                existing.add(result.getKey());
            }
        }
        awaitLed(requested, Set.copyOf(created), deadlineNanos);
        awaitServing(created, deadlineNanos);
        LOG.info("Topics ready: created {}, already there {}", created, existing);
    }

    /**
     * Deletes the topics that exist and returns once none of them is listed any more, so they can be
     * created again at once.
     *
     * @throws TimeoutException if that does not happen within {@code timeout}
     */
    public void deleteTopics(Collection<String> topicNames, Duration timeout) {
        long deadlineNanos = deadline(timeout);
        if (topicNames.isEmpty()) {
            return;
        }
        Map<String, KafkaFuture<Void>> results = admin.deleteTopics(topicNames,
                new DeleteTopicsOptions().timeoutMs(timeoutMs(deadlineNanos))).topicNameValues();
        for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
            try {
                await(result.getValue(), deadlineNanos, "delete topic " + result.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw failure("cannot delete topic " + result.getKey(), e.getCause());
                }
            }
        }
        long backoffMs = FIRST_BACKOFF_MS;
        while (true) {
            Set<String> stillListed = new TreeSet<>(listTopics(deadlineNanos));
            stillListed.retainAll(topicNames);
            if (stillListed.isEmpty()) {
                LOG.info("Topics deleted: {}", topicNames);
                return;
            }
            backoffMs = pause(backoffMs, deadlineNanos, "topics still listed after deletion: " + stillListed);
        }
    }

    /** The names of all topics, internal ones included. */
    public Set<String> listTopics(Duration timeout) {
        return listTopics(deadline(timeout));
    }

    @Override
    public void close() {
        admin.close();
    }

    private Set<String> listTopics(long deadlineNanos) {
        try {
            return await(admin.listTopics(new ListTopicsOptions().listInternal(true)
                    .timeoutMs(timeoutMs(deadlineNanos))).names(), deadlineNanos, "list topics");
        } catch (ExecutionException e) {
            throw failure("cannot list topics", e.getCause());
        }
    }

    /**
     * Waits until every requested topic is described with all partitions led. For a topic created now
     * the partition count must also match: right after creation a broker may know only some of them.
     */
    private void awaitLed(Map<String, NewTopic> requested, Set<String> created, long deadlineNanos) {
        long backoffMs = FIRST_BACKOFF_MS;
        while (true) {
            String notReady;
            try {
                Map<String, TopicDescription> descriptions = await(
                        admin.describeTopics(requested.keySet()).allTopicNames(), deadlineNanos,
                        "describe topics " + requested.keySet());
                notReady = firstNotReady(requested, created, descriptions);
                if (notReady == null) {
                    warnAboutDifferentPartitionCounts(requested, created, descriptions);
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw failure("cannot describe topics " + requested.keySet(), e.getCause());
                }
                notReady = e.getCause().toString();
            }
            backoffMs = pause(backoffMs, deadlineNanos, "topics not ready (" + notReady + ")");
        }
    }

    /**
     * Waits until the leader of every partition of {@code topicNames} answers a ListOffsets request, which
     * it can only do once its replica manager holds the partition's log (see {@link #createTopics}).
     */
    private void awaitServing(List<String> topicNames, long deadlineNanos) {
        if (topicNames.isEmpty()) {
            return;
        }
        long backoffMs = FIRST_BACKOFF_MS;
        while (true) {
            String notServing;
            try {
                Map<String, TopicDescription> descriptions = await(admin.describeTopics(topicNames).allTopicNames(),
                        deadlineNanos, "describe topics " + topicNames);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                descriptions.values().forEach(description -> description.partitions().forEach(partition ->
                        latest.put(new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest())));
                await(admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(timeoutMs(deadlineNanos))).all(),
                        deadlineNanos, "list offsets of " + topicNames);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw failure("cannot list offsets of " + topicNames, e.getCause());
                }
                notServing = e.getCause().toString();
            }
            backoffMs = pause(backoffMs, deadlineNanos, "partition leaders not serving yet (" + notServing + ")");
        }
    }

    private static String firstNotReady(Map<String, NewTopic> requested, Set<String> created,
            Map<String, TopicDescription> descriptions) {
        for (NewTopic topic : requested.values()) {
            TopicDescription description = descriptions.get(topic.name());
            if (description == null || description.partitions().isEmpty()) {
                return topic.name() + " not described yet";
            }
            if (created.contains(topic.name()) && topic.numPartitions() > 0
                    && description.partitions().size() < topic.numPartitions()) {
                return topic.name() + " has " + description.partitions().size() + " of "
                        + topic.numPartitions() + " partitions";
            }
            for (TopicPartitionInfo partition : description.partitions()) {
                if (partition.leader() == null || partition.leader().isEmpty()) {
                    return topic.name() + "-" + partition.partition() + " has no leader";
                }
            }
        }
        return null;
    }

    private static void warnAboutDifferentPartitionCounts(Map<String, NewTopic> requested, Set<String> created,
            Map<String, TopicDescription> descriptions) {
        for (NewTopic topic : requested.values()) {
            int actual = descriptions.get(topic.name()).partitions().size();
            if (!created.contains(topic.name()) && topic.numPartitions() > 0 && actual != topic.numPartitions()) {
                LOG.warn("Topic {} already exists with {} partitions, not the {} asked for; left unchanged",
                        topic.name(), actual, topic.numPartitions());
            }
        }
    }

    private static <T> T await(KafkaFuture<T> future, long deadlineNanos, String what) throws ExecutionException {
        try {
            return future.get(remainingMs(deadlineNanos), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("timed out waiting to " + what, e);
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted waiting to " + what, e);
        }
    }

    /**
     * Backs off before polling the cluster again. Kafka's admin API has no "wait until led" call, so
     * polling with a short, growing pause is the only way; the pause is capped by the deadline.
     */
    private static long pause(long backoffMs, long deadlineNanos, String waitingFor) {
        long remaining = remainingMs(deadlineNanos);
        if (remaining == 0) {
            throw new TimeoutException("timed out: " + waitingFor);
        }
        try {
            TimeUnit.MILLISECONDS.sleep(Math.min(backoffMs, remaining));
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted while " + waitingFor, e);
        }
        return Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }

    private static KafkaException failure(String message, Throwable cause) {
        if (cause instanceof TimeoutException) {
            return new TimeoutException(message + ": " + cause.getMessage(), cause);
        }
        return new KafkaException(message + ": " + cause, cause);
    }

    private static long deadline(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return System.nanoTime() + timeout.toNanos();
    }

    private static long remainingMs(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    private static int timeoutMs(long deadlineNanos) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingMs(deadlineNanos)));
    }
}
