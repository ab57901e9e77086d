package io.beacon.lab.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.lab.scenario.BuiltInScenarios;
import io.beacon.lab.scenario.Scenario;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The direct engine runs the same router as the real topology: the same scenario through the production
 * topology under TopologyTestDriver (serialised records, RocksDB stores) gives exactly the same result, to the
 * last digit of the bill, as through the processors the lab drives itself. The driver has one task and loops the
 * router's own topics back at once, so the direct engine runs here with one partition and no hop.
 */
class PolicyRunFidelityTest {

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({
        "steady, beacon",
        "golem-outage, beacon",
        "golem-churn, least-busy",
        "benchmark-batch, beacon",
        "cold-start-storm, price-sort-fallback"})
    void shouldRouteExactlyAsTheProductionTopologyDoes(String scenarioName, String policy) {
        Scenario scenario = BuiltInScenarios.named(scenarioName).withJobs(scenarioName.equals("benchmark-batch") ? 1100 : 500);
        LabOptions direct = LabOptions.defaults().withEngine(RouterEngine.Kind.DIRECT, 1, Duration.ZERO);
        LabOptions topology = LabOptions.defaults().withEngine(RouterEngine.Kind.TOPOLOGY, 1, Duration.ZERO);

        PolicyResult viaProcessors = LabScenarios.timeless(LabScenarios.run(scenario, policy, direct));
        PolicyResult viaTopology = LabScenarios.timeless(LabScenarios.run(scenario, policy, topology));

        assertThat(viaProcessors.exactlyOneResultPerJob()).isTrue();
        assertThat(viaProcessors).isEqualTo(viaTopology);
        assertThat(List.of(viaProcessors.billedUsd())).as("a bill, not nothing").allMatch(usd -> usd > 0);
    }
}
