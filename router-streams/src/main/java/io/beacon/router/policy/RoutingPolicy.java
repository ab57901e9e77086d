package io.beacon.router.policy;

import io.beacon.schemas.avro.CandidateScore;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses a deployment for a job. Deterministic and explainable: the same inputs give the same choice,
 * and every deployment considered is reported with its score or the filter it failed.
 *
 * <ol>
 *   <li>Candidates: serve the model, fresh heartbeat and healthy, not already tried by this job, and
 *       under the job's price cap.</li>
 *   <li>Provider preference: the first preferred provider with a candidate wins; others only when the
 *       job allows fallbacks.</li>
 *   <li>Region preference: same-region candidates with headroom first.</li>
 *   <li>Cost priority: the baseline tier (Golem) while it has headroom, then the cheapest burst
 *       deployment with headroom. Speed priority: the lowest expected completion time. When nothing
 *       has headroom, the lowest expected completion time (the job queues there).</li>
 * </ol>
 */
public final class RoutingPolicy {

    /** The cheap tier that should carry the load while it has room. */
    public static final ProviderKind BASELINE = ProviderKind.GOLEM;

    private final Duration heartbeatStaleness;
    private final double expectedSeconds;

    public RoutingPolicy(Duration heartbeatStaleness, double expectedInferenceSeconds) {
        this.heartbeatStaleness = heartbeatStaleness;
        this.expectedSeconds = expectedInferenceSeconds;
    }

    public Decision decide(InferenceRequest request, Set<String> alreadyTried,
                           Collection<DeploymentSnapshot> deployments, Instant now) {
        List<CandidateScore> scores = new ArrayList<>();
        List<DeploymentSnapshot> eligible = new ArrayList<>();
        for (DeploymentSnapshot d : deployments.stream().sorted(Comparator.comparing(DeploymentSnapshot::id)).toList()) {
            String reject = rejection(request, alreadyTried, d, now);
            if (reject == null) {
                eligible.add(d);
            }
            scores.add(CandidateScore.newBuilder().setDeploymentId(d.id()).setProvider(d.provider())
                    .setEligible(reject == null).setScore(reject == null ? score(request, d) : 0)
                    .setNote(reject == null ? describe(d) : reject).build());
        }
        if (eligible.isEmpty()) {
            return Decision.none("no healthy deployment can take model " + request.getModel()
                    + (alreadyTried.isEmpty() ? "" : " (already tried: " + String.join(", ", alreadyTried) + ")"), scores);
        }

        List<String> why = new ArrayList<>();
        List<DeploymentSnapshot> pool = eligible;
        List<ProviderKind> preference = request.getProviderPreference();
        if (!preference.isEmpty()) {
            Optional<ProviderKind> served = preference.stream()
                    .filter(p -> eligible.stream().anyMatch(d -> d.provider() == p)).findFirst();
            if (served.isPresent()) {
                pool = eligible.stream().filter(d -> d.provider() == served.get()).toList();
                why.add("preferred provider " + name(served.get()));
            } else if (!request.getAllowFallbacks()) {
                return Decision.none("no preferred provider (" + names(preference)
                        + ") can take the job and fallbacks are not allowed", scores);
            } else {
                why.add("preferred providers " + names(preference) + " unavailable, falling back");
            }
        }

        String region = request.getRegionPreference();
        if (region != null && !region.isBlank()) {
            List<DeploymentSnapshot> local = pool.stream()
                    .filter(d -> d.region().equalsIgnoreCase(region) && d.hasHeadroom()).toList();
            if (!local.isEmpty()) {
                pool = local;
                why.add("in preferred region " + region);
            } else {
                why.add("no deployment with headroom in " + region);
            }
        }

        DeploymentSnapshot chosen;
        List<DeploymentSnapshot> withHeadroom = pool.stream().filter(DeploymentSnapshot::hasHeadroom).toList();
        if (withHeadroom.isEmpty()) {
            chosen = pool.stream().min(byLatency()).orElseThrow();
            why.add("every candidate is at capacity, queueing where it completes soonest");
        } else if (request.getCostPriority()) {
            List<DeploymentSnapshot> baseline = withHeadroom.stream().filter(d -> d.provider() == BASELINE).toList();
            if (!baseline.isEmpty()) {
                chosen = baseline.stream().min(byCost()).orElseThrow();
                why.add("baseline tier has headroom, cheapest");
            } else {
                chosen = withHeadroom.stream().min(byCost()).orElseThrow();
                why.add("baseline tier full, cheapest burst deployment");
            }
        } else {
            chosen = withHeadroom.stream().min(byLatency()).orElseThrow();
            why.add("speed priority, fastest expected completion");
        }
        return new Decision(Optional.of(chosen), String.join("; ", why), scores, expectedCostUsd(chosen),
                expectedLatencyMs(chosen));
    }

    private String rejection(InferenceRequest request, Set<String> tried, DeploymentSnapshot d, Instant now) {
        if (!d.status().getModels().contains(request.getModel())) {
            return "does not serve " + request.getModel();
        }
        if (d.status().getObservedAt().plus(heartbeatStaleness).isBefore(now)) {
            return "heartbeat stale since " + d.status().getObservedAt();
        }
        if (!d.status().getHealthy()) {
            return "unhealthy" + (d.status().getError() == null ? "" : ": " + d.status().getError());
        }
        if (tried.contains(d.id())) {
            return "already tried by this job";
        }
        Double cap = request.getMaxPricePerInferenceUsd();
        if (cap != null && expectedCostUsd(d) > cap) {
            return String.format(Locale.ROOT, "expected cost $%.6f over the cap $%.6f", expectedCostUsd(d), cap);
        }
        return null;
    }

    private double score(InferenceRequest request, DeploymentSnapshot d) {
        return request.getCostPriority() ? expectedCostUsd(d) : expectedLatencyMs(d);
    }

    double expectedCostUsd(DeploymentSnapshot d) {
        return d.status().getPricePerSecondUsd() * expectedSeconds;
    }

    /** Service time plus the wait behind jobs beyond the deployment's capacity. */
    long expectedLatencyMs(DeploymentSnapshot d) {
        double queued = Math.max(0, d.load() + 1 - d.capacity());
        double waves = 1 + queued / d.capacity();
        return Math.round(expectedSeconds * waves * 1000);
    }

    private Comparator<DeploymentSnapshot> byCost() {
        return Comparator.comparingDouble(this::expectedCostUsd)
                .thenComparingDouble(d -> (double) d.load() / d.capacity())
                .thenComparing(DeploymentSnapshot::id);
    }

    private Comparator<DeploymentSnapshot> byLatency() {
        return Comparator.comparingLong(this::expectedLatencyMs)
                .thenComparingDouble(this::expectedCostUsd)
                .thenComparing(DeploymentSnapshot::id);
    }

    private String describe(DeploymentSnapshot d) {
        return String.format(Locale.ROOT, "load %d/%d, expected $%.6f, %d ms", d.load(), d.capacity(),
                expectedCostUsd(d), expectedLatencyMs(d));
    }

    private static String name(ProviderKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static String names(List<ProviderKind> kinds) {
        return String.join(",", kinds.stream().map(RoutingPolicy::name).toList());
    }
}
