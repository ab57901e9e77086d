package io.beacon.router.topology;

import io.beacon.router.policy.StatsSettings;
import java.time.Duration;

/**
 * The routing limits the topology needs, as plain values, so tests can build a topology without a
 * config file. {@code RouterConfig.settings()} resolves them from the router's configuration; they live
 * beside the topology that reads them, so the topology never reaches up to the app's config.
 */
public record RouterSettings(int maxAttempts, Duration defaultDeadline, Duration heartbeatStaleness,
                             double expectedInferenceSeconds, int maxPromptChars, int maxTokensLimit,
                             Duration waitInitial, Duration waitMax, Duration finishedRetention,
                             Duration scanInterval, StatsSettings stats) {
}
