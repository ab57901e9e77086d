package io.beacon.sim;

import java.time.Instant;

/**
 * A snapshot of what one simulated deployment has served since it started, and what its provider would invoice
 * for it so far.
 *
 * <p>Every inference request counts once in {@code requestsTotal} and, once it has ended, once in either
 * {@code succeeded} or {@code failed}; so {@code requestsTotal = succeeded + failed + inFlight + queued}
 * whenever no request is between arrival and admission and no probe is in flight. {@code rejected} is the part of
 * {@code failed} turned away because capacity and queue were full. Health probes, status polls and admin calls are
 * not inference requests, nor are requests refused for bad credentials (a provider's proxy or gateway rejects
 * those before the deployment sees them); but a Modal probe is a call on a container (see {@code probes}).
 *
 * <p>The bill follows the provider's rule (the module README, "Billing"): Golem bills its lease from the first
 * request, busy or idle, plus a start fee; Modal bills each container from its start to its last call's end plus
 * the scaledown window; RunPod bills each flex worker from start to last job end plus the idle timeout, rounded up
 * to the second at stop, and active workers continuously from the first request.
 *
 * @param requestsTotal     inference requests received (a RunPod retry counts again)
 * @param succeeded         requests that produced a result
 * @param failed            requests that ended without a result (errors, rejections, timeouts, cancellations)
 * @param rejected          requests refused for lack of capacity and queue (503 / 429)
 * @param inFlight          calls holding a slot now (including cold-starting ones and Modal probes)
 * @param queued            calls waiting for a slot now
 * @param peakInFlight      highest {@code inFlight} seen; never above the deployment's capacity
 * @param coldStarts        unit starts that paid a cold start (plus Golem reboots forced by the cold fault)
 * @param probes            Modal probe calls (health, model list, unknown routes) that went to a container
 * @param billingModel      how the provider bills: LEASE (Golem), CONTAINER (Modal), WORKER (RunPod)
 * @param unitsUp           billed units up now: Golem's leased node, containers, workers (active ones included)
 * @param unitStarts        units started so far (the lease and RunPod active workers count once)
 * @param billedUnitSeconds unit seconds billed so far (closed RunPod flex periods rounded up to the second)
 * @param billedUsd         what the provider would invoice so far, in USD, fees included
 * @param leaseStartedAt    when the Golem lease / RunPod active workers started being billed (the first request
 *                          of any kind); null before that and for deployments with neither
 */
public record SimStats(
        long requestsTotal,
        long succeeded,
        long failed,
        long rejected,
        int inFlight,
        int queued,
        int peakInFlight,
        long coldStarts,
        long probes,
        BillingModel billingModel,
        int unitsUp,
        long unitStarts,
        double billedUnitSeconds,
        double billedUsd,
        Instant leaseStartedAt) {
}
