package io.beacon.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.router.policy.HoldSettings;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RouterConfigDeadlineSettingsTest {

    @Test
    void shouldHoldWithTheDefaultsAndSetNoBudget() {
        assertThat(RouterConfig.defaultSettings().hold()).isEqualTo(HoldSettings.defaults());
        assertThat(RouterConfig.defaultSettings().budget().maxCostPerInferenceUsd()).isEmpty();
    }

    @Test
    void shouldReadTheHoldAndBudgetSettingsFromAFileSettingOrTheEnvironment() {
        RouterConfig config = RouterConfig.load(null, Map.of("BEACON_ROUTER_BUDGET_MAX_COST_PER_INFERENCE", "0.0002"),
                Map.of(RouterConfig.HOLD_MARGIN_MS, "90000", RouterConfig.HOLD_QUEUE_WAVES, "0.5",
                        RouterConfig.BUDGET_WINDOW_MS, "60000"));

        assertThat(config.settings().hold().margin()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.settings().hold().queueWaves()).isEqualTo(0.5);
        assertThat(config.settings().budget().maxCostPerInferenceUsd()).hasValue(0.0002);
        assertThat(config.settings().budget().window()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void shouldRefuseABudgetThatIsNotPositive() {
        assertThatThrownBy(() -> new RouterConfig(Map.of(RouterConfig.BUDGET_MAX_COST, "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(RouterConfig.BUDGET_MAX_COST);
    }
}
