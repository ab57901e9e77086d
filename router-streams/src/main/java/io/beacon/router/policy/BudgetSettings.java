package io.beacon.router.policy;

import java.time.Duration;
import java.util.OptionalDouble;

/**
 * A rolling cost budget ({@code router.budget.max.cost.per.inference}): as the blended cost per inference of
 * the last {@code window} (all money the cost ledger billed over the successful inferences) nears the budget,
 * new jobs avoid deployments expected to cost more than the budget allows.
 *
 * @param maxCostPerInferenceUsd the budget, empty for none (the default)
 * @param window                 how far back the blended cost looks ({@code router.budget.window.ms})
 * @param nearShare              from this share of the budget on, jobs are steered (0.8: at 80% of it)
 */
public record BudgetSettings(OptionalDouble maxCostPerInferenceUsd, Duration window, double nearShare) {

    public BudgetSettings {
        if (maxCostPerInferenceUsd.isPresent() && !(maxCostPerInferenceUsd.getAsDouble() > 0)) {
            throw new IllegalArgumentException("budget must be positive, was " + maxCostPerInferenceUsd.getAsDouble());
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("budget window must be positive, was " + window);
        }
        if (!(nearShare > 0 && nearShare <= 1)) {
            throw new IllegalArgumentException("nearShare must be in (0, 1], was " + nearShare);
        }
    }

    /** No budget. */
    public static BudgetSettings none() {
        return new BudgetSettings(OptionalDouble.empty(), Duration.ofMinutes(10), 0.8);
    }

    public static BudgetSettings of(double maxCostPerInferenceUsd, Duration window) {
        return new BudgetSettings(OptionalDouble.of(maxCostPerInferenceUsd), window, 0.8);
    }

    /**
     * The most a new job should be expected to cost, given the blended cost per inference so far; empty when
     * no budget is set, nothing is known yet, or the blend is still below {@code nearShare} of the budget.
     * Near the budget the cap is the budget itself; over it, the budget scaled down by how far over the blend
     * is (budget x budget / blend), so cheaper work pulls the blend back.
     */
    public OptionalDouble capUsd(double blendedCostPerInferenceUsd) {
        if (maxCostPerInferenceUsd.isEmpty() || Double.isNaN(blendedCostPerInferenceUsd)) {
            return OptionalDouble.empty();
        }
        double budget = maxCostPerInferenceUsd.getAsDouble();
        if (blendedCostPerInferenceUsd < nearShare * budget) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(blendedCostPerInferenceUsd <= budget ? budget
                : budget * budget / blendedCostPerInferenceUsd);
    }
}
