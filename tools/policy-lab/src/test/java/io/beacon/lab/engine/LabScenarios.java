package io.beacon.lab.engine;

import io.beacon.lab.policy.LabPolicy;
import io.beacon.lab.scenario.Scenario;
import io.beacon.lab.scenario.ScenarioReader;
import io.beacon.lab.workload.Workload;
import java.util.List;

/** Small scenarios and one-call runs for the engine's tests. */
final class LabScenarios {

    private LabScenarios() {
    }

    static Scenario parse(String yaml) {
        return ScenarioReader.parse(yaml, "test scenario");
    }

    static PolicyResult run(Scenario scenario, String policy) {
        return run(scenario, policy, LabOptions.defaults());
    }

    static PolicyResult run(Scenario scenario, String policy, LabOptions options) {
        return new PolicyRun(scenario, Workload.generate(scenario), LabPolicy.named(List.of(policy)).get(0), options)
                .run();
    }

    /** The result without the real time it took, which differs between two runs of the same thing. */
    static PolicyResult timeless(PolicyResult r) {
        return new PolicyResult(r.policy(), r.jobs(), r.succeeded(), r.billedUsd(), r.p50Ms(), r.p99Ms(),
                r.baselineShare(), r.deadlineMisses(), r.successesByProvider(), r.billedByProvider(), r.failovers(),
                r.duplicates(), r.unanswered(), r.virtualSeconds(), 0);
    }
}
