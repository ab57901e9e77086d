package io.beacon.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyModelTest {

    @Test
    void shouldAlwaysReturnTheSameLatencyWhenFixed() {
        // Given
        LatencyModel model = LatencyModel.fixed(Duration.ofMillis(40));

        // When / Then
        assertThat(model.sample(new Random(1), 0)).isEqualTo(Duration.ofMillis(40));
        assertThat(model.sample(new Random(2), 500)).isEqualTo(Duration.ofMillis(40));
        assertThat(model.sigma()).isZero();
        assertThat(model.perOutputToken()).isZero();
    }

    @Test
    void shouldAddPerTokenTimeForEveryGeneratedToken() {
        // Given
        LatencyModel model = new LatencyModel(Duration.ofMillis(100), 0.0, Duration.ofMillis(5));

        // When
        Duration latency = model.sample(new Random(1), 20);

        // Then
        assertThat(latency).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void shouldCentreLogNormalSamplesOnTheMedianWithASkewedTail() {
        // Given
        LatencyModel model = new LatencyModel(Duration.ofMillis(1000), 0.5, Duration.ZERO);
        Random random = new Random(42);

        // When
        long[] millis = new long[20_001];
        for (int i = 0; i < millis.length; i++) {
            millis[i] = model.sample(random, 0).toMillis();
        }
        Arrays.sort(millis);

        // Then
        assertThat((double) millis[millis.length / 2]).isCloseTo(1000.0, within(50.0));
        double mean = Arrays.stream(millis).average().orElseThrow();
        assertThat(mean).as("right-skewed: the mean lies above the median").isGreaterThan(1050.0);
        assertThat(millis[millis.length - 1]).as("clamped at 4 sigma").isLessThanOrEqualTo(Math.round(1000 * Math.exp(2.0)) + 1);
    }

    @Test
    void shouldRejectNegativeOrMeaninglessParameters() {
        assertThatThrownBy(() -> new LatencyModel(Duration.ofMillis(-1), 0.1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("median");
        assertThatThrownBy(() -> new LatencyModel(Duration.ofMillis(1), -0.1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sigma");
        assertThatThrownBy(() -> new LatencyModel(Duration.ofMillis(1), Double.NaN, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sigma");
        assertThatThrownBy(() -> new LatencyModel(Duration.ofMillis(1), 0.1, Duration.ofMillis(-2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("perOutputToken");
        assertThatThrownBy(() -> LatencyModel.fixed(Duration.ofMillis(1)).sample(new Random(), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outputTokens");
    }
}
