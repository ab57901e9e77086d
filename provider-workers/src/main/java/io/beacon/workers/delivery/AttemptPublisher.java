package io.beacon.workers.delivery;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.JobMdc;
import io.beacon.workers.core.RecordCodec;
import io.beacon.workers.delivery.OffsetTracker.PartitionOffsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one {@link JobAttempt} per job to {@code job-attempts} and turns the broker's acknowledgements
 * into released offsets: a job's offset is acknowledged in the {@link OffsetTracker} only once its attempt is
 * written, so a commit never passes a job whose attempt could still be lost. What the broker refuses for a
 * retriable reason is sent again after a short delay; an attempt it refuses otherwise (a response too large
 * for the topic) is sent once more without its response; only then does the worker give up on it.
 *
 * <p>Threads: {@link #submit} from any thread (calls finish on HTTP threads); everything else on the poll
 * thread. Acknowledgements come back from the producer's callback through a concurrent queue that
 * {@link #drain()} applies, so the tracker is only touched on the poll thread.
 */
public final class AttemptPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(AttemptPublisher.class);
    private static final Duration REPUBLISH_DELAY = Duration.ofSeconds(1);

    /** Where a job came from, so its acknowledgement can release its offset. */
    public record Delivery(TopicPartition partition, long offset, PartitionOffsets token) {
    }

    /**
     * An attempt ready to publish; {@code lastChance} after a non-retriable send error. A null attempt marks a
     * job dropped without a call (its partition was revoked first): it only stops counting as outstanding.
     */
    public record Finished(Delivery delivery, JobAttempt attempt, boolean lastChance, int jobPartition) {

        public Finished(Delivery delivery, JobAttempt attempt, boolean lastChance) {
            this(delivery, attempt, lastChance, -1);
        }

        public Finished(Delivery delivery, JobAttempt attempt, boolean lastChance, RoutedJob job) {
            this(delivery, attempt, lastChance, job.getJobPartition());
        }
    }

    private record Acked(Finished finished, Exception error) {
    }

    private final Producer<String, byte[]> producer;
    private final RecordCodec codec;
    private final OffsetTracker offsets;
    private final Clock clock;
    private final Consumer<JobAttempt> onWritten;
    private Consumer<JobAttempt> onNew = attempt -> { };

    // Poll-thread state.
    private final ArrayDeque<Finished> republish = new ArrayDeque<>();
    private Instant republishAt = Instant.MIN;

    // Shared between threads.
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Acked> acked = new ConcurrentLinkedQueue<>();
    private final Semaphore progress = new Semaphore(0);

    /**
     * @param producer  idempotent with acks=all; shared with the heartbeats
     * @param offsets   the poll thread's tracker, told of each acknowledged job
     * @param onWritten told of each attempt the broker acknowledged, on the poll thread
     */
    public AttemptPublisher(Producer<String, byte[]> producer, RecordCodec codec, OffsetTracker offsets, Clock clock,
                            Consumer<JobAttempt> onWritten) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.offsets = Objects.requireNonNull(offsets, "offsets");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onWritten = Objects.requireNonNull(onWritten, "onWritten");
    }

    /**
     * Told of every new attempt once, as it is handed over (any thread): the worker writes its ATTEMPT
     * cost-ledger entry there.
     */
    public AttemptPublisher onNewAttempt(Consumer<JobAttempt> hook) {
        this.onNew = Objects.requireNonNull(hook, "hook");
        return this;
    }

    private void noteNew(Finished f) {
        if (f.attempt() != null && !f.lastChance()) {
            try {
                onNew.accept(f.attempt());
            } catch (RuntimeException e) {
                LOG.warn("the new-attempt hook failed: {}", e.toString());
            }
        }
    }

    /** Publishes a new attempt now (poll thread), telling {@link #onNewAttempt} first. */
    public void publishNew(Finished f) {
        noteNew(f);
        publish(f);
    }

    /** Hands over a finished job from any thread; the poll thread publishes it on its next {@link #drain()}. */
    public void submit(Finished f) {
        noteNew(f);
        finished.add(f);
        progress.release();
    }

    /**
     * Publishes due retries and handed-over attempts, and applies the broker's acknowledgements. Poll thread
     * only.
     *
     * @return how many jobs stopped being outstanding: written, given up, or dropped without a call
     */
    public int drain() {
        int released = 0;
        if (!republish.isEmpty() && !clock.instant().isBefore(republishAt)) {
            List<Finished> again = new ArrayList<>(republish);
            republish.clear();
            again.forEach(this::publish);
        }
        for (Finished f = finished.poll(); f != null; f = finished.poll()) {
            if (f.attempt() == null) {
                released++;
            } else {
                publish(f);
            }
        }
        for (Acked a = acked.poll(); a != null; a = acked.poll()) {
            if (onAck(a)) {
                released++;
            }
        }
        return released;
    }

    /** Waits up to {@code maxMs} for the next handed-over job or acknowledgement, instead of spinning. */
    public void awaitProgress(long maxMs) throws InterruptedException {
        progress.tryAcquire(maxMs, TimeUnit.MILLISECONDS);
    }

    /** Sends everything the producer holds and waits for the broker (heartbeats included). */
    public void flush() {
        producer.flush();
    }

    /** Sends one attempt now. Poll thread only. */
    public void publish(Finished f) {
        JobAttempt attempt = f.attempt();
        try {
            byte[] value = codec.encodeAttempt(attempt);
            producer.send(new ProducerRecord<>(codec.attemptsTopic(), attemptPartition(f), attempt.getJobId(), value),
                    (metadata, error) -> {
                acked.add(new Acked(f, error));
                progress.release();
            });
        } catch (RuntimeException e) {
            // Registry or broker unreachable: keep the attempt and its offset, try again shortly.
            try (JobMdc ignored = JobMdc.of(attempt.getJobId())) {
                LOG.warn("attempt for job {} not published yet ({}); retrying", attempt.getJobId(),
                        e.getClass().getSimpleName());
            }
            retryLater(f);
        }
    }

    /**
     * The partition of job-attempts that holds the job: the router named it in the routed job, so the
     * attempt meets its job whatever partitioner put the request where it is. Null (by key) when unknown.
     */
    private Integer attemptPartition(Finished f) {
        if (f.jobPartition() < 0) {
            return null;
        }
        int partitions = producer.partitionsFor(codec.attemptsTopic()).size();
        return f.jobPartition() < partitions ? f.jobPartition() : null;
    }

    private void retryLater(Finished f) {
        republish.add(f);
        republishAt = clock.instant().plus(REPUBLISH_DELAY);
    }

    /** True when the acknowledgement ends the job's time as outstanding. */
    private boolean onAck(Acked a) {
        Finished f = a.finished();
        if (a.error() == null) {
            offsets.acknowledge(f.delivery().token(), f.delivery().offset());
            onWritten.accept(f.attempt());
            return true;
        }
        try (JobMdc ignored = JobMdc.of(f.attempt().getJobId())) {
            return onRejected(f, a.error());
        }
    }

    /** The broker refused an attempt: retry it, strip its response, or give up (true). */
    private boolean onRejected(Finished f, Exception error) {
        if (error instanceof RetriableException) {
            LOG.warn("attempt for job {} not acknowledged ({}); retrying", f.attempt().getJobId(),
                    error.getClass().getSimpleName());
            retryLater(f);
            return false;
        } else if (!f.lastChance()) {
            // E.g. a response too large for the topic: publish the failure without the response instead.
            LOG.error("attempt for job {} rejected by the broker ({}); publishing it without its response",
                    f.attempt().getJobId(), error.getClass().getSimpleName());
            JobAttempt stripped = JobAttempt.newBuilder(f.attempt()).setResponse(null)
                    .setOutcome(AttemptOutcome.RETRYABLE_FAILURE)
                    // Neither the request's nor the deployment's doing: the broker would not take the record.
                    .setBlame(FailureBlame.UNKNOWN)
                    .setError("the attempt could not be published: " + error.getClass().getSimpleName())
                    .build();
            publish(new Finished(f.delivery(), stripped, true, f.jobPartition()));
            return false;
        } else {
            LOG.error("attempt for job {} cannot be published ({}); giving up, the router's deadline will end the job",
                    f.attempt().getJobId(), error.getClass().getSimpleName());
            offsets.acknowledge(f.delivery().token(), f.delivery().offset());
            return true;
        }
    }
}
