package io.beacon.workers.client;

import io.beacon.schemas.avro.FailureBlame;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The result of one health probe.
 *
 * @param healthy      true when the deployment answered as expected in time
 * @param latency      round trip of the probe; null when it failed without an answer
 * @param error        why it is unhealthy; null when healthy
 * @param observedAt   when the probe finished
 * @param models       models the deployment reported (Ollama's /api/tags, vLLM's /v1/models), empty when it
 *                     does not say
 * @param modelsListed true when the probe asked the deployment for its models, so {@code models} is the whole
 *                     list (an empty list then means none); false when the probe does not list models
 * @param blame        why a failed probe failed: {@link FailureBlame#MISCONFIGURED} when the deployment refused
 *                     the credentials or does not exist at that address (401, 403, 404), else
 *                     {@link FailureBlame#UNHEALTHY}; null when healthy
 */
public record ProbeOutcome(boolean healthy, Duration latency, String error, Instant observedAt, List<String> models,
                           boolean modelsListed, FailureBlame blame) {

    public ProbeOutcome {
        Objects.requireNonNull(observedAt, "observedAt");
        models = models == null ? List.of() : List.copyOf(models);
        if (healthy) {
            blame = null;
        } else if (blame == null) {
            blame = FailureBlame.UNHEALTHY;
        }
    }

    /** A probe outcome that does not say whether it listed models (it did when it reports any). */
    public ProbeOutcome(boolean healthy, Duration latency, String error, Instant observedAt, List<String> models) {
        this(healthy, latency, error, observedAt, models, models != null && !models.isEmpty(), null);
    }

    public static ProbeOutcome healthy(Duration latency, Instant observedAt, List<String> models) {
        return new ProbeOutcome(true, latency, null, observedAt, models);
    }

    /** A healthy answer to a probe that lists the deployment's models: {@code models} is all it has. */
    public static ProbeOutcome listing(Duration latency, Instant observedAt, List<String> models) {
        return new ProbeOutcome(true, latency, null, observedAt, models, true, null);
    }

    public static ProbeOutcome unhealthy(Duration latency, String error, Instant observedAt) {
        return unhealthy(latency, error, observedAt, FailureBlame.UNHEALTHY);
    }

    /** A failed probe with its blame: {@link FailureBlame#MISCONFIGURED} for credentials refused or no such endpoint. */
    public static ProbeOutcome unhealthy(Duration latency, String error, Instant observedAt, FailureBlame blame) {
        return new ProbeOutcome(false, latency, error, observedAt, List.of(), false, blame);
    }

    /**
     * Whether this probe shows the deployment serves {@code model}: true when the probe listed models and
     * {@code model} is among them, or when the probe does not list models at all (it cannot say otherwise).
     */
    public boolean mayServe(String model) {
        return model == null || !modelsListed || models.contains(model);
    }
}
