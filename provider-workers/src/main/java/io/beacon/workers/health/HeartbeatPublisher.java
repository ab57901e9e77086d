package io.beacon.workers.health;

import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.workers.core.RecordCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link ProviderStatus} per deployment to {@code provider-status} every heartbeat interval, and
 * at once when asked ({@link #requestNow()}: a circuit changed state, which the router should see before the
 * next interval). A heartbeat that does not reach the broker is logged and replaced by the next one: the
 * topic is compacted and only the newest status counts.
 *
 * <p>{@link #maybePublish} runs on the poll thread; {@link #requestNow()} on any thread.
 */
public final class HeartbeatPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatPublisher.class);

    private final Producer<String, byte[]> producer;
    private final RecordCodec codec;
    private final Clock clock;
    private final Duration interval;
    private final Consumer<ProviderStatus> onPublished;
    /** Set by a circuit's state change, so the next loop turn publishes heartbeats without waiting. */
    private final AtomicBoolean now = new AtomicBoolean();
    private Instant next = Instant.MIN;

    /**
     * @param producer    shared with the attempts
     * @param onPublished told of each status handed to the producer (also when the send failed at once), on
     *                    the poll thread
     */
    public HeartbeatPublisher(Producer<String, byte[]> producer, RecordCodec codec, Clock clock, Duration interval,
                              Consumer<ProviderStatus> onPublished) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.onPublished = Objects.requireNonNull(onPublished, "onPublished");
    }

    /** Publishes on the next {@link #maybePublish} instead of waiting for the interval. Any thread. */
    public void requestNow() {
        now.set(true);
    }

    /**
     * Deletes a deployment's status from the compacted topic (a tombstone): it left the fleet and its RETIRED
     * heartbeats have gone out, so the router forgets it. Poll thread.
     */
    public void publishTombstone(String deploymentId) {
        try {
            producer.send(new ProducerRecord<>(codec.statusTopic(), deploymentId, null), (metadata, error) -> {
                if (error != null) {
                    LOG.warn("tombstone of retired deployment {} not published: {}", deploymentId,
                            error.getClass().getSimpleName());
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("tombstone of retired deployment {} not published: {}", deploymentId, e.getClass().getSimpleName());
        }
    }

    /** Publishes {@code statuses} (asked for only then) when the interval has passed or one was requested. */
    public void maybePublish(Supplier<? extends Collection<ProviderStatus>> statuses) {
        Instant at = clock.instant();
        if (at.isBefore(next) && !now.getAndSet(false)) {
            return;
        }
        now.set(false);
        next = at.plus(interval);
        for (ProviderStatus status : statuses.get()) {
            try {
                producer.send(new ProducerRecord<>(codec.statusTopic(), status.getDeploymentId(),
                        codec.encodeStatus(status)), (metadata, error) -> {
                            if (error != null) {
                                LOG.warn("heartbeat of deployment {} not published: {}", status.getDeploymentId(),
                                        error.getClass().getSimpleName());
                            }
                        });
            } catch (RuntimeException e) {
                LOG.warn("heartbeat of deployment {} not published: {}", status.getDeploymentId(),
                        e.getClass().getSimpleName());
            }
            onPublished.accept(status);
        }
    }
}
