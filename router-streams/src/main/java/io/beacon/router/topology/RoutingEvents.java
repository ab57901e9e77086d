package io.beacon.router.topology;

import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;

/**
 * What the job lifecycle tells the outside world as it happens: metrics and the dashboard listen; the
 * topology stays free of them. Called on the stream thread, so listeners must be quick and thread-safe.
 * Under exactly-once, an event belongs to a transaction that may still abort and be processed again, so
 * counts built from it can exceed the committed output in rare retries; the topics stay exact.
 */
public interface RoutingEvents {

    /** Listens to nothing. */
    RoutingEvents NONE = new RoutingEvents() {
    };

    /**
     * A job was sent to a deployment.
     *
     * @param rule         the rule that chose it ({@code Decision}'s codes)
     * @param failoverFrom the provider kind of the failed attempt this one replaces, or null for a first attempt
     */
    default void routed(RoutedJob job, String rule, ProviderKind failoverFrom) {
    }

    /**
     * How many jobs one task (its partition) holds for the baseline tier now: told when it changes and when
     * the task starts (after a restart, the count restored from its hold store).
     */
    default void held(int partition, int jobs) {
    }

    /**
     * A job got its one final result, {@code durationMs} after it was created. Its money is not here: cost
     * is counted from the ledger ({@link #spent}), where it was spent.
     */
    default void finished(InferenceResult result, long durationMs) {
    }

    /**
     * One cost-ledger entry was read by the task that owns its deployment: money a provider bills (an
     * attempt of any outcome, a probe, idle capacity or a fee). Each entry is told once across the router
     * instances (bar exactly-once retries, as above).
     */
    default void spent(CostEntry entry) {
    }

    /**
     * The job lifecycle applied an attempt of a job it owns (a duplicate or stale attempt is not told): its outcome
     * and, for a failure, whose fault it was ({@code blame}). Each attempt is told once across the instances.
     */
    default void attempted(JobAttempt attempt) {
    }

    /**
     * A deployment's newest heartbeat reached this instance's global store (on the global thread): its condition
     * (serving, unhealthy, misconfigured, retired) and reason. Every instance is told of every deployment, so
     * gauges built from it agree across instances. {@code removed} is true when the deployment left the store
     * (a tombstone); {@code status} is then its last known heartbeat, or null when there was none.
     */
    default void deploymentReported(String deploymentId, ProviderStatus status, boolean removed) {
    }
}
