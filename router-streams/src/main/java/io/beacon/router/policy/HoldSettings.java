package io.beacon.router.policy;

import java.time.Duration;

/**
 * How the router holds batch work for the baseline tier (Golem) instead of sending it to serverless.
 *
 * @param margin       a held job's predicted completion on the baseline must come at least this long before
 *                     its deadline ({@code router.hold.margin.ms}); also how long before the deadline, beyond
 *                     the fastest other deployment's expected time, a held job is released at the latest
 * @param minSlack     a job that names no latency class is treated as batch when it is cost priority and its
 *                     own deadline lies at least this far ahead ({@code router.hold.min.slack.ms})
 * @param queueWaves   how many waves of work (the baseline's slots, times this) may wait at the baseline's
 *                     workers beyond their slots before batch jobs are held in the router instead
 *                     ({@code router.hold.queue.waves}): a shallow queue there keeps slots busy between
 *                     heartbeats; 0 sends batch work only to free slots
 */
public record HoldSettings(Duration margin, Duration minSlack, double queueWaves) {

    public HoldSettings {
        if (margin.isNegative() || minSlack.isNegative()) {
            throw new IllegalArgumentException("hold durations must not be negative");
        }
        if (queueWaves < 0 || Double.isNaN(queueWaves)) {
            throw new IllegalArgumentException("queueWaves must be at least 0, was " + queueWaves);
        }
    }

    /** The router's defaults: 60 s margin, 5 min slack, one wave queued. */
    public static HoldSettings defaults() {
        return new HoldSettings(Duration.ofSeconds(60), Duration.ofMinutes(5), 1.0);
    }
}
