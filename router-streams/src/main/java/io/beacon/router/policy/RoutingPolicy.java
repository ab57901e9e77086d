package io.beacon.router.policy;

import io.beacon.schemas.avro.BillingModel;
import io.beacon.schemas.avro.CandidateScore;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.DeploymentStats;
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
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;

/**
 * Chooses a deployment for a job. Deterministic and explainable: the same inputs give the same choice,
 * and every deployment considered is reported with its score or the filter it failed.
 *
 * <ol>
 *   <li>Candidates: not out of service (a heartbeat condition MISCONFIGURED or RETIRED, noted with the
 *       reason), serve the model, fresh heartbeat and healthy, not already tried by this job, and under the
 *       job's price cap.</li>
 *   <li>Provider preference: the first preferred provider with a candidate wins; others only when the
 *       job allows fallbacks.</li>
 *   <li>Failover: a job whose attempt failed goes to another provider kind when one can take it.</li>
 *   <li>Region preference: same-region candidates with headroom first.</li>
 *   <li>Cost priority: the baseline tier (Golem) while it has headroom, then the cheapest burst
 *       deployment with headroom; when nothing has headroom, the lowest expected completion time (the job
 *       queues there). Speed priority: the lowest expected completion time.</li>
 * </ol>
 * Estimates learn from outcomes ({@link DeploymentStats}): service time and billed time from the
 * deployment's own moving averages once it has a few successes, a cold start for serverless
 * deployments that have idled, and a gross-up for the share of attempts that fail; the router's own
 * circuit keeps jobs off a deployment after consecutive failures.
 *
 * <p>Wake cost ({@code routing.wake.cost}, on by default): when a heartbeat carries its billing facts
 * ({@code billing_model}, {@code warm_slots}, {@code idle_window_ms}), the expected cost is what the job makes
 * the provider bill. On a warm free slot (a lease with headroom, or warm slots left beyond the jobs sent since
 * the heartbeat) it pays its share of the unit: the deployment's learned attempt cost from the cost ledger,
 * else service time x price / the calls sharing the unit. On a serverless deployment with no warm slot it
 * starts a unit and pays the whole wake: price x (cold start + service time + idle window), since the unit is
 * billed until its idle window after the call. A cold Modal L4 with a 60 s window: ~$0.014, not ~$0.001.
 */
public final class RoutingPolicy implements RoutingDecider {

    /** The cheap tier that should carry the load while it has room. */
    public static final ProviderKind BASELINE = ProviderKind.GOLEM;

    private static final Comparator<DeploymentSnapshot> BY_ID = Comparator.comparing(DeploymentSnapshot::id);

    private final Duration heartbeatStaleness;
    private final double expectedSeconds;
    private final StatsSettings stats;

    public RoutingPolicy(Duration heartbeatStaleness, double expectedInferenceSeconds) {
        this(heartbeatStaleness, expectedInferenceSeconds, StatsSettings.defaults());
    }

    /**
     * @param expectedInferenceSeconds service time assumed until a deployment has enough successes to
     *                                 learn its own
     */
    public RoutingPolicy(Duration heartbeatStaleness, double expectedInferenceSeconds, StatsSettings stats) {
        this.heartbeatStaleness = heartbeatStaleness;
        this.expectedSeconds = expectedInferenceSeconds;
        this.stats = stats;
    }

    public Decision decide(InferenceRequest request, Set<String> alreadyTried,
                           Collection<DeploymentSnapshot> deployments, Instant now) {
        return decide(request, alreadyTried, deployments, now, ProviderBacklog.NONE);
    }

    /**
     * @param backlog which provider kinds' job queues are falling behind (their worker group lags or has
     *                stalled); their deployments are used only when no other candidate can take the job
     */
    @Override
    public Decision decide(InferenceRequest request, Set<String> alreadyTried,
                           Collection<DeploymentSnapshot> deployments, Instant now, ProviderBacklog backlog) {
        List<CandidateScore> scores = new ArrayList<>();
        List<DeploymentSnapshot> eligible = new ArrayList<>();
        List<DeploymentSnapshot> sorted = new ArrayList<>(deployments);
        sorted.sort(BY_ID);
        for (DeploymentSnapshot d : sorted) {
            String reject = rejection(request, alreadyTried, d, now);
            if (reject == null) {
                eligible.add(d);
            }
            scores.add(CandidateScore.newBuilder().setDeploymentId(d.id()).setProvider(d.provider())
                    .setEligible(reject == null).setScore(reject == null ? score(request, d, now) : 0)
                    .setNote(reject == null ? describe(d, now) : reject).build());
        }
        if (eligible.isEmpty()) {
            if (sorted.stream().noneMatch(d -> d.status().getModels().contains(request.getModel()))) {
                // Not a matter of health or load: the fleet does not have the model (by the runner's name; each
                // worker maps it to its provider's name), so say so and which models there are.
                Set<String> served = new TreeSet<>();
                sorted.forEach(d -> served.addAll(d.status().getModels()));
                return Decision.none("no deployment serves model " + request.getModel() + " (models served: "
                        + (served.isEmpty() ? "none" : String.join(", ", served)) + ")", scores);
            }
            return Decision.none("no healthy deployment can take model " + request.getModel()
                    + (alreadyTried.isEmpty() ? "" : " (already tried: " + String.join(", ", alreadyTried) + ")"), scores);
        }

        List<String> why = new ArrayList<>();
        List<DeploymentSnapshot> pool = eligible;
        // A provider whose workers fall behind gets no new jobs while another provider can take them: the
        // jobs already queued there are late enough.
        List<DeploymentSnapshot> flowing = new ArrayList<>();
        List<String> behind = new ArrayList<>();
        for (DeploymentSnapshot d : pool) {
            Optional<String> lagging = backlog.behind(d.provider()).map(reason -> name(d.provider()) + " " + reason);
            if (lagging.isEmpty()) {
                flowing.add(d);
            } else if (!behind.contains(lagging.get())) {
                behind.add(lagging.get());
            }
        }
        if (!behind.isEmpty()) {
            if (!flowing.isEmpty()) {
                pool = flowing;
                why.add("avoiding providers falling behind (" + String.join("; ", behind) + ")");
            } else {
                why.add("every candidate provider is falling behind (" + String.join("; ", behind) + ")");
            }
        }
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

        // A failover leaves the provider kind that failed when another can take the job: failures within
        // one provider are correlated (a Golem network problem, a RunPod region outage).
        Set<ProviderKind> failedKinds = deployments.stream().filter(d -> alreadyTried.contains(d.id()))
                .map(DeploymentSnapshot::provider).collect(java.util.stream.Collectors.toSet());
        if (!failedKinds.isEmpty()) {
            List<DeploymentSnapshot> elsewhere = pool.stream().filter(d -> !failedKinds.contains(d.provider())).toList();
            if (!elsewhere.isEmpty()) {
                pool = elsewhere;
                why.add("failover away from " + names(List.copyOf(failedKinds)));
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
        String rule;
        List<DeploymentSnapshot> withHeadroom = pool.stream().filter(DeploymentSnapshot::hasHeadroom).toList();
        Comparator<DeploymentSnapshot> byCost = byCost(now);
        Comparator<DeploymentSnapshot> byLatency = byLatency(now);
        if (withHeadroom.isEmpty()) {
            chosen = pool.stream().min(byLatency).orElseThrow();
            why.add("every candidate is at capacity, queueing where it completes soonest");
            rule = Decision.QUEUED;
        } else if (request.getCostPriority()) {
            List<DeploymentSnapshot> baseline = withHeadroom.stream().filter(d -> d.provider() == BASELINE).toList();
            if (!baseline.isEmpty()) {
                // A leased node is billed busy or idle: one the router has not learned yet (it just joined) is
                // priced like the cheapest learned lease, not by its configured guess, which would keep it idle
                // against the others' learned, shared cost for good; it gets jobs once it is the least loaded.
                OptionalDouble leasedFloor = baseline.stream().filter(d -> lease(d) && learnedAttemptCost(d))
                        .mapToDouble(d -> expectedCostUsd(d, now)).min();
                Comparator<DeploymentSnapshot> byLeaseCost = leasedFloor.isEmpty() ? byCost
                        : Comparator.comparingDouble((DeploymentSnapshot d) -> lease(d) && !learnedAttemptCost(d)
                                ? Math.min(expectedCostUsd(d, now), leasedFloor.getAsDouble()) : expectedCostUsd(d, now))
                        .thenComparingDouble(d -> (double) d.load() / d.capacity())
                        .thenComparing(DeploymentSnapshot::id);
                chosen = baseline.stream().min(byLeaseCost).orElseThrow();
                why.add(lease(chosen) && !learnedAttemptCost(chosen) && leasedFloor.isPresent()
                        ? "baseline tier has headroom; " + chosen.id() + " is leased with no learned cost yet, priced"
                        + " like the cheapest learned lease"
                        : "baseline tier has headroom, cheapest");
                rule = Decision.BASELINE;
            } else {
                chosen = withHeadroom.stream().min(byCost).orElseThrow();
                why.add("baseline tier full, cheapest burst deployment");
                rule = Decision.BURST_OVERFLOW;
            }
        } else {
            // Expected latency already counts the queue behind a full deployment, so a busy but warm
            // deployment can still beat a cold one.
            chosen = pool.stream().min(byLatency).orElseThrow();
            why.add("speed priority, fastest expected completion");
            rule = Decision.SPEED;
        }
        return new Decision(Optional.of(chosen), String.join("; ", why), rule, scores, expectedCostUsd(chosen, now),
                expectedLatencyMs(chosen, now));
    }

    private String rejection(InferenceRequest request, Set<String> tried, DeploymentSnapshot d, Instant now) {
        DeploymentCondition condition = d.status().getCondition();
        if (condition == DeploymentCondition.MISCONFIGURED || condition == DeploymentCondition.RETIRED) {
            // Out of service whatever its other fields say: retired left the fleet (beacon deployments remove);
            // misconfigured stays out until its worker reports it fixed (a probe passed or its entry changed).
            String reason = d.status().getError();
            return (condition == DeploymentCondition.MISCONFIGURED ? "misconfigured" : "retired")
                    + (reason == null || reason.isBlank() ? "" : ": " + reason);
        }
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
        DeploymentStats learned = d.stats();
        if (learned != null && learned.getOpenUntil() != null && learned.getOpenUntil().isAfter(now)) {
            return "router circuit open until " + learned.getOpenUntil() + " after "
                    + learned.getConsecutiveFailures() + " consecutive failures";
        }
        Double cap = request.getMaxPricePerInferenceUsd();
        if (cap != null && expectedCostUsd(d, now) > cap) {
            return "expected cost " + usd(expectedCostUsd(d, now)) + " over the cap " + usd(cap);
        }
        return null;
    }

    private double score(InferenceRequest request, DeploymentSnapshot d, Instant now) {
        return request.getCostPriority() ? expectedCostUsd(d, now) : expectedLatencyMs(d, now);
    }

    private boolean learned(DeploymentSnapshot d) {
        return d.stats() != null && d.stats().getSuccesses() >= stats.minSamples();
    }

    /** Service time of one call: learned from outcomes once there are enough, else the configured guess. */
    double serviceSeconds(DeploymentSnapshot d) {
        return learned(d) ? d.stats().getLatencyEwmaMs() / 1000.0 : expectedSeconds;
    }

    /**
     * A serverless deployment pays a cold start when the job must start a unit: with billing facts and wake
     * cost on, when it {@link #wakes}; otherwise when nothing is in flight and it has idled past the
     * warm window.
     */
    double coldStartSeconds(DeploymentSnapshot d, Instant now) {
        if (d.provider() == BASELINE) {
            return 0;
        }
        if (billingFacts(d)) {
            return wakes(d) ? stats.coldStartPenalty().toMillis() / 1000.0 : 0;
        }
        if (d.load() > 0) {
            return 0;
        }
        Instant last = d.stats() == null ? null : d.stats().getLastAttemptAt();
        boolean idle = last == null || last.plus(stats.warmWindow()).isBefore(now);
        return idle ? stats.coldStartPenalty().toMillis() / 1000.0 : 0;
    }

    /** Whether wake cost applies: it is on and the heartbeat says how the deployment is billed. */
    private boolean billingFacts(DeploymentSnapshot d) {
        BillingModel model = d.status().getBillingModel();
        return stats.wakeCost() && model != null && model != BillingModel.UNKNOWN;
    }

    private static boolean lease(DeploymentSnapshot d) {
        return d.status().getBillingModel() == BillingModel.LEASE;
    }

    /**
     * Whether a job sent now lands on capacity already billed: a lease with headroom, or a serverless
     * deployment with warm slots left after the jobs this router sent since the heartbeat.
     */
    boolean warmFreeSlot(DeploymentSnapshot d) {
        if (lease(d)) {
            return d.hasHeadroom();
        }
        return d.status().getWarmSlots() - d.routedSinceHeartbeat() > 0;
    }

    /** Calls that share the billed seconds of the job's unit: a lease's concurrent calls, else one. */
    private static int sharing(DeploymentSnapshot d) {
        return lease(d) ? Math.max(1, Math.min(d.load() + 1, d.capacity())) : 1;
    }

    private boolean learnedAttemptCost(DeploymentSnapshot d) {
        return d.stats() != null && d.stats().getAttemptCostSamples() >= stats.minSamples()
                && d.stats().getAttemptCostEwmaUsd() > 0;
    }

    /**
     * Whether the job would start a serverless unit and pay its whole wake (wake cost on, billing facts known):
     * no warm free slot, and room for another unit. A deployment at capacity starts none: the job waits for
     * a slot on a unit already billed.
     */
    boolean wakes(DeploymentSnapshot d) {
        return billingFacts(d) && !lease(d) && !warmFreeSlot(d) && d.hasHeadroom();
    }

    private double errorRate(DeploymentSnapshot d) {
        return d.stats() == null ? 0 : Math.min(0.9, d.stats().getErrorRate());
    }

    /**
     * What the job is expected to make the provider bill, grossed up by the share of attempts that fail and
     * must be paid again. With wake cost and billing facts: the wake of a new serverless unit, or the job's
     * share of a warm one (learned from the ledger when there is enough). Otherwise price x (billed seconds +
     * a cold start after an idle spell).
     */
    double expectedCostUsd(DeploymentSnapshot d, Instant now) {
        double price = d.status().getPricePerSecondUsd();
        double cost;
        if (!billingFacts(d)) {
            double billed = (learned(d) ? d.stats().getBilledSecondsEwma() : serviceSeconds(d)) + coldStartSeconds(d, now);
            cost = price * billed;
        } else if (wakes(d)) {
            cost = price * (stats.coldStartPenalty().toMillis() / 1000.0 + serviceSeconds(d)
                    + Math.max(0, d.status().getIdleWindowMs()) / 1000.0);
        } else if (learnedAttemptCost(d)) {
            cost = d.stats().getAttemptCostEwmaUsd();
        } else {
            cost = price * serviceSeconds(d) / sharing(d);
        }
        return cost / (1 - errorRate(d));
    }

    /** Service time, plus the wait behind jobs beyond capacity, plus a cold start, grossed up by failures. */
    long expectedLatencyMs(DeploymentSnapshot d, Instant now) {
        double queued = Math.max(0, d.load() + 1 - d.capacity());
        double waves = 1 + queued / d.capacity();
        double seconds = (serviceSeconds(d) * waves + coldStartSeconds(d, now)) * (1 + errorRate(d));
        return Math.round(seconds * 1000);
    }

    private Comparator<DeploymentSnapshot> byCost(Instant now) {
        return Comparator.comparingDouble((DeploymentSnapshot d) -> expectedCostUsd(d, now))
                .thenComparingDouble(d -> (double) d.load() / d.capacity())
                .thenComparing(DeploymentSnapshot::id);
    }

    private Comparator<DeploymentSnapshot> byLatency(Instant now) {
        return Comparator.comparingLong((DeploymentSnapshot d) -> expectedLatencyMs(d, now))
                .thenComparingDouble(d -> expectedCostUsd(d, now))
                .thenComparing(DeploymentSnapshot::id);
    }

    /**
     * The note on an eligible candidate. Built for every deployment of every decision, so it avoids
     * {@code String.format}, which cost a fifth of the stream thread's time in the router benchmark.
     */
    private String describe(DeploymentSnapshot d, Instant now) {
        StringBuilder note = new StringBuilder(96).append("load ").append(d.load()).append('/').append(d.capacity())
                .append(", expected ").append(usd(expectedCostUsd(d, now))).append(", ")
                .append(expectedLatencyMs(d, now)).append(" ms");
        if (learned(d)) {
            note.append(", learned ").append(Math.round(d.stats().getLatencyEwmaMs())).append(" ms, errors ")
                    .append(Math.round(100 * d.stats().getErrorRate())).append('%');
        }
        if (wakes(d)) {
            note.append(", wakes a unit (cold start + ").append(d.status().getIdleWindowMs() / 1000.0)
                    .append(" s idle window)");
        } else if (coldStartSeconds(d, now) > 0) {
            note.append(", cold start");
        } else if (billingFacts(d)) {
            note.append(", warm slot");
        }
        return note.toString();
    }

    /** Dollars with six decimals ({@code $0.000123}), rounded half up; what {@code %.6f} gave, without its cost. */
    static String usd(double amount) {
        long micros = Math.round(Math.abs(amount) * 1_000_000);
        String fraction = Long.toString(micros % 1_000_000);
        StringBuilder out = new StringBuilder(16);
        if (amount < 0 && micros != 0) {
            out.append('-');
        }
        out.append('$').append(micros / 1_000_000).append('.');
        for (int i = fraction.length(); i < 6; i++) {
            out.append('0');
        }
        return out.append(fraction).toString();
    }

    private static String name(ProviderKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static String names(List<ProviderKind> kinds) {
        return String.join(",", kinds.stream().map(RoutingPolicy::name).toList());
    }
}
