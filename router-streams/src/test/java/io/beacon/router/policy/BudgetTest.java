package io.beacon.router.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetTest {

    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void shouldBlendTheMoneyOfTheWindowOverItsSuccesses() {
        BudgetTracker tracker = new BudgetTracker(Duration.ofMinutes(1));
        // An expensive first minute, then a cheap one: the window sees only the cheap one
        tracker.observe(T0, 0.0, 0);
        tracker.observe(T0.plusSeconds(30), 0.05, 100);
        tracker.observe(T0.plusSeconds(60), 0.10, 200);
        tracker.observe(T0.plusSeconds(120), 0.11, 300);

        assertThat(tracker.blendedCostPerInferenceUsd()).isCloseTo(0.01 / 100, within(1e-12));
    }

    @Test
    void shouldFallBackToTheTotalsWhileTheWindowHasFewSuccesses() {
        BudgetTracker tracker = new BudgetTracker(Duration.ofMinutes(1));
        assertThat(tracker.blendedCostPerInferenceUsd()).isNaN();

        tracker.observe(T0, 0.02, 10);
        tracker.observe(T0.plusSeconds(5), 0.021, 12);

        assertThat(tracker.blendedCostPerInferenceUsd()).isCloseTo(0.021 / 12, within(1e-12));
    }

    @Test
    void shouldSteerOnlyNearTheBudgetAndHarderOverIt() {
        BudgetSettings budget = BudgetSettings.of(0.0002, Duration.ofMinutes(10));

        assertThat(budget.capUsd(Double.NaN)).isEmpty();
        assertThat(budget.capUsd(0.00015)).isEmpty();
        assertThat(budget.capUsd(0.00017)).hasValue(0.0002);
        assertThat(budget.capUsd(0.0004).getAsDouble()).isCloseTo(0.0001, within(1e-12));
        assertThat(BudgetSettings.none().capUsd(1.0)).isEmpty();
    }

    @Test
    void shouldRefuseANonPositiveBudget() {
        assertThatThrownBy(() -> BudgetSettings.of(0, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    }
}
