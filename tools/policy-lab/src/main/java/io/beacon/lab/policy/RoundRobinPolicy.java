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

/** {@code round-robin}: each job to the next eligible deployment in turn (by id), whatever its load or price. */
final class RoundRobinPolicy implements RoutingDecider {

    static final String NAME = "round-robin";

    private final Duration staleness;
    private final double expectedSeconds;
    private long turn;

    RoundRobinPolicy(Duration staleness, double expectedSeconds) {
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
        DeploymentSnapshot chosen = eligible.get((int) (turn++ % eligible.size()));
        return Eligibility.chose(chosen, NAME, "next in turn", expectedSeconds);
    }
}
