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
 * {@code price-sort-fallback}: OpenRouter's provider routing with {@code sort: "price"} and fallbacks allowed.
 * Deployments are tried in order of price; one that cannot take the request now (at capacity, where a provider
 * answers 429 and OpenRouter moves on to the next) is skipped, and a failed attempt falls back to the next in
 * price order. When every deployment is at capacity the cheapest takes the job and it queues there. It knows
 * list prices only: nothing of cold starts, idle windows or what a wake costs.
 */
final class PriceSortFallbackPolicy implements RoutingDecider {

    static final String NAME = "price-sort-fallback";

    private final Duration staleness;
    private final double expectedSeconds;

    PriceSortFallbackPolicy(Duration staleness, double expectedSeconds) {
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
        List<DeploymentSnapshot> byPrice = eligible.stream().sorted(Eligibility.BY_PRICE).toList();
        for (DeploymentSnapshot d : byPrice) {
            if (d.hasHeadroom()) {
                return Eligibility.chose(d, NAME, "cheapest with capacity", expectedSeconds);
            }
        }
        return Eligibility.chose(byPrice.get(0), NAME, "all at capacity, cheapest", expectedSeconds);
    }
}
