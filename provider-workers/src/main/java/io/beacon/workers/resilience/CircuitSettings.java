package io.beacon.workers.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How each deployment's circuit breaker judges calls.
 *
 * @param windowType         count: the last {@code windowSize} calls; time: the calls of the last
 *                           {@code windowSize} seconds
 * @param windowSize         calls or seconds, see {@code windowType}
 * @param minimumCalls       calls the window must hold before a failure rate counts (one failure of one call
 *                           must not open a circuit)
 * @param failureRatePercent share of retryable failures in the window, in percent, at which the circuit opens
 * @param openWait           how long an open circuit refuses calls before it lets trial calls through
 * @param halfOpenCalls      trial calls (real jobs or health probes) a half-open circuit lets through; the
 *                           circuit closes when their failure rate is below the threshold, else opens again
 */
public record CircuitSettings(WindowType windowType, int windowSize, int minimumCalls, float failureRatePercent,
                              Duration openWait, int halfOpenCalls) {

    /** What the sliding window counts. */
    public enum WindowType {
        COUNT, TIME
    }

    public static final int DEFAULT_WINDOW_SIZE = 20;
    public static final int DEFAULT_MINIMUM_CALLS = 5;
    public static final float DEFAULT_FAILURE_RATE_PERCENT = 50f;
    public static final Duration DEFAULT_OPEN_WAIT = Duration.ofSeconds(5);
    public static final int DEFAULT_HALF_OPEN_CALLS = 2;

    /** No call is "slow" to the breaker (resilience4j's default counts calls over 60 s). */
    private static final Duration NEVER_SLOW = Duration.ofDays(365);

    public CircuitSettings {
        Objects.requireNonNull(windowType, "windowType");
        Objects.requireNonNull(openWait, "openWait");
        if (windowSize < 1 || minimumCalls < 1 || halfOpenCalls < 1) {
            throw new IllegalArgumentException("window size, minimum calls and half-open calls must be at least 1");
        }
        if (!(failureRatePercent > 0f && failureRatePercent <= 100f)) {
            throw new IllegalArgumentException("failure rate threshold must be in (0, 100] percent");
        }
        if (openWait.isNegative() || openWait.isZero()) {
            throw new IllegalArgumentException("open wait must be positive");
        }
    }

    public static CircuitSettings defaults() {
        return new CircuitSettings(WindowType.COUNT, DEFAULT_WINDOW_SIZE, DEFAULT_MINIMUM_CALLS,
                DEFAULT_FAILURE_RATE_PERCENT, DEFAULT_OPEN_WAIT, DEFAULT_HALF_OPEN_CALLS);
    }

    /**
     * The resilience4j configuration. The breaker reads {@code clock} (the worker's), so tests can move time;
     * it never moves from OPEN to HALF_OPEN on a timer of its own: the next call or health probe after
     * {@link #openWait()} does, which keeps the breaker free of threads.
     */
    public CircuitBreakerConfig toConfig(Clock clock) {
        return CircuitBreakerConfig.custom()
                .slidingWindow(windowSize, minimumCalls,
                        windowType == WindowType.COUNT ? SlidingWindowType.COUNT_BASED : SlidingWindowType.TIME_BASED)
                .failureRateThreshold(failureRatePercent)
                .waitDurationInOpenState(openWait)
                .permittedNumberOfCallsInHalfOpenState(halfOpenCalls)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                // Slowness is the deadline's business (and the router's latency estimate), not the breaker's.
                .slowCallRateThreshold(100f)
                .slowCallDurationThreshold(NEVER_SLOW)
                .writableStackTraceEnabled(false)
                .clock(clock)
                .build();
    }
}
