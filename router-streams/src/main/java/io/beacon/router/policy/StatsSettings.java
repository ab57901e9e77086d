package io.beacon.router.policy;

import java.time.Duration;

/**
 * How the router learns from outcomes and judges deployments by them.
 *
 * @param ewmaAlpha               weight of the newest attempt in the moving averages (0..1)
 * @param latencyWindow           successful call times kept per deployment for the high percentile
 * @param minSamples              successes needed before learned latency and billing replace the defaults
 * @param circuitFailureThreshold consecutive retryable failures that open the router's circuit
 * @param circuitOpenFor          how long an open circuit keeps new jobs away; then one job tries again
 * @param coldStartPenalty        expected extra time of a serverless deployment that has idled
 * @param warmWindow              idle time after which a serverless deployment is assumed cold (when its
 *                                heartbeat carries no billing facts, or wake cost is off)
 * @param wakeCost                price routing by the heartbeat's billing facts ({@code routing.wake.cost}): a
 *                                job on a warm free slot pays its share of service time, a job that must
 *                                start a serverless unit pays the whole wake (cold start + service + idle
 *                                window); false gives the older estimate (billed seconds plus a cold-start
 *                                penalty), so the two can be measured on the same workload
 */
public record StatsSettings(double ewmaAlpha, int latencyWindow, int minSamples, int circuitFailureThreshold,
                            Duration circuitOpenFor, Duration coldStartPenalty, Duration warmWindow,
                            boolean wakeCost) {

    /** The settings with wake cost on (the default). */
    public StatsSettings(double ewmaAlpha, int latencyWindow, int minSamples, int circuitFailureThreshold,
                         Duration circuitOpenFor, Duration coldStartPenalty, Duration warmWindow) {
        this(ewmaAlpha, latencyWindow, minSamples, circuitFailureThreshold, circuitOpenFor, coldStartPenalty,
                warmWindow, true);
    }

    public static StatsSettings defaults() {
        return new StatsSettings(0.2, 50, 3, 5, Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(30));
    }

    /** The same settings with wake cost on or off. */
    public StatsSettings withWakeCost(boolean on) {
        return new StatsSettings(ewmaAlpha, latencyWindow, minSamples, circuitFailureThreshold, circuitOpenFor,
                coldStartPenalty, warmWindow, on);
    }
}
