package io.beacon.router.monitoring;

import io.beacon.dashboard.ResultStats;
import io.beacon.ops.metrics.InferenceMeters;
import io.beacon.router.policy.DeploymentConditions;
import io.beacon.router.topology.RoutingEvents;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

/**
 * Turns the job lifecycle's events into the metrics ops scrape (the runner guide's
 * {@code hybrid_requests_total}, {@code hybrid_request_duration_seconds}, {@code hybrid_cost_total}, plus
 * routing decisions and failovers) and into the dashboard's result statistics. Each instance counts the
 * jobs its own tasks finish, so summing over instances counts every job once.
 *
 * <p>Money comes from the cost ledger only ({@link #spent}): each entry is counted where it was spent, on the
 * provider and region that billed it, whatever it paid for (an attempt that failed, timed out or came late
 * as a duplicate, a probe, idle capacity, a fee), in {@code hybrid_cost_total{provider,region}}, in
 * {@code beacon_cost_usd_total{provider,region,kind}} and in the dashboard. A final result adds no money.
 * Each instance counts the ledger partitions its tasks own, so summing instances counts each entry once.
 */
public final class RouterTelemetry implements RoutingEvents {

    /** The provider label of a job that failed without any provider answering it. */
    public static final String NO_PROVIDER = ResultStats.NO_PROVIDER;

    private final InferenceMeters meters;
    private final ResultStats stats;
    private final Clock clock;
    /** Jobs held per task (partition) of this instance; the gauge is their sum. */
    private final java.util.concurrent.ConcurrentHashMap<Integer, Integer> heldByPartition =
            new java.util.concurrent.ConcurrentHashMap<>();

    public RouterTelemetry(InferenceMeters meters, ResultStats stats, Clock clock) {
        this.meters = meters;
        this.stats = stats;
        this.clock = clock;
    }

    @Override
    public void routed(RoutedJob job, String rule, ProviderKind failoverFrom) {
        String provider = label(job.getProvider());
        meters.recordDecision(provider, rule);
        if (failoverFrom != null) {
            meters.recordFailover(label(failoverFrom), provider);
        }
    }

    @Override
    public void held(int partition, int jobs) {
        heldByPartition.put(partition, jobs);
        int total = heldByPartition.values().stream().mapToInt(Integer::intValue).sum();
        meters.setJobsHeld(total);
        stats.setHeld(total);
    }

    @Override
    public void finished(InferenceResult result, long durationMs) {
        String provider = result.getProvider() == ProviderKind.UNKNOWN ? NO_PROVIDER : label(result.getProvider());
        String region = result.getRegion() == null ? "" : result.getRegion();
        meters.recordResult(provider, region, result.getSuccess(), Duration.ofMillis(durationMs));
        stats.record(provider, region, result.getSuccess(), durationMs, clock.millis());
    }

    @Override
    public void spent(CostEntry entry) {
        String provider = label(entry.getProvider());
        String region = entry.getRegion() == null ? "" : entry.getRegion();
        String kind = label(entry.getKind());
        meters.recordCost(provider, region, kind, entry.getAmountUsd());
        long at = entry.getPeriodEnd() == null ? clock.millis() : entry.getPeriodEnd().toEpochMilli();
        stats.recordCost(provider, region, kind, entry.getAmountUsd(), at);
    }

    /** A failed attempt counts in {@code beacon_attempt_failures_total{provider,blame}}. */
    @Override
    public void attempted(JobAttempt attempt) {
        if (attempt.getOutcome() == AttemptOutcome.SUCCEEDED) {
            return;
        }
        meters.recordAttemptFailure(label(attempt.getProvider()),
                attempt.getBlame() == null ? "unknown" : label(attempt.getBlame()));
    }

    /** Each heartbeat sets {@code beacon_deployment_condition}; a deployment removed leaves the gauges. */
    @Override
    public void deploymentReported(String deploymentId, ProviderStatus status, boolean removed) {
        String provider = status == null ? "unknown" : label(status.getProvider());
        if (removed) {
            meters.removeDeployment(deploymentId, provider);
            return;
        }
        meters.setDeploymentCondition(deploymentId, provider, label(DeploymentConditions.of(status)));
    }

    private static String label(Enum<?> kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }
}
