package io.beacon.lab.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.lab.scenario.Scenario.Action;
import io.beacon.lab.scenario.Scenario.LatencyClass;
import io.beacon.lab.scenario.Scenario.Process;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.sim.SimulatorFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioReaderTest {

    private static final String MINIMAL = """
            name: tiny
            jobs: 10
            fleet: demo
            workload:
              streams:
                - arrivals: {process: poisson, rate_per_second: 2}
                  mix:
                    - latency_class: interactive
            """;

    @Test
    void shouldReadEveryBuiltInScenarioWithTheDemoFleet() {
        assertThat(BuiltInScenarios.all()).extracting(Scenario::name).containsExactlyElementsOf(BuiltInScenarios.NAMES);
        for (Scenario scenario : BuiltInScenarios.all()) {
            assertThat(scenario.jobs()).as(scenario.name()).isEqualTo(100_000);
            assertThat(scenario.fleet()).as(scenario.name()).isEqualTo(SimulatorFleet.demoDeployments());
        }
    }

    @Test
    void shouldGiveEachBuiltInScenarioTheFeatureItIsNamedFor() {
        assertThat(BuiltInScenarios.named("diurnal").streams().get(0).arrivals().peakToTrough()).isEqualTo(3);
        Scenario.Arrivals burst = BuiltInScenarios.named("burst").streams().get(0).arrivals();
        assertThat(burst.burstFactor()).isEqualTo(10);
        assertThat(burst.burstLength()).isEqualTo(Duration.ofMinutes(2));
        Scenario.Fault outage = BuiltInScenarios.named("golem-outage").faults().get(0);
        assertThat(outage.action()).isEqualTo(Action.FAIL);
        assertThat(outage.provider()).isEqualTo("golem");
        assertThat(BuiltInScenarios.named("golem-churn").faults().get(0).action()).isEqualTo(Action.CHURN);
        Scenario.Fault price = BuiltInScenarios.named("price-change").faults().get(0);
        assertThat(price.action()).isEqualTo(Action.PRICE);
        assertThat(price.factor()).isEqualTo(2);
        Scenario batch = BuiltInScenarios.named("benchmark-batch");
        assertThat(batch.streams().get(0).arrivals().process()).isEqualTo(Process.BATCHES);
        assertThat(batch.streams().get(0).arrivals().batchSize()).isEqualTo(500);
        assertThat(batch.streams().get(0).mix().get(0).deadline()).isEqualTo(Duration.ofMinutes(30));
        assertThat(batch.streams().get(1).mix().get(0).latencyClass()).isEqualTo(LatencyClass.INTERACTIVE);
    }

    @Test
    void shouldFillAJobClassWithTheLabsDefaults() {
        Scenario scenario = ScenarioReader.parse(MINIMAL, "minimal.yaml");

        Scenario.JobClass job = scenario.streams().get(0).mix().get(0);
        assertThat(job.latencyClass()).isEqualTo(LatencyClass.INTERACTIVE);
        assertThat(job.costPriority()).as("interactive jobs ask for speed unless told otherwise").isFalse();
        assertThat(job.deadline()).isEqualTo(Duration.ofSeconds(120));
        assertThat(job.models()).containsOnlyKeys("llama3.2:1b");
        assertThat(job.regions()).containsOnlyKeys("none");
        assertThat(scenario.seed()).isEqualTo(42);
        assertThat(scenario.warmUp()).isEqualTo(Duration.ofSeconds(10));
        assertThat(scenario.faults()).isEmpty();
    }

    @Test
    void shouldReadAFleetOfItsOwnWithTheProvidersDefaultsForWhatItLeavesOut(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("own.yaml");
        Files.writeString(file, """
                name: own
                jobs: 5
                fleet:
                  - {id: node-a, provider: golem, price_per_second_usd: 0.00008, capacity: 2, start_fee_usd: 0.001,
                     latency: {median_ms: 700, sigma: 0.2, per_token_ms: 3}}
                  - {id: pod-b, provider: runpod, region: eu-west, active_units: 1, active_price_per_second_usd: 0.0001}
                workload:
                  streams:
                    - arrivals: {process: batches, batch_size: 5, every_seconds: 60}
                      mix: [{deadline_seconds: 1800}]
                faults:
                  - {at_seconds: 30, for_seconds: 60, target: {deployments: [pod-b]}, action: fail-rate, rate: 0.5}
                """);

        Scenario scenario = ScenarioReader.read(file);

        SimulatedDeployment node = scenario.fleet().get(0);
        assertThat(node.provider()).isEqualTo(SimProvider.GOLEM);
        assertThat(node.capacity()).isEqualTo(2);
        assertThat(node.slotsPerUnit()).as("a Golem node is one unit").isEqualTo(2);
        assertThat(node.startFeeUsd()).isEqualTo(0.001);
        assertThat(node.latency().median()).isEqualTo(Duration.ofMillis(700));
        SimulatedDeployment pod = scenario.fleet().get(1);
        assertThat(pod.pricePerSecondUsd()).as("RunPod's default flex price").isEqualTo(0.00016);
        assertThat(pod.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(pod.activeUnits()).isEqualTo(1);
        Scenario.Fault fault = scenario.faults().get(0);
        assertThat(fault.startNanos(0)).isEqualTo(Duration.ofSeconds(30).toNanos());
        assertThat(fault.lengthNanos(0)).isEqualTo(Duration.ofSeconds(60).toNanos());
        assertThat(fault.targets(pod)).isTrue();
        assertThat(fault.targets(node)).isFalse();
    }

    @Test
    void shouldTimeAFaultAsAShareOfTheSendingWindow() {
        Scenario.Fault outage = BuiltInScenarios.named("golem-outage").faults().get(0);

        long window = Duration.ofMinutes(30).toNanos();
        assertThat(outage.startNanos(window)).isEqualTo(Math.round(0.3333 * window));
        assertThat(outage.lengthNanos(window)).isEqualTo(Math.round(0.3333 * window));
    }

    @Test
    void shouldNameTheFieldOfAMisspeltSetting() {
        assertThatThrownBy(() -> ScenarioReader.parse(MINIMAL.replace("rate_per_second", "rate_per_sec"), "typo.yaml"))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining("typo.yaml: workload.streams[0].arrivals.rate_per_sec: unknown field");
    }

    @Test
    void shouldNameTheFieldOfAValueOutOfRange() {
        assertThatThrownBy(() -> ScenarioReader.parse(MINIMAL.replace("rate_per_second: 2", "rate_per_second: 0"), "zero.yaml"))
                .hasMessageContaining("workload.streams[0].arrivals.rate_per_second: must be a number > 0");
        assertThatThrownBy(() -> ScenarioReader.parse(MINIMAL.replace("poisson", "uniform"), "process.yaml"))
                .hasMessageContaining("arrivals.process: must be one of poisson, diurnal, bursts, batches (got uniform)");
        assertThatThrownBy(() -> ScenarioReader.parse(MINIMAL.replace("jobs: 10", "jobs: -1"), "jobs.yaml"))
                .hasMessageContaining("jobs: must be a whole number >= 1");
        assertThatThrownBy(() -> ScenarioReader.parse(MINIMAL + """
                faults:
                  - {at_fraction: 1.5, target: {provider: golem}, action: fail}
                """, "late.yaml"))
                .hasMessageContaining("faults[0].at_fraction: must be a share of the sending window, 0 to 1");
    }

    @Test
    void shouldRefuseChurnOnServerless() {
        assertThatThrownBy(() -> ScenarioReader.parse(MINIMAL + """
                faults:
                  - {at_seconds: 0, target: {provider: modal}, action: churn, mean_up_seconds: 60, mean_down_seconds: 10}
                """, "churn.yaml"))
                .hasMessageContaining("faults[0].target: churn applies to Golem nodes only");
    }

    @Test
    void shouldRefuseAFaultOnADeploymentNotInTheFleet() {
        assertThatThrownBy(() -> ScenarioReader.parse(MINIMAL + """
                faults:
                  - {at_seconds: 0, target: {deployments: [golem-mars-1]}, action: fail}
                """, "mars.yaml"))
                .hasMessageContaining("faults[0].target.deployments: no deployment golem-mars-1 in the fleet");
    }

    @Test
    void shouldSayWhenTheFileIsNotYaml() {
        assertThatThrownBy(() -> ScenarioReader.parse("name: [unclosed", "broken.yaml"))
                .hasMessageStartingWith("broken.yaml: not valid YAML");
    }

    @Test
    void shouldTellABuiltInNameFromAMissingFile() {
        assertThat(BuiltInScenarios.resolve("burst").name()).isEqualTo("burst");
        assertThatThrownBy(() -> BuiltInScenarios.resolve("no-such-thing.yaml"))
                .hasMessageContaining("no scenario file no-such-thing.yaml and no built-in scenario of that name");
    }
}
