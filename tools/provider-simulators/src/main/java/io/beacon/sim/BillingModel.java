package io.beacon.sim;

/** How a provider bills a deployment's units (see the simulators' README, "Billing"). */
public enum BillingModel {
    /** Golem: one leased node, billed from the first request, busy or idle, plus a start fee. */
    LEASE,
    /** Modal: containers billed from start (cold start included) to last call end + scaledown window. */
    CONTAINER,
    /** RunPod serverless: flex workers billed in whole seconds from start to last job end + idle timeout. */
    WORKER
}
