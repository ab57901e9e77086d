package io.beacon.router.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * The blended cost per inference over a rolling window, from running totals: all money the cost ledger billed
 * (attempts of every outcome, probes, idle capacity, fees) over the successful inferences. Fed the totals
 * summed over every deployment's learned statistics (what every router instance reads from the global
 * statistics store), at most one sample a second; the blend is the change over the window. With too few
 * successes in the window (a router just started, a quiet spell) it falls back to the totals since the start.
 * Not thread-safe: one per router task.
 */
public final class BudgetTracker {

    /** Successes the window needs before its blend is trusted over the totals. */
    static final long MIN_WINDOW_SUCCESSES = 20;
    private static final long SAMPLE_EVERY_MS = 1_000;

    private final long windowMs;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private double costUsdTotal;
    private long successesTotal;

    public BudgetTracker(Duration window) {
        this.windowMs = window.toMillis();
    }

    /** Takes the running totals as of {@code now}. */
    public void observe(Instant now, double costUsdTotal, long successesTotal) {
        long nowMs = now.toEpochMilli();
        this.costUsdTotal = costUsdTotal;
        this.successesTotal = successesTotal;
        if (samples.isEmpty() || nowMs - samples.peekLast().atMs >= SAMPLE_EVERY_MS) {
            samples.addLast(new Sample(nowMs, costUsdTotal, successesTotal));
        }
        // Keep the newest sample at or before the window's start as the base.
        while (samples.size() > 1) {
            java.util.Iterator<Sample> oldest = samples.iterator();
            oldest.next();
            if (nowMs - oldest.next().atMs < windowMs) {
                break;
            }
            samples.pollFirst();
        }
    }

    /** Money per successful inference over the window (or since the start); NaN before any success. */
    public double blendedCostPerInferenceUsd() {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        Sample base = samples.peekFirst();
        long successes = successesTotal - base.successes;
        if (successes >= MIN_WINDOW_SUCCESSES) {
            return (costUsdTotal - base.costUsd) / successes;
        }
        return successesTotal > 0 ? costUsdTotal / successesTotal : Double.NaN;
    }

    private record Sample(long atMs, double costUsd, long successes) {
    }
}
