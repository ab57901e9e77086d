package io.beacon.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterConfigWakeCostTest {

    @Test
    void shouldPriceTheWakeOfAServerlessUnitByDefault() {
        assertThat(RouterConfig.defaultSettings().stats().wakeCost()).isTrue();
    }

    @Test
    void shouldTurnWakeCostOffFromAFileSettingOrTheEnvironment() {
        assertThat(new RouterConfig(Map.of(RouterConfig.WAKE_COST, "false")).settings().stats().wakeCost()).isFalse();
        assertThat(RouterConfig.load(null, Map.of("BEACON_ROUTING_WAKE_COST", "false"), Map.of()).settings().stats()
                .wakeCost()).isFalse();
    }
}
