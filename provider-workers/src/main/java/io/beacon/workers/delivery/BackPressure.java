package io.beacon.workers.delivery;

import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the jobs a worker holds without blocking its poll loop: above the high-water mark every assigned
 * partition is paused (the loop keeps polling, so the group keeps the member), below the low-water mark
 * they resume. Partitions assigned while paused start paused. Poll thread only; {@link #isPaused()} may be
 * read from any thread.
 */
public final class BackPressure {

    private static final Logger LOG = LoggerFactory.getLogger(BackPressure.class);

    private final Consumer<?, ?> consumer;
    private final int maxOutstanding;
    private final int resumeOutstanding;
    private boolean paused;
    private volatile boolean pausedView;

    public BackPressure(Consumer<?, ?> consumer, int maxOutstanding, int resumeOutstanding) {
        this.consumer = consumer;
        this.maxOutstanding = maxOutstanding;
        this.resumeOutstanding = resumeOutstanding;
    }

    /** Pauses every assigned partition above the high-water mark, resumes below the low one; never blocks. */
    public void apply(int outstanding) {
        if (!paused && outstanding >= maxOutstanding) {
            consumer.pause(consumer.assignment());
            paused = true;
            LOG.info("pausing consumption: {} jobs outstanding (max {})", outstanding, maxOutstanding);
        } else if (paused && outstanding <= resumeOutstanding) {
            consumer.resume(consumer.paused());
            paused = false;
            LOG.info("resuming consumption: {} jobs outstanding (resume at {})", outstanding, resumeOutstanding);
        }
        pausedView = paused;
    }

    /** Runs inside {@code poll}: new partitions of a paused worker start paused. */
    public void onAssigned(Collection<TopicPartition> partitions) {
        if (paused && !partitions.isEmpty()) {
            consumer.pause(partitions);
        }
    }

    /** True while consumption is paused (as of the last loop turn). */
    public boolean isPaused() {
        return pausedView;
    }
}
