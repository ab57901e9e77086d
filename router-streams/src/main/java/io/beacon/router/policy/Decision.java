package io.beacon.router.policy;

import io.beacon.schemas.avro.CandidateScore;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of routing one job: the chosen deployment (empty when none can take the job), the reason
 * in words, and every deployment considered with its score or the filter it failed.
 */
public record Decision(Optional<DeploymentSnapshot> chosen, String reason, List<CandidateScore> candidates,
                       double expectedCostUsd, long expectedLatencyMs) {

    public static Decision none(String reason, List<CandidateScore> candidates) {
        return new Decision(Optional.empty(), reason, candidates, 0, 0);
    }
}
