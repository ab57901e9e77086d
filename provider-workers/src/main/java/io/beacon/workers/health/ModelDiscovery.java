package io.beacon.workers.health;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * When a worker asks a scale-to-zero deployment (Modal's vLLM, whose {@code GET /v1/models} reaches a
 * container) which models it serves. Golem nodes need no such call: their probe, Ollama's {@code /api/tags},
 * lists the models every probe interval at no extra cost. RunPod's worker-vllm has no list that does not run
 * a billed job: its model is configured ({@code model=} in the deployment entry).
 *
 * @param mode    when to ask
 * @param refresh how old a learned list may grow before the next warm call refreshes it
 */
public record ModelDiscovery(Mode mode, Duration refresh) {

    /** Default {@link #refresh}: a deployment's model rarely changes without a redeploy. */
    public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(10);

    public enum Mode {
        /** Never ask: names come from the deployment entry and {@code KnownModels}. */
        OFF,
        /**
         * Ask right after a call a container answered (a success, or vLLM's own 400/404), while it is warm: the
         * listing costs a few milliseconds of a container that is billed for its scale-down window anyway. Asked
         * when nothing is known yet, after a 404 (the model may have another name there), and once
         * {@link #refresh} has passed.
         */
        AFTER_CALL,
        /**
         * As AFTER_CALL, and once at the worker's start, container warm or not: that call may start a container
         * and pay its cold start and a whole scale-down window (an L4 at $0.000222/s with a 30 s cold start and
         * a 60 s window: 90 s, about $0.02, per deployment and worker start).
         */
        STARTUP;

        public static Mode parse(String text) {
            return switch (text.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "off" -> OFF;
                case "after-call" -> AFTER_CALL;
                case "startup" -> STARTUP;
                default -> throw new IllegalArgumentException("'" + text + "' is not one of off, after-call, startup");
            };
        }
    }

    public ModelDiscovery {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(refresh, "refresh");
        if (refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException("refresh must be positive");
        }
    }

    public static ModelDiscovery defaults() {
        return new ModelDiscovery(Mode.AFTER_CALL, DEFAULT_REFRESH);
    }
}
