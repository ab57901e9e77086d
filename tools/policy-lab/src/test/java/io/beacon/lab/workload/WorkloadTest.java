package io.beacon.lab.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.beacon.lab.scenario.BuiltInScenarios;
import io.beacon.lab.scenario.Scenario;
import io.beacon.lab.scenario.Scenario.LatencyClass;
import io.beacon.lab.scenario.ScenarioReader;
import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void shouldGiveTheSameJobsForTheSameSeedAndOthersForAnother() {
        Scenario steady = BuiltInScenarios.named("steady").withJobs(2000);

        assertThat(Workload.generate(steady).jobs()).isEqualTo(Workload.generate(steady).jobs());
        assertThat(Workload.generate(steady.withSeed(7)).jobs()).isNotEqualTo(Workload.generate(steady).jobs());
    }

    @Test
    void shouldSendPoissonArrivalsAtTheScenariosRate() {
        Workload steady = Workload.generate(BuiltInScenarios.named("steady").withJobs(30_000));

        double seconds = steady.lastArrivalNanos() / 1e9;
        assertThat(steady.size() / seconds).isCloseTo(15.0, within(0.3));
    }

    @Test
    void shouldSwingTheDiurnalRateThreeTimesFromTroughToPeak() {
        Scenario diurnal = BuiltInScenarios.named("diurnal");
        Workload jobs = Workload.generate(diurnal.withJobs(60_000));
        long period = Duration.ofMinutes(30).toNanos();
        // Jobs in the quarter-period around the peak (phase 1/4) and around the trough (phase 3/4).
        long peak = jobs.jobs().stream().filter(j -> phase(j, period) >= 0.125 && phase(j, period) < 0.375).count();
        long trough = jobs.jobs().stream().filter(j -> phase(j, period) >= 0.625 && phase(j, period) < 0.875).count();

        assertThat((double) peak / trough).as("peak quarter over trough quarter").isBetween(2.3, 3.0);
    }

    @Test
    void shouldSendTenTimesTheRateDuringABurst() {
        Workload jobs = Workload.generate(BuiltInScenarios.named("burst").withJobs(20_000));
        long burstStart = Duration.ofSeconds(120).toNanos();
        long burstEnd = burstStart + Duration.ofSeconds(120).toNanos();

        long inBurst = jobs.jobs().stream().filter(j -> j.arrivalNanos() >= burstStart && j.arrivalNanos() < burstEnd).count();
        long before = jobs.jobs().stream().filter(j -> j.arrivalNanos() < burstStart).count();

        assertThat(inBurst / 120.0).as("burst rate").isCloseTo(50.0, within(5.0));
        assertThat(before / 120.0).as("quiet rate").isCloseTo(5.0, within(1.0));
    }

    @Test
    void shouldSendEachBenchmarkRunAtOnceMixedWithATenthOfInteractiveJobs() {
        Workload jobs = Workload.generate(BuiltInScenarios.named("benchmark-batch").withJobs(11_000));

        Map<Long, Long> batchSizes = jobs.jobs().stream().filter(j -> j.latencyClass() == LatencyClass.BATCH)
                .collect(Collectors.groupingBy(JobSpec::arrivalNanos, Collectors.counting()));
        assertThat(batchSizes.keySet()).allMatch(at -> at % Duration.ofSeconds(60).toNanos() == 0);
        assertThat(batchSizes.values().stream().filter(n -> n == 500).count()).isGreaterThanOrEqualTo(19);
        double interactive = jobs.jobs().stream().filter(j -> j.latencyClass() == LatencyClass.INTERACTIVE).count()
                / (double) jobs.size();
        assertThat(interactive).isCloseTo(0.10, within(0.01));
        assertThat(jobs.jobs()).filteredOn(j -> j.latencyClass() == LatencyClass.BATCH)
                .allSatisfy(j -> {
                    assertThat(j.deadlineNanos()).isEqualTo(Duration.ofMinutes(30).toNanos());
                    assertThat(j.costPriority()).isTrue();
                    assertThat(j.providerPreference()).isEmpty();
                });
    }

    @Test
    void shouldDrawTheMixByItsWeightsAndCutAnswersAtMaxTokens() {
        Scenario scenario = ScenarioReader.parse("""
                name: mix
                jobs: 20000
                fleet: demo
                workload:
                  streams:
                    - arrivals: {process: poisson, rate_per_second: 10}
                      mix:
                        - {name: short, weight: 3, max_tokens: {32: 1}, region_preference: {us-east: 1}}
                        - {name: speedy, weight: 1, latency_class: interactive, provider_preference: {"runpod,modal": 1}}
                """, "mix.yaml");

        List<JobSpec> jobs = Workload.generate(scenario).jobs();

        Map<Boolean, Long> byPriority = jobs.stream().collect(Collectors.groupingBy(JobSpec::costPriority,
                Collectors.counting()));
        assertThat(byPriority.get(true) / (double) jobs.size()).isCloseTo(0.75, within(0.02));
        assertThat(jobs).filteredOn(JobSpec::costPriority).allSatisfy(j -> {
            assertThat(j.maxTokens()).isEqualTo(32);
            assertThat(j.outputTokens()).as("a natural answer, cut at max_tokens").isBetween(24, 32);
            assertThat(j.region()).isEqualTo("us-east");
        });
        assertThat(jobs).filteredOn(j -> !j.costPriority()).allSatisfy(j -> {
            assertThat(j.outputTokens()).isBetween(24, 95);
            assertThat(j.region()).isNull();
            assertThat(j.providerPreference()).containsExactly(ProviderKind.RUNPOD, ProviderKind.MODAL);
        });
    }

    private static double phase(JobSpec job, long period) {
        return (job.arrivalNanos() % period) / (double) period;
    }
}
