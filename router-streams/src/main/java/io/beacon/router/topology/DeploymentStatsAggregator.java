package io.beacon.router.topology;

import io.beacon.router.policy.StatsSettings;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.JobAttempt;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Learns from real outcomes: folds each applied attempt into its deployment's statistics (error rate,
 * latency, billed time, consecutive failures and the router's own circuit). Attempts arrive keyed by
 * deployment id, so exactly one task of one instance writes each deployment's figures; it publishes them
 * to the compacted stats topic, which every instance reads back as a global store for routing.
 */
final class DeploymentStatsAggregator implements Processor<String, JobAttempt, String, DeploymentStats> {

    private final StatsSettings settings;
    private ProcessorContext<String, DeploymentStats> context;
    private KeyValueStore<String, DeploymentStats> store;

    DeploymentStatsAggregator(StatsSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, DeploymentStats> context) {
        this.context = context;
        this.store = context.getStateStore(RouterNames.DEPLOYMENT_STATS_STORE);
    }

    @Override
    public void process(Record<String, JobAttempt> record) {
        JobAttempt attempt = record.value();
        if (record.key() == null || attempt == null) {
            return;
        }
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        DeploymentStats stats = store.get(record.key());
        DeploymentStats updated = fold(stats == null ? empty(record.key(), now) : stats, attempt, settings, now);
        store.put(record.key(), updated);
        context.forward(new Record<>(record.key(), updated, record.timestamp()));
    }

    static DeploymentStats empty(String deploymentId, Instant now) {
        return DeploymentStats.newBuilder().setDeploymentId(deploymentId).setUpdatedAt(now).build();
    }

    /** The statistics after one more attempt. Pure, so the rules are unit-testable. */
    static DeploymentStats fold(DeploymentStats before, JobAttempt attempt, StatsSettings settings, Instant now) {
        DeploymentStats.Builder next = DeploymentStats.newBuilder(before);
        double alpha = settings.ewmaAlpha();
        next.setAttempts(before.getAttempts() + 1);
        next.setCostUsdTotal(before.getCostUsdTotal() + attempt.getCostEstimateUsd());
        next.setLastAttemptAt(attempt.getFinishedAt());
        next.setUpdatedAt(now);
        AttemptOutcome outcome = attempt.getOutcome();
        boolean retryableFailure = outcome == AttemptOutcome.RETRYABLE_FAILURE || outcome == AttemptOutcome.UNKNOWN;
        next.setErrorRate(before.getErrorRate() * (1 - alpha) + (retryableFailure ? alpha : 0));
        if (outcome == AttemptOutcome.SUCCEEDED) {
            long callMs = Math.max(0, attempt.getFinishedAt().toEpochMilli() - attempt.getStartedAt().toEpochMilli());
            boolean first = before.getSuccesses() == 0;
            next.setSuccesses(before.getSuccesses() + 1);
            next.setConsecutiveFailures(0);
            next.setOpenUntil(null);
            next.setLatencyEwmaMs(first ? callMs : before.getLatencyEwmaMs() * (1 - alpha) + callMs * alpha);
            next.setBilledSecondsEwma(first ? attempt.getBilledSeconds()
                    : before.getBilledSecondsEwma() * (1 - alpha) + attempt.getBilledSeconds() * alpha);
            List<Long> recent = new ArrayList<>(before.getRecentLatenciesMs());
            recent.add(callMs);
            while (recent.size() > settings.latencyWindow()) {
                recent.remove(0);
            }
            next.setRecentLatenciesMs(recent);
        } else if (outcome == AttemptOutcome.PERMANENT_FAILURE) {
            // The job's fault (bad model, bad input), not the deployment's: no effect on its circuit.
            next.setPermanentFailures(before.getPermanentFailures() + 1);
        } else {
            int consecutive = before.getConsecutiveFailures() + 1;
            next.setRetryableFailures(before.getRetryableFailures() + 1);
            next.setConsecutiveFailures(consecutive);
            if (consecutive >= settings.circuitFailureThreshold()) {
                next.setOpenUntil(now.plus(settings.circuitOpenFor()));
            }
        }
        return next.build();
    }
}
