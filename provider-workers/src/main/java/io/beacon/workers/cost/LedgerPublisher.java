package io.beacon.workers.cost;

import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.workers.core.RecordCodec;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the cost ledger to {@code cost-ledger} (key: deployment id) with the worker's producer: one ATTEMPT
 * entry per attempt the worker publishes (whatever its outcome), and at each heartbeat tick what
 * {@link CostLedger#drain} returns (IDLE, FEE, PROBE). A send that fails is logged at WARN and not retried: the
 * ledger is for reconciliation, it must never hold up deliveries.
 */
public final class LedgerPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerPublisher.class);

    private final Producer<String, byte[]> producer;
    private final RecordCodec codec;
    private final CostLedger ledger;
    private final Consumer<CostEntry> onSent;
    private final Consumer<CostLedger.Snapshot> onDrained;

    /**
     * @param onSent    told of each entry handed to the producer (any thread)
     * @param onDrained told of each deployment's capacity after a drain
     */
    public LedgerPublisher(Producer<String, byte[]> producer, RecordCodec codec, CostLedger ledger,
                           Consumer<CostEntry> onSent, Consumer<CostLedger.Snapshot> onDrained) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.onSent = Objects.requireNonNull(onSent, "onSent");
        this.onDrained = Objects.requireNonNull(onDrained, "onDrained");
    }

    public CostLedger ledger() {
        return ledger;
    }

    /** The ATTEMPT entry of {@code attempt}, when its deployment is one of the ledger's. Any thread. */
    public void attempt(JobAttempt attempt) {
        if (attempt == null || !ledger.knows(attempt.getDeploymentId())) {
            return;
        }
        send(attemptEntry(attempt));
    }

    /** The ATTEMPT ledger entry of {@code attempt}: its period, billed seconds and charge. */
    public static CostEntry attemptEntry(JobAttempt attempt) {
        return CostEntry.newBuilder()
                .setDeploymentId(attempt.getDeploymentId())
                .setProvider(attempt.getProvider())
                .setRegion(attempt.getRegion())
                .setKind(CostKind.ATTEMPT)
                .setJobId(attempt.getJobId())
                .setAttempt(attempt.getAttempt())
                .setOutcome(attempt.getOutcome())
                .setUnit(null)
                .setPeriodStart(attempt.getStartedAt())
                .setPeriodEnd(attempt.getFinishedAt())
                .setUnitSeconds(attempt.getBilledSeconds())
                .setAmountUsd(attempt.getCostEstimateUsd())
                .setWorkerId(attempt.getWorkerId())
                .build();
    }

    /** Accrues the ledger up to {@code now} and sends what it returns. Poll thread. */
    public void drain(Instant now) {
        List<CostEntry> entries = ledger.drain(now);
        for (CostEntry e : entries) {
            send(e);
        }
        for (CostLedger.Snapshot s : ledger.snapshots(now)) {
            try {
                onDrained.accept(s);
            } catch (RuntimeException e) {
                LOG.warn("the ledger observer failed: {}", e.toString());
            }
        }
    }

    private void send(CostEntry entry) {
        try {
            producer.send(new ProducerRecord<>(codec.costTopic(), entry.getDeploymentId(), codec.encodeCost(entry)),
                    (metadata, error) -> {
                        if (error != null) {
                            LOG.warn("cost-ledger entry {} of deployment {} not published: {}", entry.getKind(),
                                    entry.getDeploymentId(), error.getClass().getSimpleName());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.warn("cost-ledger entry {} of deployment {} not published: {}", entry.getKind(),
                    entry.getDeploymentId(), e.getClass().getSimpleName());
            return;
        }
        try {
            onSent.accept(entry);
        } catch (RuntimeException e) {
            LOG.warn("the ledger observer failed: {}", e.toString());
        }
    }
}
