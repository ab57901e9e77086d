package io.beacon.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * How long one inference takes on a warm worker: a log-normal time around {@code median} with shape
 * {@code sigma}, plus {@code perOutputToken} for every generated token.
 *
 * <p>Log-normal because real inference latencies are right-skewed: most requests sit near the median and a
 * few take several times longer, which is exactly what makes hedging and failover decisions interesting.
 *
 * @param median         median of the log-normal part (the time to first token, roughly)
 * @param sigma          shape of the log-normal part; 0 means no variance
 * @param perOutputToken time added for each generated token (decode speed)
 */
public record LatencyModel(Duration median, double sigma, Duration perOutputToken) {

    /** Standard deviations beyond which a sample is clamped, so a single draw never stalls a demo for minutes. */
    private static final double MAX_Z = 4.0;

    public LatencyModel {
        Objects.requireNonNull(median, "median");
        Objects.requireNonNull(perOutputToken, "perOutputToken");
        if (median.isNegative()) {
            throw new IllegalArgumentException("median must not be negative: " + median);
        }
        if (perOutputToken.isNegative()) {
            throw new IllegalArgumentException("perOutputToken must not be negative: " + perOutputToken);
        }
        if (!(sigma >= 0.0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be a finite number >= 0: " + sigma);
        }
    }

    /** A latency with no variance and no per-token time, for benchmarks and tests. */
    public static LatencyModel fixed(Duration latency) {
        return new LatencyModel(latency, 0.0, Duration.ZERO);
    }

    /**
     * Draws the time one request takes on a warm worker.
     *
     * @param random       source of randomness (not consumed when {@code sigma} is 0, so fixed models stay
     *                     deterministic)
     * @param outputTokens tokens the request generates
     */
    public Duration sample(Random random, int outputTokens) {
        if (outputTokens < 0) {
            throw new IllegalArgumentException("outputTokens must not be negative: " + outputTokens);
        }
        long baseNanos = median.toNanos();
        if (sigma > 0.0) {
            double z = Math.max(-MAX_Z, Math.min(MAX_Z, random.nextGaussian()));
            baseNanos = Math.round(baseNanos * Math.exp(sigma * z));
        }
        return Duration.ofNanos(baseNanos).plus(perOutputToken.multipliedBy(outputTokens));
    }
}
