package io.beacon.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.ops.lag.GroupFilter;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RouterConfigLagGroupsTest {

    @Test
    void shouldWatchEveryGroupOnTheClusterByDefault() {
        GroupFilter groups = new RouterConfig(Map.of()).lagGroups();

        assertThat(groups.matches("beacon-demo-results")).isTrue();
        assertThat(groups.matches("console-consumer-12345")).isTrue();
    }

    @Test
    void shouldTakeIncludeAndExcludePatternsFromTheEnvironment() {
        RouterConfig config = RouterConfig.load(null, Map.of("BEACON_LAG_GROUPS_INCLUDE", "beacon-.*|runner-.*",
                "BEACON_LAG_GROUPS_EXCLUDE", "beacon-bench-.*"), Map.of());

        GroupFilter groups = config.lagGroups();

        assertThat(groups.matches("runner-results")).isTrue();
        assertThat(groups.matches("beacon-bench-7")).isFalse();
        assertThat(groups.matches("console-consumer-12345")).isFalse();
    }

    @Test
    void shouldRefuseAPatternThatIsNoRegularExpressionNamingTheSetting() {
        assertThatThrownBy(() -> new RouterConfig(Map.of(RouterConfig.LAG_GROUPS_EXCLUDE, "console-(")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RouterConfig.LAG_GROUPS_EXCLUDE)
                .hasMessageContaining("console-(")
                .hasMessageContaining("not a valid regular expression");
        assertThatThrownBy(() -> new RouterConfig(Map.of(RouterConfig.LAG_GROUPS_INCLUDE, "*-results")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(RouterConfig.LAG_GROUPS_INCLUDE);
    }
}
