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
import java.util.Random;
import java.util.Set;

/**
 * {@code static-70-30}: the runner guide's plan as a weighted random split. Each job goes to the Golem
 * baseline with probability {@code baselineShare} and to serverless (Modal, RunPod) otherwise, to a deployment
 * of that tier at random; when the drawn tier has no eligible deployment, to the other. Blind to load and cost.
 */
final class StaticSplitPolicy implements RoutingDecider {

    static final String NAME = "static-70-30";

    private final double baselineShare;
    private final Random random;
    private final Duration staleness;
    private final double expectedSeconds;

    StaticSplitPolicy(double baselineShare, long seed, Duration staleness, double expectedSeconds) {
        this.baselineShare = baselineShare;
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
        boolean toBaseline = random.nextDouble() < baselineShare;
        List<DeploymentSnapshot> tier = eligible.stream().filter(d -> Eligibility.baseline(d) == toBaseline).toList();
        if (tier.isEmpty()) {
            tier = eligible;
        }
        DeploymentSnapshot chosen = tier.get(random.nextInt(tier.size()));
        return Eligibility.chose(chosen, NAME, toBaseline ? "baseline draw" : "serverless draw", expectedSeconds);
    }
}
