package io.beacon.router.topology;

import io.beacon.router.policy.StatsSettings;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.JobAttempt;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Learns from real outcomes and real money. Folds each applied attempt into its deployment's statistics
 * (error rate, latency, billed time, consecutive failures and the router's own circuit) and each cost-ledger
 * entry into its money figures (all money billed, idle money, the learned cost of a successful attempt).
 * Attempts and ledger entries both arrive keyed by deployment id on topics with the same partition count, so
 * exactly one task of one instance owns each deployment; it publishes the figures to the compacted stats
 * topic, which every instance reads back as a global store for routing. The task also tells its listener of
 * every ledger entry it reads ({@link RoutingEvents#spent}), so summing the instances counts each entry once.
 */
final class DeploymentStatsAggregator implements Processor<String, SpecificRecord, String, DeploymentStats> {

    private final StatsSettings settings;
    private final RoutingEvents events;
    private ProcessorContext<String, DeploymentStats> context;
    private KeyValueStore<String, DeploymentStats> store;

    DeploymentStatsAggregator(StatsSettings settings) {
        this(settings, RoutingEvents.NONE);
    }

    DeploymentStatsAggregator(StatsSettings settings, RoutingEvents events) {
        this.settings = settings;
        this.events = events;
    }

    @Override
    public void init(ProcessorContext<String, DeploymentStats> context) {
        this.context = context;
        this.store = context.getStateStore(RouterNames.DEPLOYMENT_STATS_STORE);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        SpecificRecord value = record.value();
        if (record.key() == null || value == null) {
            return;
        }
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        DeploymentStats stats = store.get(record.key());
        DeploymentStats before = stats == null ? empty(record.key(), now) : stats;
        DeploymentStats updated;
        if (value instanceof JobAttempt attempt) {
            updated = fold(before, attempt, settings, now);
        } else if (value instanceof CostEntry entry) {
            events.spent(entry);
            updated = fold(before, entry, settings, now);
        } else {
            return;
        }
        store.put(record.key(), updated);
        context.forward(new Record<>(record.key(), updated, record.timestamp()));
    }

    static DeploymentStats empty(String deploymentId, Instant now) {
        return DeploymentStats.newBuilder().setDeploymentId(deploymentId).setUpdatedAt(now).build();
    }

    /**
     * The statistics after one more ledger entry: its money joins {@code cost_usd_total} (whatever it paid
     * for), idle money joins {@code idle_cost_usd_total}, and a successful attempt's amount feeds the learned
     * attempt cost. Pure, so the rules are unit-testable.
     */
    static DeploymentStats fold(DeploymentStats before, CostEntry entry, StatsSettings settings, Instant now) {
        double amount = entry.getAmountUsd();
        if (!Double.isFinite(amount)) {
            return before;
        }
        DeploymentStats.Builder next = DeploymentStats.newBuilder(before);
        next.setCostUsdTotal(before.getCostUsdTotal() + amount);
        next.setUpdatedAt(now);
        if (entry.getKind() == CostKind.IDLE) {
            next.setIdleCostUsdTotal(before.getIdleCostUsdTotal() + amount);
        } else if (entry.getKind() == CostKind.ATTEMPT && entry.getOutcome() == AttemptOutcome.SUCCEEDED) {
            boolean first = before.getAttemptCostSamples() == 0;
            double alpha = settings.ewmaAlpha();
            next.setAttemptCostEwmaUsd(first ? amount : before.getAttemptCostEwmaUsd() * (1 - alpha) + amount * alpha);
            next.setAttemptCostSamples(before.getAttemptCostSamples() + 1);
        }
        return next.build();
    }

    /**
     * The statistics after one more attempt. Its money is not added here: the cost ledger is the one source
     * of the deployment's cost. Pure, so the rules are unit-testable.
     */
    static DeploymentStats fold(DeploymentStats before, JobAttempt attempt, StatsSettings settings, Instant now) {
        DeploymentStats.Builder next = DeploymentStats.newBuilder(before);
        double alpha = settings.ewmaAlpha();
        next.setAttempts(before.getAttempts() + 1);
        next.setLastAttemptAt(attempt.getFinishedAt());
        next.setUpdatedAt(now);
        AttemptOutcome outcome = attempt.getOutcome();
        FailureBlame blame = attempt.getBlame();
        boolean misconfigured = outcome != AttemptOutcome.SUCCEEDED && blame == FailureBlame.MISCONFIGURED;
        // The deployment's fault, set-up or health, counts against it; the request's fault does not.
        boolean deploymentFailure = outcome == AttemptOutcome.RETRYABLE_FAILURE || outcome == AttemptOutcome.UNKNOWN
                || misconfigured;
        next.setErrorRate(before.getErrorRate() * (1 - alpha) + (deploymentFailure ? alpha : 0));
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
        } else if (!deploymentFailure) {
            // The job's fault (bad input, context too long, content refused), not the deployment's: no effect on
            // its circuit.
            next.setPermanentFailures(before.getPermanentFailures() + 1);
        } else {
            int consecutive = before.getConsecutiveFailures() + 1;
            next.setRetryableFailures(before.getRetryableFailures() + 1);
            next.setConsecutiveFailures(consecutive);
            // A misconfigured deployment (credentials refused, model missing) opens the router's circuit at once:
            // one such answer says it all, and jobs routed before its worker's heartbeat says MISCONFIGURED
            // should stop now. A misconfiguration lasts until fixed, so the heartbeat's condition keeps it out
            // after the circuit closes.
            if (misconfigured || consecutive >= settings.circuitFailureThreshold()) {
                next.setOpenUntil(now.plus(settings.circuitOpenFor()));
            }
        }
        return next.build();
    }
}
