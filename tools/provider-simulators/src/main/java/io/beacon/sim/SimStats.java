package io.beacon.sim;

import java.time.Duration;

/**
 * A snapshot of what one simulated deployment has served and billed since it started.
 *
 * <p>Every inference request counts once in {@code requestsTotal} and, once it has ended, once in either
 * {@code succeeded} or {@code failed}; so {@code requestsTotal = succeeded + failed + inFlight + queued}
 * whenever no request is between arrival and admission. {@code rejected} is the part of {@code failed}
 * turned away because capacity and queue were full. Health probes, status polls and admin calls are not
 * inference requests, nor are requests refused for bad credentials (a provider's proxy or gateway rejects those
 * before the deployment sees them).
 *
 * @param requestsTotal      inference requests received (a RunPod retry counts again)
 * @param succeeded          requests that produced a result
 * @param failed             requests that ended without a result (errors, rejections, timeouts, cancellations)
 * @param rejected           requests refused for lack of capacity and queue (503 / 429)
 * @param inFlight           requests holding a worker slot now (including cold-starting ones)
 * @param queued             requests waiting for a slot now
 * @param peakInFlight       highest {@code inFlight} seen; never above the deployment's capacity
 * @param coldStarts         cold starts paid so far
 * @param billedSecondsTotal seconds billed so far under the provider's billing rule
 * @param billedCostUsd      {@code billedSecondsTotal} times the deployment's price per second
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
        double billedSecondsTotal,
        double billedCostUsd) {

    /** {@link #billedSecondsTotal()} as a duration. */
    public Duration billedTime() {
        return Duration.ofNanos(Math.round(billedSecondsTotal * 1_000_000_000d));
    }
}
