package io.beacon.workers.delivery;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits what the {@link OffsetTracker} says is safe: asynchronously on every loop turn, synchronously
 * before partitions leave (revocation, shutdown) so the next owner starts as late as it can. A failed
 * asynchronous commit is handed back to the tracker and tried again. Poll thread only.
 */
public final class OffsetCommitter {

    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommitter.class);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<?, ?> consumer;
    private final OffsetTracker offsets;

    public OffsetCommitter(Consumer<?, ?> consumer, OffsetTracker offsets) {
        this.consumer = consumer;
        this.offsets = offsets;
    }

    /** The longest a synchronous commit waits for the broker. */
    public static Duration commitTimeout() {
        return COMMIT_TIMEOUT;
    }

    public void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> commits = offsets.takeCommittable();
        if (commits.isEmpty()) {
            return;
        }
        consumer.commitAsync(commits, (committed, error) -> {
            if (error != null) {
                LOG.warn("offset commit failed ({}); will retry", error.getClass().getSimpleName());
                offsets.commitFailed(commits);
            }
        });
    }

    public void commitSync(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commits = offsets.takeCommittable(partitions);
        if (commits.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commits, COMMIT_TIMEOUT);
            LOG.info("committed {}", commits);
        } catch (RuntimeException e) {
            LOG.warn("offset commit failed ({}); the new owner re-delivers those jobs", e.getClass().getSimpleName());
        }
    }
}
