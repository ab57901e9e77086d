package io.beacon.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.router.http.HttpSettings;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RouterConfigHttpSettingsTest {

    @Test
    void shouldAnswerWithinTheRunnersSixtySecondClientTimeOutAndNeedNoTokenByDefault() {
        HttpSettings http = new RouterConfig(Map.of()).httpSettings();

        assertThat(http.defaultTimeout()).isEqualTo(Duration.ofSeconds(55));
        assertThat(http.maxBodyBytes()).isEqualTo(1_048_576);
        assertThat(http.authToken()).isEmpty();
    }

    @Test
    void shouldReadTheTokenFromTheEnvironmentAndHideItWhenPrinted() {
        RouterConfig config = RouterConfig.load(null, Map.of("BEACON_HTTP_AUTH_TOKEN", " t0ken "), Map.of());

        HttpSettings http = config.httpSettings();

        assertThat(http.authToken()).hasValue("t0ken");
        assertThat(http.toString()).doesNotContain("t0ken").contains("[hidden]");
        assertThat(config.originalsStrings().get(RouterConfig.HTTP_AUTH_TOKEN)).isEqualTo(" t0ken ");
    }

    @Test
    void shouldRefuseADefaultTimeoutOverTheMaximumNamingTheSetting() {
        RouterConfig config = new RouterConfig(Map.of(RouterConfig.HTTP_REQUEST_TIMEOUT_MS, "90000",
                RouterConfig.HTTP_REQUEST_TIMEOUT_MAX_MS, "60000"));

        assertThatThrownBy(config::httpSettings).isInstanceOf(ConfigException.class)
                .hasMessageContaining(RouterConfig.HTTP_REQUEST_TIMEOUT_MS)
                .hasMessageContaining(RouterConfig.HTTP_REQUEST_TIMEOUT_MAX_MS);
    }

    @Test
    void shouldRefuseATinyBodyLimit() {
        assertThatThrownBy(() -> new RouterConfig(Map.of(RouterConfig.HTTP_MAX_BODY_BYTES, "10")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(RouterConfig.HTTP_MAX_BODY_BYTES);
    }
}
