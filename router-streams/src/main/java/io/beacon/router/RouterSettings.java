package io.beacon.router;

import java.time.Duration;

/**
 * The routing limits the topology needs, as plain values, so tests can build a topology without a
 * config file.
 */
public record RouterSettings(int maxAttempts, Duration defaultDeadline, Duration heartbeatStaleness,
                             double expectedInferenceSeconds, int maxPromptChars, int maxTokensLimit,
                             Duration waitInitial, Duration waitMax, Duration finishedRetention,
                             Duration scanInterval, io.beacon.router.policy.StatsSettings stats) {

    /** The defaults of {@link RouterConfig}. */
    public static RouterSettings defaults() {
        return new RouterConfig(java.util.Map.of()).settings();
    }
}
