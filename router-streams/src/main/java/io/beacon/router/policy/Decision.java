package io.beacon.router.policy;

import io.beacon.schemas.avro.CandidateScore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of routing one job: the chosen deployment (empty when none can take the job, or when the job is
 * held), the reason in words, the rule that made the final choice as a short code for metrics
 * ({@link #BASELINE}, {@link #BASELINE_QUEUE}, {@link #BURST_OVERFLOW}, {@link #SPEED}, {@link #QUEUED},
 * {@link #HELD}, {@link #NO_CANDIDATE}, {@link #OVER_PRICE}), and every deployment considered with its score or
 * the filter it failed. A held job also carries its predicted start on the baseline and the moment it must be
 * released at the latest.
 */
public record Decision(Optional<DeploymentSnapshot> chosen, String reason, String rule, List<CandidateScore> candidates,
                       double expectedCostUsd, long expectedLatencyMs, Instant predictedStart, Instant releaseBy) {

    /** Cost priority, the baseline tier had headroom. */
    public static final String BASELINE = "baseline";
    /** A batch job joined the baseline's short queue: it starts there within the queue allowance. */
    public static final String BASELINE_QUEUE = "baseline_queue";
    /** Cost priority, the baseline tier was full or unavailable: the cheapest burst deployment with headroom. */
    public static final String BURST_OVERFLOW = "burst_overflow";
    /** Speed priority: the fastest expected completion. */
    public static final String SPEED = "speed";
    /** Every candidate was at capacity: queued where it completes soonest. */
    public static final String QUEUED = "queued";
    /** A batch job held for the baseline tier, which is predicted to finish it before its deadline. */
    public static final String HELD = "held";
    /** Nothing could take the job. */
    public static final String NO_CANDIDATE = "no_candidate";
    /** Deployments could take the job, but every one is expected to cost more than its max price. */
    public static final String OVER_PRICE = "over_price";

    public Decision(Optional<DeploymentSnapshot> chosen, String reason, String rule, List<CandidateScore> candidates,
                    double expectedCostUsd, long expectedLatencyMs) {
        this(chosen, reason, rule, candidates, expectedCostUsd, expectedLatencyMs, null, null);
    }

    public static Decision none(String reason, List<CandidateScore> candidates) {
        return new Decision(Optional.empty(), reason, NO_CANDIDATE, candidates, 0, 0);
    }

    /** Every deployment that could otherwise take the job is over its max price. */
    public static Decision overPrice(String reason, List<CandidateScore> candidates) {
        return new Decision(Optional.empty(), reason, OVER_PRICE, candidates, 0, 0);
    }

    /** Hold the job for the baseline: predicted to start there at {@code predictedStart}, release by {@code releaseBy}. */
    public static Decision hold(String reason, List<CandidateScore> candidates, Instant predictedStart, Instant releaseBy) {
        return new Decision(Optional.empty(), reason, HELD, candidates, 0, 0, predictedStart, releaseBy);
    }

    public boolean held() {
        return HELD.equals(rule);
    }
}
