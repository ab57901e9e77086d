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
 * @param warmWindow              idle time after which a serverless deployment is assumed cold
 */
public record StatsSettings(double ewmaAlpha, int latencyWindow, int minSamples, int circuitFailureThreshold,
                            Duration circuitOpenFor, Duration coldStartPenalty, Duration warmWindow) {

    public static StatsSettings defaults() {
        return new StatsSettings(0.2, 50, 3, 5, Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(30));
    }
}
