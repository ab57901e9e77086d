package io.beacon.lab.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.beacon.lab.scenario.BuiltInScenarios;
import io.beacon.lab.scenario.Scenario;
import org.junit.jupiter.api.Test;

/**
 * The money of a lab run is what the providers bill for it (the simulators' engine), idle capacity, fees and
 * probes included: checked here against the billing rule worked out by hand on fleets small enough to do so.
 */
class PolicyRunBillingTest {

    private static final double GOLEM_PRICE = 0.0001;
    private static final double GOLEM_FEE = 0.0005;

    private static final String ONE_GOLEM_NODE = """
            fleet:
              - {id: golem-1, provider: golem, price_per_second_usd: 0.0001, capacity: 4, start_fee_usd: 0.0005}
            """;

    @Test
    void shouldBillAGolemLeaseFromTheWorkersFirstProbeToTheEndIdleIncluded() {
        Scenario scenario = LabScenarios.parse("""
                name: lease
                jobs: 20
                %s
                workload:
                  streams:
                    - arrivals: {process: poisson, rate_per_second: 0.1}
                      mix: [{}]
                """.formatted(ONE_GOLEM_NODE));

        PolicyResult result = LabScenarios.run(scenario, "beacon");

        assertThat(result.succeeded()).isEqualTo(20);
        assertThat(result.billedUsd()).as("fee + price x the whole run, about 200 s of it idle")
                .isCloseTo(GOLEM_FEE + GOLEM_PRICE * result.virtualSeconds(), within(1e-9));
        assertThat(result.costPerInferenceUsd()).isCloseTo(result.billedUsd() / 20, within(1e-12));
    }

    @Test
    void shouldBillAServerlessWakeItsColdStartAndItsScaleDownWindow() {
        Scenario scenario = LabScenarios.parse("""
                name: wake
                jobs: 1
                fleet:
                  - {id: modal-1, provider: modal, price_per_second_usd: 0.0002, capacity: 1, slots_per_unit: 1,
                     cold_start_ms: 3000, idle_window_ms: 30000, latency: {median_ms: 500, sigma: 0, per_token_ms: 0}}
                workload:
                  streams:
                    - arrivals: {process: batches, batch_size: 1, every_seconds: 60}
                      mix: [{}]
                """);

        PolicyResult result = LabScenarios.run(scenario, "beacon");

        assertThat(result.succeeded()).isEqualTo(1);
        assertThat(result.billedUsd()).as("one container: 3 s cold start + 0.5 s call + 30 s window")
                .isCloseTo(0.0002 * 33.5, within(1e-12));
    }

    @Test
    void shouldBillTheNewPriceFromThePriceChangeOn() {
        Scenario scenario = LabScenarios.parse("""
                name: dearer
                jobs: 30
                %s
                workload:
                  streams:
                    - arrivals: {process: poisson, rate_per_second: 0.1}
                      mix: [{}]
                faults:
                  - {at_seconds: 100, target: {provider: golem}, action: price, factor: 2}
                """.formatted(ONE_GOLEM_NODE));

        PolicyResult result = LabScenarios.run(scenario, "beacon");

        double change = scenario.warmUp().toSeconds() + 100;
        assertThat(result.billedUsd()).isCloseTo(GOLEM_FEE + GOLEM_PRICE * change
                + 2 * GOLEM_PRICE * (result.virtualSeconds() - change), within(1e-9));
    }

    @Test
    void shouldStopBillingANodeThatLeavesAndBillTheNewOneFromItsFirstProbe() {
        Scenario scenario = LabScenarios.parse("""
                name: leave
                jobs: 40
                %s
                workload:
                  streams:
                    - arrivals: {process: poisson, rate_per_second: 0.1}
                      mix: [{}]
                faults:
                  - {at_seconds: 100, for_seconds: 50, target: {provider: golem}, action: leave}
                """.formatted(ONE_GOLEM_NODE));

        PolicyResult result = LabScenarios.run(scenario, "beacon");

        double left = scenario.warmUp().toSeconds() + 100;
        double joined = left + 50;
        // The new node's lease starts at its first probe, within one heartbeat interval of joining.
        double most = 2 * GOLEM_FEE + GOLEM_PRICE * (left + result.virtualSeconds() - joined);
        assertThat(result.billedUsd()).isBetween(most - GOLEM_PRICE * 1.0, most + 1e-12);
        assertThat(result.exactlyOneResultPerJob()).isTrue();
    }

    @Test
    void shouldGiveTheSameResultForTheSameScenarioAndSeed() {
        Scenario scenario = BuiltInScenarios.named("golem-churn").withJobs(1500);

        assertThat(LabScenarios.timeless(LabScenarios.run(scenario, "beacon")))
                .isEqualTo(LabScenarios.timeless(LabScenarios.run(scenario, "beacon")));
    }

    @Test
    void shouldGiveEveryJobExactlyOneResultWhateverThePolicyAndTheFaults() {
        Scenario scenario = BuiltInScenarios.named("golem-outage").withJobs(1500);
        for (String policy : io.beacon.lab.policy.LabPolicy.names()) {
            PolicyResult result = LabScenarios.run(scenario, policy);
            assertThat(result.exactlyOneResultPerJob()).as(policy).isTrue();
            assertThat(result.jobs()).as(policy).isEqualTo(1500);
        }
    }
}
