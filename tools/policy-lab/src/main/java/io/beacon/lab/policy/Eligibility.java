package io.beacon.lab.policy;

import io.beacon.router.policy.Decision;
import io.beacon.router.policy.DeploymentSnapshot;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What every alternative policy may choose from, so that they differ only in the choice: deployments that serve
 * the job's model, with a fresh heartbeat that says healthy (a router without health checks would lose to any
 * with them, which says nothing about its choice), whose router circuit is closed (LiteLLM's cooldown,
 * OpenRouter's avoidance of providers that just failed), and not yet tried by this job (their fallbacks).
 * Sorted by id, so that an order-dependent choice is deterministic.
 */
final class Eligibility {

    private static final Comparator<DeploymentSnapshot> BY_ID = Comparator.comparing(DeploymentSnapshot::id);

    /** List price per second, lowest first (ties by id): the only cost the price-sorting policies know. */
    static final Comparator<DeploymentSnapshot> BY_PRICE = Comparator
            .comparingDouble((DeploymentSnapshot d) -> d.status().getPricePerSecondUsd())
            .thenComparing(DeploymentSnapshot::id);

    private Eligibility() {
    }

    static List<DeploymentSnapshot> of(InferenceRequest request, Set<String> tried,
                                       Collection<DeploymentSnapshot> deployments, Instant now, Duration staleness) {
        List<DeploymentSnapshot> out = new ArrayList<>(deployments.size());
        for (DeploymentSnapshot d : deployments) {
            if (!d.status().getModels().contains(request.getModel())
                    || d.status().getObservedAt().plus(staleness).isBefore(now)
                    || !d.status().getHealthy()
                    || tried.contains(d.id())) {
                continue;
            }
            DeploymentStats learned = d.stats();
            if (learned != null && learned.getOpenUntil() != null && learned.getOpenUntil().isAfter(now)) {
                continue;
            }
            out.add(d);
        }
        out.sort(BY_ID);
        return out;
    }

    static boolean baseline(DeploymentSnapshot d) {
        return d.provider() == ProviderKind.GOLEM;
    }

    /** The decision for {@code chosen}: no candidate list (the lab does not read it), the rule named after the policy. */
    static Decision chose(DeploymentSnapshot chosen, String policy, String reason, double expectedSeconds) {
        return new Decision(Optional.of(chosen), policy + ": " + reason, policy, List.of(),
                chosen.status().getPricePerSecondUsd() * expectedSeconds, Math.round(expectedSeconds * 1000));
    }

    static Decision none(String policy, InferenceRequest request) {
        return Decision.none(policy + ": no healthy deployment can take model " + request.getModel(), List.of());
    }
}
