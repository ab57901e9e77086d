package io.beacon.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.lab.engine.LabOptions;
import io.beacon.lab.engine.PolicyResult;
import io.beacon.lab.policy.LabPolicy;
import io.beacon.lab.report.ScenarioResult;
import io.beacon.lab.scenario.BuiltInScenarios;
import io.beacon.lab.scenario.Scenario;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The reduced lab: every built-in scenario with {@value #JOBS} jobs, every policy, in the build. It asserts the
 * orderings the router's policy achieves today (docs/policy-lab.md has the full lab and the targets), so a change
 * that makes the router worse against the field's alternatives fails the build. The targets it misses today are
 * written out in {@link #targetsMissedToday()}, disabled, with why.
 *
 * <p>Two runs of the lab: the built-in scenarios as shipped (the demo's job mix, whose region and provider
 * preferences the router honours at any price), and the same without preferences (the policy's own choices).
 */
class ReducedLabTest {

    static final int JOBS = 6000;
    private static final double TARGET_MAX_COST_PER_INFERENCE = 0.0005;

    private static List<ScenarioResult> asShipped;
    private static List<ScenarioResult> withoutPreferences;

    @BeforeAll
    static void runTheReducedLab() {
        List<Scenario> scenarios = BuiltInScenarios.all().stream().map(s -> s.withJobs(JOBS)).toList();
        int threads = Runtime.getRuntime().availableProcessors();
        asShipped = new PolicyLab(LabOptions.defaults(), threads).run(scenarios, LabPolicy.all(), line -> { });
        withoutPreferences = new PolicyLab(LabOptions.defaults().withoutPreferences(true), threads)
                .run(scenarios, LabPolicy.all(), line -> { });
    }

    @Test
    void shouldGiveEveryJobExactlyOneResultUnderEveryPolicy() {
        for (ScenarioResult scenario : asShipped) {
            for (PolicyResult p : scenario.policies()) {
                assertThat(p.exactlyOneResultPerJob()).as("%s / %s", scenario.name(), p.policy()).isTrue();
                assertThat(p.jobs()).isEqualTo(JOBS);
            }
        }
    }

    @Test
    void shouldSucceedAtLeastAsOftenAsEveryAlternativeAndAtLeast995PerMille() {
        for (ScenarioResult scenario : asShipped) {
            PolicyResult beacon = beacon(scenario);
            assertThat(beacon.successRate()).as("%s: beacon's success", scenario.name()).isGreaterThanOrEqualTo(0.995);
            for (PolicyResult other : scenario.policies()) {
                assertThat(beacon.succeeded()).as("%s: beacon's successes against %s", scenario.name(), other.policy())
                        .isGreaterThanOrEqualTo(other.succeeded());
            }
        }
    }

    @Test
    void shouldBeatCheapestFirstOnSuccessAndP99InEveryScenario() {
        for (ScenarioResult scenario : asShipped) {
            PolicyResult beacon = beacon(scenario);
            PolicyResult cheapest = scenario.policy("cheapest-first").orElseThrow();
            assertThat(beacon.succeeded()).as("%s: successes", scenario.name()).isGreaterThan(cheapest.succeeded());
            assertThat(beacon.p99Ms()).as("%s: p99", scenario.name()).isLessThan(cheapest.p99Ms());
        }
    }

    @Test
    void shouldStayUnderTheTargetCostPerInferenceWithTrueBillingInEveryScenario() {
        for (ScenarioResult scenario : asShipped) {
            assertThat(beacon(scenario).costPerInferenceUsd()).as(scenario.name())
                    .isLessThan(TARGET_MAX_COST_PER_INFERENCE);
        }
    }

    @Test
    void shouldMissNoDeadlineOfABenchmarkRun() {
        assertThat(beacon(scenario(asShipped, "benchmark-batch")).deadlineMisses()).isZero();
    }

    @Test
    void shouldCostLessThanTheStaticSplitAndRoundRobinWhereTheDemosMixLetsIt() {
        for (String name : List.of("burst", "golem-outage", "cold-start-storm")) {
            assertCheaperThanStaticSplitAndRoundRobin(scenario(asShipped, name));
        }
    }

    @Test
    void shouldCostLessThanTheStaticSplitAndRoundRobinWithoutPreferencesInAllButBenchmarkRuns() {
        for (ScenarioResult scenario : withoutPreferences) {
            if (!scenario.name().equals("benchmark-batch")) {
                assertCheaperThanStaticSplitAndRoundRobin(scenario);
            }
        }
    }

    /**
     * The targets that the router's policy misses today (figures in docs/policy-lab.md), kept here so
     * that the change meant to meet them (deadline-aware routing) can switch this test on:
     * <ul>
     *   <li>cheaper than static-70-30 and round-robin in every scenario: with the demo's mix the router sends a
     *       region's jobs to that region's serverless deployment while Golem elsewhere has room (steady, diurnal,
     *       golem-churn, price-change), and overflows each benchmark run of 500 to serverless at once;</li>
     *   <li>benchmark-batch: baseline share at least 90% (today about 25%) and cost per inference at least 40%
     *       below beacon-no-deadline (today equal: the router does not read deadlines).</li>
     * </ul>
     */
    @Test
    @Disabled("targets the router's policy misses today; see the Javadoc and docs/policy-lab.md")
    void targetsMissedToday() {
        for (ScenarioResult scenario : asShipped) {
            assertCheaperThanStaticSplitAndRoundRobin(scenario);
        }
        ScenarioResult batch = scenario(asShipped, "benchmark-batch");
        PolicyResult beacon = beacon(batch);
        assertThat(beacon.baselineShare()).isGreaterThanOrEqualTo(0.90);
        assertThat(beacon.costPerInferenceUsd()).isLessThanOrEqualTo(
                0.6 * batch.policy(LabPolicy.BEACON_NO_DEADLINE).orElseThrow().costPerInferenceUsd());
    }

    private static void assertCheaperThanStaticSplitAndRoundRobin(ScenarioResult scenario) {
        PolicyResult beacon = beacon(scenario);
        for (String other : Set.of("static-70-30", "round-robin")) {
            PolicyResult alternative = scenario.policy(other).orElseThrow();
            assertThat(beacon.succeeded()).as("%s: beacon's successes against %s", scenario.name(), other)
                    .isGreaterThanOrEqualTo(alternative.succeeded());
            assertThat(beacon.costPerInferenceUsd()).as("%s: beacon's cost per inference against %s", scenario.name(),
                    other).isLessThan(alternative.costPerInferenceUsd());
        }
    }

    private static PolicyResult beacon(ScenarioResult scenario) {
        return scenario.policy(LabPolicy.BEACON).orElseThrow();
    }

    private static ScenarioResult scenario(List<ScenarioResult> results, String name) {
        return results.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }
}
