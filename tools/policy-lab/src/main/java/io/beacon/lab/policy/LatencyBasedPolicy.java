package io.beacon.lab.policy;

import io.beacon.router.policy.Decision;
import io.beacon.router.policy.DeploymentSnapshot;
import io.beacon.router.policy.ProviderBacklog;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.RoutedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code latency-based}, as LiteLLM's lowest-latency routing defines it. For each deployment the router keeps a
 * list of at most 10 latencies of its own calls: a success adds the response time over the completion tokens
 * (seconds per token), a time-out adds a 1000 s penalty, other failures add nothing. It picks the deployment
 * with the lowest mean, one never used counting as 0 (so each is tried), ties at random. LiteLLM's list, once
 * full, keeps its first nine entries and replaces only the last; that is kept here, since it is what its users
 * get. Blind to load (a queue shows up only in later latencies) and to price.
 */
final class LatencyBasedPolicy implements RoutingDecider, LabObserver {

    static final String NAME = "latency-based";
    static final int MAX_LATENCIES = 10;
    static final double TIMEOUT_PENALTY = 1000.0;

    private final Duration staleness;
    private final double expectedSeconds;
    private final Random random;
    private final Map<String, List<Double>> latencies = new HashMap<>();

    LatencyBasedPolicy(long seed, Duration staleness, double expectedSeconds) {
        this.random = new Random(seed);
        this.staleness = staleness;
        this.expectedSeconds = expectedSeconds;
    }

    @Override
    public Decision decide(InferenceRequest request, Set<String> tried, Collection<DeploymentSnapshot> deployments,
                           Instant now, ProviderBacklog backlog) {
        List<DeploymentSnapshot> eligible = Eligibility.of(request, tried, deployments, now, staleness);
        if (eligible.isEmpty()) {
            return Eligibility.none(NAME, request);
        }
        double lowest = Double.MAX_VALUE;
        List<DeploymentSnapshot> best = new ArrayList<>();
        for (DeploymentSnapshot d : eligible) {
            double mean = mean(d.id());
            if (mean < lowest) {
                lowest = mean;
                best.clear();
                best.add(d);
            } else if (mean == lowest) {
                best.add(d);
            }
        }
        DeploymentSnapshot chosen = best.get(best.size() == 1 ? 0 : random.nextInt(best.size()));
        return Eligibility.chose(chosen, NAME, "lowest mean latency per token", expectedSeconds);
    }

    private double mean(String id) {
        List<Double> list = latencies.get(id);
        if (list == null || list.isEmpty()) {
            return 0;
        }
        double sum = 0;
        for (double v : list) {
            sum += v;
        }
        return sum / list.size();
    }

    @Override
    public void answered(RoutedJob job, JobAttempt attempt) {
        double value;
        if (attempt.getOutcome() == AttemptOutcome.SUCCEEDED) {
            double seconds = Duration.between(job.getRoutedAt(), attempt.getFinishedAt()).toNanos() / 1e9;
            value = attempt.getCompletionTokens() > 0 ? seconds / attempt.getCompletionTokens() : seconds;
        } else if (attempt.getError() != null && attempt.getError().contains("timed out")) {
            value = TIMEOUT_PENALTY;
        } else {
            return;
        }
        List<Double> list = latencies.computeIfAbsent(job.getDeploymentId(), id -> new ArrayList<>());
        if (list.size() < MAX_LATENCIES) {
            list.add(value);
        } else {
            list.set(MAX_LATENCIES - 1, value);
        }
    }
}
