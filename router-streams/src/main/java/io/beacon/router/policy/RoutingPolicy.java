package io.beacon.router.policy;

import io.beacon.schemas.avro.BillingModel;
import io.beacon.schemas.avro.CandidateScore;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.LatencyClass;
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
 * <p>Latency class and deadline: an {@code INTERACTIVE} job gets the fastest expected completion (within its
 * price cap), never held. A {@code BATCH} job (or a cost-priority job that names no class but whose own deadline
 * leaves {@link HoldSettings#minSlack} after its creation) goes to the baseline tier (its preferred region among
 * baseline nodes) when a slot is free beyond the jobs held ahead of it, joins the baseline workers' short queue
 * while it is within {@link HoldSettings#queueWaves}, and is otherwise <em>held</em> ({@link Decision#hold})
 * while the {@link BaselineForecast} (the work queued ahead of it, learned service time, cold start) says the
 * baseline finishes it at least {@link HoldSettings#margin} before its deadline; only when it cannot, or at its
 * latest release (the deadline less the margin less the fastest other deployment's expected time), does it
 * go to the cheapest burst deployment.
 *
 * <p>Budget ({@link BudgetSettings}): as the rolling blended cost per inference nears the budget, candidates
 * expected to cost more than the budget allows are left out while cheaper ones remain. A request's max price is
 * a filter on every decision, failovers included; when it leaves nothing, the decision says so
 * ({@link Decision#OVER_PRICE}).
 *
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

    private static final String OVER_CAP = "expected cost ";
    private static final Comparator<DeploymentSnapshot> BY_ID = Comparator.comparing(DeploymentSnapshot::id);

    private final Duration heartbeatStaleness;
    private final double expectedSeconds;
    private final StatsSettings stats;
    private final HoldSettings hold;
    private final BudgetSettings budget;

    public RoutingPolicy(Duration heartbeatStaleness, double expectedInferenceSeconds) {
        this(heartbeatStaleness, expectedInferenceSeconds, StatsSettings.defaults());
    }

    public RoutingPolicy(Duration heartbeatStaleness, double expectedInferenceSeconds, StatsSettings stats) {
        this(heartbeatStaleness, expectedInferenceSeconds, stats, HoldSettings.defaults(), BudgetSettings.none());
    }

    /**
     * @param expectedInferenceSeconds service time assumed until a deployment has enough successes to
     *                                 learn its own
     */
    public RoutingPolicy(Duration heartbeatStaleness, double expectedInferenceSeconds, StatsSettings stats,
                         HoldSettings hold, BudgetSettings budget) {
        this.heartbeatStaleness = heartbeatStaleness;
        this.expectedSeconds = expectedInferenceSeconds;
        this.stats = stats;
        this.hold = hold;
        this.budget = budget;
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
        return decide(request, alreadyTried, deployments, now, backlog, RoutingContext.none());
    }

    /**
     * @param context the job's deadline as applied, the jobs held ahead of it, whether it may be held, and the
     *                blended cost per inference for the budget
     */
    @Override
    public Decision decide(InferenceRequest request, Set<String> alreadyTried,
                           Collection<DeploymentSnapshot> deployments, Instant now, ProviderBacklog backlog,
                           RoutingContext context) {
        List<CandidateScore> scores = new ArrayList<>();
        List<DeploymentSnapshot> eligible = new ArrayList<>();
        List<DeploymentSnapshot> sorted = new ArrayList<>(deployments);
        sorted.sort(BY_ID);
        int overPrice = 0;
        for (DeploymentSnapshot d : sorted) {
            String reject = rejection(request, alreadyTried, d, now);
            if (reject == null) {
                eligible.add(d);
            } else if (reject.startsWith(OVER_CAP)) {
                overPrice++;
            }
            scores.add(CandidateScore.newBuilder().setDeploymentId(d.id()).setProvider(d.provider())
                    .setEligible(reject == null).setScore(reject == null ? score(request, d, now) : 0)
                    .setNote(reject == null ? describe(d, now) : reject).build());
        }
        if (eligible.isEmpty() && overPrice > 0) {
            return Decision.overPrice(overPrice + " deployment(s) could take model " + request.getModel()
                    + " but each is expected to cost more than the job's max price "
                    + usd(request.getMaxPricePerInferenceUsd())
                    + (alreadyTried.isEmpty() ? "" : " (already tried: " + String.join(", ", alreadyTried) + ")"), scores);
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

        OptionalDouble cap = budget.capUsd(context.blendedCostPerInferenceUsd());
        if (cap.isPresent()) {
            double limit = cap.getAsDouble();
            List<DeploymentSnapshot> within = pool.stream().filter(d -> expectedCostUsd(d, now) <= limit).toList();
            String blend = "blended " + usd(context.blendedCostPerInferenceUsd()) + " per inference near the budget "
                    + usd(budget.maxCostPerInferenceUsd().getAsDouble());
            if (within.isEmpty()) {
                why.add(blend + ", but no candidate is expected under " + usd(limit));
            } else if (within.size() < pool.size()) {
                pool = within;
                why.add(blend + ", avoiding deployments expected over " + usd(limit));
            }
        }

        LatencyClass latencyClass = latencyClass(request);
        Instant deadline = context.deadline() != null ? context.deadline() : request.getDeadline();
        if (latencyClass == LatencyClass.BATCH && deadline != null) {
            Optional<Decision> batch = batch(request, pool, scores, why, deadline, now, context);
            if (batch.isPresent()) {
                return batch.get();
            }
        }

        String region = latencyClass == LatencyClass.BATCH ? null : request.getRegionPreference();
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
        } else if (latencyClass == LatencyClass.BATCH
                || (request.getCostPriority() && latencyClass != LatencyClass.INTERACTIVE)) {
            List<DeploymentSnapshot> baseline = withHeadroom.stream().filter(d -> d.provider() == BASELINE).toList();
            if (!baseline.isEmpty()) {
                chosen = baseline.stream().min(byBaselineCost(baseline, now)).orElseThrow();
                why.add(unlearnedLease(chosen, baseline)
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
            why.add(latencyClass == LatencyClass.INTERACTIVE ? "interactive, fastest expected completion"
                    : "speed priority, fastest expected completion");
            rule = Decision.SPEED;
        }
        return new Decision(Optional.of(chosen), String.join("; ", why), rule, scores, expectedCostUsd(chosen, now),
                expectedLatencyMs(chosen, now));
    }

    /**
     * The job's latency class as the router applies it: the request's own, or for a request that names none,
     * BATCH when it is cost priority and its own deadline leaves the minimum slack after its creation.
     */
    public LatencyClass latencyClass(InferenceRequest request) {
        LatencyClass named = request.getLatencyClass();
        if (named != null && named != LatencyClass.UNSPECIFIED) {
            return named;
        }
        Instant own = request.getDeadline();
        if (request.getCostPriority() && own != null && request.getCreatedAt() != null
                && !own.isBefore(request.getCreatedAt().plus(hold.minSlack()))) {
            return LatencyClass.BATCH;
        }
        return LatencyClass.UNSPECIFIED;
    }

    /** The baseline tier's forecast over {@code baseline}, with this policy's service times and cold starts. */
    public BaselineForecast forecast(Collection<DeploymentSnapshot> baseline, Instant now) {
        return BaselineForecast.of(baseline, this::serviceSeconds, d -> coldStartSeconds(d, now));
    }

    /**
     * A batch job's decision while the baseline can take it in time: a free slot, its short queue, or a hold.
     * Empty when there is no baseline candidate, or it cannot finish the job in time, or the job must go now:
     * then the job is routed by cost like any other.
     */
    private Optional<Decision> batch(InferenceRequest request, List<DeploymentSnapshot> pool, List<CandidateScore> scores,
                                     List<String> why, Instant deadline, Instant now, RoutingContext context) {
        List<DeploymentSnapshot> baseline = pool.stream().filter(d -> d.provider() == BASELINE).toList();
        if (baseline.isEmpty()) {
            why.add("batch, but no baseline deployment can take it");
            return Optional.empty();
        }
        int ahead = Math.max(0, context.heldAhead());
        BaselineForecast forecast = forecast(baseline, now);
        List<DeploymentSnapshot> free = baseline.stream().filter(DeploymentSnapshot::hasHeadroom).toList();
        if (!free.isEmpty() && forecast.freeSlots() > ahead) {
            String region = request.getRegionPreference();
            List<DeploymentSnapshot> local = region == null ? List.of()
                    : free.stream().filter(d -> d.region().equalsIgnoreCase(region)).toList();
            DeploymentSnapshot chosen = (local.isEmpty() ? free : local).stream().min(byBaselineCost(baseline, now))
                    .orElseThrow();
            why.add("batch, baseline tier has headroom" + (local.isEmpty() ? "" : " in preferred region " + region)
                    + ", cheapest");
            return Optional.of(chosen(chosen, why, Decision.BASELINE, scores, now));
        }
        double completion = forecast.completionSeconds(ahead);
        Instant done = now.plusMillis(millis(completion));
        Instant releaseBy = releaseBy(pool, forecast, deadline, now);
        boolean inTime = !done.plus(hold.margin()).isAfter(deadline);
        String outlook = "predicted start on the baseline in " + seconds(forecast.startDelaySeconds(ahead))
                + " (" + forecast.load() + " running or queued on " + forecast.slots() + " slots, " + ahead
                + " held ahead, " + seconds(forecast.serviceSeconds()) + " each), done " + done + ", deadline " + deadline;
        if (inTime && forecast.queueRoom(ahead, hold.queueWaves())) {
            DeploymentSnapshot chosen = baseline.stream()
                    .min(Comparator.comparingDouble((DeploymentSnapshot d) -> (double) d.load() / d.capacity())
                            .thenComparing(byCost(now))).orElseThrow();
            why.add("batch, joins the baseline's short queue: " + outlook);
            return Optional.of(chosen(chosen, why, Decision.BASELINE_QUEUE, scores, now));
        }
        if (inTime && context.mayHold() && now.isBefore(releaseBy)) {
            why.add("batch, held for the baseline: " + outlook + ", release by " + releaseBy);
            return Optional.of(Decision.hold(String.join("; ", why), scores,
                    now.plusMillis(millis(forecast.startDelaySeconds(ahead))), releaseBy));
        }
        why.add(inTime ? "batch, released at its latest: " + outlook
                : "batch, the baseline cannot finish it in time with the " + seconds(hold.margin().toMillis() / 1000.0)
                        + " margin: " + outlook);
        return Optional.empty();
    }

    /**
     * The latest moment a held job is released: its deadline less the margin less the expected time on the
     * fastest other deployment (or the baseline's service time when there is none).
     */
    private Instant releaseBy(List<DeploymentSnapshot> pool, BaselineForecast forecast, Instant deadline, Instant now) {
        long elsewhereMs = pool.stream().filter(d -> d.provider() != BASELINE)
                .mapToLong(d -> expectedLatencyMs(d, now)).min()
                .orElse(millis(forecast.serviceSeconds() + forecast.coldStartSeconds()));
        return deadline.minus(hold.margin()).minusMillis(elsewhereMs);
    }

    private Decision chosen(DeploymentSnapshot chosen, List<String> why, String rule, List<CandidateScore> scores,
                            Instant now) {
        return new Decision(Optional.of(chosen), String.join("; ", why), rule, scores, expectedCostUsd(chosen, now),
                expectedLatencyMs(chosen, now));
    }

    private static long millis(double seconds) {
        return Double.isInfinite(seconds) ? Long.MAX_VALUE / 4 : Math.round(seconds * 1000);
    }

    private static String seconds(double value) {
        return Double.isInfinite(value) ? "never" : Math.round(value * 10) / 10.0 + " s";
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
            return OVER_CAP + usd(expectedCostUsd(d, now)) + " over the cap " + usd(cap);
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

    /**
     * Cheapest first among baseline deployments. A leased node is billed busy or idle: one the router has not
     * learned yet (it just joined) is priced like the cheapest learned lease of {@code baseline}, not by its
     * configured guess, which would keep it idle against the others' learned, shared cost for good; among equals
     * the less loaded wins, so it takes jobs until its own cost is learned.
     */
    private Comparator<DeploymentSnapshot> byBaselineCost(List<DeploymentSnapshot> baseline, Instant now) {
        OptionalDouble leasedFloor = baseline.stream().filter(d -> lease(d) && learnedAttemptCost(d))
                .mapToDouble(d -> expectedCostUsd(d, now)).min();
        if (leasedFloor.isEmpty()) {
            return byCost(now);
        }
        double floor = leasedFloor.getAsDouble();
        return Comparator.comparingDouble((DeploymentSnapshot d) -> lease(d) && !learnedAttemptCost(d)
                        ? Math.min(expectedCostUsd(d, now), floor) : expectedCostUsd(d, now))
                .thenComparingDouble(d -> (double) d.load() / d.capacity())
                .thenComparing(DeploymentSnapshot::id);
    }

    /** A leased node without a learned cost while others of {@code baseline} have one (priced at their floor). */
    private boolean unlearnedLease(DeploymentSnapshot d, List<DeploymentSnapshot> baseline) {
        return lease(d) && !learnedAttemptCost(d)
                && baseline.stream().anyMatch(other -> lease(other) && learnedAttemptCost(other));
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
