package io.beacon.router.policy;

import java.time.Instant;

/**
 * What the job lifecycle knows beyond the job and the deployments when it asks for a decision.
 *
 * @param deadline                   the job's deadline as the router applies it (its own, or the default)
 * @param heldAhead                  jobs this router task holds for the baseline ahead of this one (earlier
 *                                   deadlines): they will take baseline slots first
 * @param mayHold                    false when the job must be routed now (a held job at its latest release)
 * @param blendedCostPerInferenceUsd the rolling blended cost per inference from the cost ledger, NaN when
 *                                   unknown (nothing succeeded yet, or no budget to steer by)
 */
public record RoutingContext(Instant deadline, int heldAhead, boolean mayHold, double blendedCostPerInferenceUsd) {

    /** No deadline known beyond the request's, nothing held ahead, holding allowed, no cost figure. */
    public static RoutingContext none() {
        return new RoutingContext(null, 0, true, Double.NaN);
    }

    public static RoutingContext of(Instant deadline, int heldAhead, boolean mayHold) {
        return new RoutingContext(deadline, heldAhead, mayHold, Double.NaN);
    }

    public RoutingContext withBlendedCost(double usd) {
        return new RoutingContext(deadline, heldAhead, mayHold, usd);
    }
}
