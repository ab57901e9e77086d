package io.beacon.workers;

import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderStatus;

/**
 * Told what a {@link ProviderWorker} reports, so metrics can follow the same records the router sees instead of
 * reaching into the delivery loop. Called on the worker's poll thread: implementations must be quick and must
 * not block; an exception is logged and otherwise ignored.
 */
public interface WorkerObserver {

    /** Observes nothing. */
    WorkerObserver NONE = new WorkerObserver() {
    };

    /**
     * A heartbeat for one deployment was produced and handed to the producer. Also called when the send
     * failed at once: the status still describes the deployment, only the broker did not take it.
     */
    default void statusPublished(ProviderStatus status) {
    }

    /** The broker acknowledged an attempt: it is written to {@code job-attempts}, once per acknowledgement. */
    default void attemptWritten(JobAttempt attempt) {
    }

    /** A cost-ledger entry was handed to the producer (any thread). */
    default void costEntryWritten(io.beacon.schemas.avro.CostEntry entry) {
    }

    /** The ledger's view of a deployment's capacity, at each ledger drain (poll thread). */
    default void ledgerSnapshot(io.beacon.workers.cost.CostLedger.Snapshot snapshot) {
    }

    /** A deployment joined the fleet, or its entry changed, while the worker runs (poll thread). */
    default void deploymentJoined(io.beacon.workers.core.DeploymentEndpoint deployment) {
    }
}
