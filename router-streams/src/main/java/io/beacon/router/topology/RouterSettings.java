package io.beacon.router.topology;

import io.beacon.router.policy.BudgetSettings;
import io.beacon.router.policy.HoldSettings;
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
                             Duration scanInterval, StatsSettings stats, HoldSettings hold, BudgetSettings budget) {

    /** The limits with the default hold settings and no budget. */
    public RouterSettings(int maxAttempts, Duration defaultDeadline, Duration heartbeatStaleness,
                          double expectedInferenceSeconds, int maxPromptChars, int maxTokensLimit,
                          Duration waitInitial, Duration waitMax, Duration finishedRetention,
                          Duration scanInterval, StatsSettings stats) {
        this(maxAttempts, defaultDeadline, heartbeatStaleness, expectedInferenceSeconds, maxPromptChars,
                maxTokensLimit, waitInitial, waitMax, finishedRetention, scanInterval, stats, HoldSettings.defaults(),
                BudgetSettings.none());
    }

    /** The same limits with other hold settings. */
    public RouterSettings withHold(HoldSettings other) {
        return new RouterSettings(maxAttempts, defaultDeadline, heartbeatStaleness, expectedInferenceSeconds,
                maxPromptChars, maxTokensLimit, waitInitial, waitMax, finishedRetention, scanInterval, stats, other, budget);
    }

    /** The same limits with another budget. */
    public RouterSettings withBudget(BudgetSettings other) {
        return new RouterSettings(maxAttempts, defaultDeadline, heartbeatStaleness, expectedInferenceSeconds,
                maxPromptChars, maxTokensLimit, waitInitial, waitMax, finishedRetention, scanInterval, stats, hold, other);
    }
}
