package io.beacon.ops.lag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class GroupFilterTest {

    @Test
    void shouldMatchTheWholeGroupIdAgainstIncludeThenExclude() {
        GroupFilter filter = GroupFilter.of("beacon-.*|runner-results", "beacon-worker-.*");

        assertThat(filter.matches("beacon-demo-results")).isTrue();
        assertThat(filter.matches("runner-results")).isTrue();
        assertThat(filter.matches("runner-results-2")).as("include matches the whole id").isFalse();
        assertThat(filter.matches("beacon-worker-golem")).isFalse();
    }

    @Test
    void shouldExcludeNothingWhenTheExcludePatternIsEmpty() {
        assertThat(GroupFilter.of(".*", "").matches("anything")).isTrue();
        assertThat(GroupFilter.ALL.matches("beacon-router")).isTrue();
    }

    @Test
    void shouldMatchAPrefixLiterally() {
        GroupFilter filter = GroupFilter.prefix("beacon.worker-");

        assertThat(filter.matches("beacon.worker-golem")).isTrue();
        assertThat(filter.matches("beaconXworker-golem")).as("the dot is no wildcard").isFalse();
    }

    @Test
    void shouldRefuseAPatternThatIsNoRegularExpression() {
        assertThatThrownBy(() -> GroupFilter.of("beacon-(", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("include pattern beacon-(");
        assertThatThrownBy(() -> GroupFilter.of(".*", "[a-"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exclude pattern [a-");
    }

    @Test
    void shouldFailAConfigWithABadPatternNamingTheSetting() {
        // Given a config that validates its pattern setting
        ConfigDef definition = new ConfigDef().define("lag.groups.include", Type.STRING, ".*",
                GroupFilter.regexValidator(), Importance.LOW, "Groups to watch.");

        // When / Then
        assertThatThrownBy(() -> definition.parse(Map.of("lag.groups.include", "*results")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("lag.groups.include").hasMessageContaining("*results")
                .hasMessageContaining("not a valid regular expression");
        assertThat(definition.parse(Map.of("lag.groups.include", "beacon-.*"))).containsEntry("lag.groups.include",
                "beacon-.*");
    }
}
