package io.beacon.router.policy;

import io.beacon.schemas.avro.CandidateScore;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of routing one job: the chosen deployment (empty when none can take the job), the reason
 * in words, the rule that made the final choice as a short code for metrics ({@link #BASELINE},
 * {@link #BURST_OVERFLOW}, {@link #SPEED}, {@link #QUEUED}, {@link #NO_CANDIDATE}), and every deployment
 * considered with its score or the filter it failed.
 */
public record Decision(Optional<DeploymentSnapshot> chosen, String reason, String rule, List<CandidateScore> candidates,
                       double expectedCostUsd, long expectedLatencyMs) {

    /** Cost priority, the baseline tier had headroom. */
    public static final String BASELINE = "baseline";
    /** Cost priority, the baseline tier was full or unavailable: the cheapest burst deployment with headroom. */
    public static final String BURST_OVERFLOW = "burst_overflow";
    /** Speed priority: the fastest expected completion. */
    public static final String SPEED = "speed";
    /** Every candidate was at capacity: queued where it completes soonest. */
    public static final String QUEUED = "queued";
    /** Nothing could take the job. */
    public static final String NO_CANDIDATE = "no_candidate";

    public static Decision none(String reason, List<CandidateScore> candidates) {
        return new Decision(Optional.empty(), reason, NO_CANDIDATE, candidates, 0, 0);
    }
}
