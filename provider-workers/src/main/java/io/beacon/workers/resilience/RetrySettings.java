package io.beacon.workers.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * Retries of one attempt on the same deployment, for answers that say "busy, come back shortly" (429, 503).
 *
 * @param maxRetries calls after the first; 0 disables retries
 * @param maxDelay   longest wait the worker accepts: a {@code Retry-After} beyond it fails over at once
 * @param backoff    wait before the first retry when the answer has no {@code Retry-After}; doubles per retry
 */
public record RetrySettings(int maxRetries, Duration maxDelay, Duration backoff) {

    public static final int DEFAULT_MAX_RETRIES = 2;
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(5);
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(250);

    public RetrySettings {
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(backoff, "backoff");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("max retries must be >= 0");
        }
        if (maxDelay.isNegative() || backoff.isNegative()) {
            throw new IllegalArgumentException("retry delays must not be negative");
        }
    }

    public static RetrySettings defaults() {
        return new RetrySettings(DEFAULT_MAX_RETRIES, DEFAULT_MAX_DELAY, DEFAULT_BACKOFF);
    }

    public static RetrySettings none() {
        return new RetrySettings(0, DEFAULT_MAX_DELAY, DEFAULT_BACKOFF);
    }
}
