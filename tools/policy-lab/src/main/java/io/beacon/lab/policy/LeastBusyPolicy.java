package io.beacon.lab.policy;

import io.beacon.router.policy.Decision;
import io.beacon.router.policy.DeploymentSnapshot;
import io.beacon.router.policy.ProviderBacklog;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.RoutedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code least-busy}, as LiteLLM's router defines it: the router counts its own requests in flight per
 * deployment (one more when it sends a request, one less when the answer or the failure comes back) and picks
 * the eligible deployment with the fewest; a deployment never used counts 0; ties go to the first in a fixed
 * order. Blind to price.
 */
final class LeastBusyPolicy implements RoutingDecider, LabObserver {

    static final String NAME = "least-busy";

    private final Duration staleness;
    private final double expectedSeconds;
    private final Map<String, Integer> inFlight = new HashMap<>();

    LeastBusyPolicy(Duration staleness, double expectedSeconds) {
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
        DeploymentSnapshot best = null;
        int fewest = Integer.MAX_VALUE;
        for (DeploymentSnapshot d : eligible) {
            int count = inFlight.getOrDefault(d.id(), 0);
            if (count < fewest) {
                fewest = count;
                best = d;
            }
        }
        return Eligibility.chose(best, NAME, fewest + " requests in flight", expectedSeconds);
    }

    @Override
    public void routed(RoutedJob job) {
        inFlight.merge(job.getDeploymentId(), 1, Integer::sum);
    }

    @Override
    public void answered(RoutedJob job, JobAttempt attempt) {
        inFlight.merge(job.getDeploymentId(), -1, Integer::sum);
    }
}
