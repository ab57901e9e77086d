package io.beacon.lab.policy;

import io.beacon.router.policy.Decision;
import io.beacon.router.policy.DeploymentSnapshot;
import io.beacon.router.policy.ProviderBacklog;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.schemas.avro.InferenceRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * {@code cheapest-first}: every job to the eligible deployment with the lowest price per second, with no
 * capacity awareness: a full cheap deployment keeps getting jobs, which queue at its worker. Failures fall
 * back to the next cheapest (the lifecycle's failover excludes what the job tried).
 */
final class CheapestFirstPolicy implements RoutingDecider {

    static final String NAME = "cheapest-first";

    private final Duration staleness;
    private final double expectedSeconds;

    CheapestFirstPolicy(Duration staleness, double expectedSeconds) {
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
        return Eligibility.chose(eligible.stream().min(Eligibility.BY_PRICE).orElseThrow(), NAME, "lowest price per second",
                expectedSeconds);
    }
}
