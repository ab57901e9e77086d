package io.beacon.workers.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The result of one health probe.
 *
 * @param healthy    true when the deployment answered as expected in time
 * @param latency    round trip of the probe; null when it failed without an answer
 * @param error      why it is unhealthy; null when healthy
 * @param observedAt when the probe finished
 * @param models     models the deployment reported (Ollama's /api/tags), empty when it does not say
 */
public record ProbeOutcome(boolean healthy, Duration latency, String error, Instant observedAt, List<String> models) {

    public ProbeOutcome {
        Objects.requireNonNull(observedAt, "observedAt");
        models = models == null ? List.of() : List.copyOf(models);
    }

    public static ProbeOutcome healthy(Duration latency, Instant observedAt, List<String> models) {
        return new ProbeOutcome(true, latency, null, observedAt, models);
    }

    public static ProbeOutcome unhealthy(Duration latency, String error, Instant observedAt) {
        return new ProbeOutcome(false, latency, error, observedAt, List.of());
    }
}
