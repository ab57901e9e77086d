package io.beacon.lab.report;

import io.beacon.lab.engine.PolicyResult;
import java.util.List;
import java.util.Optional;

/** Every policy's result on one scenario, in the order the policies were given. */
public record ScenarioResult(String name, String description, List<PolicyResult> policies) {

    public ScenarioResult {
        policies = List.copyOf(policies);
    }

    public Optional<PolicyResult> policy(String policyName) {
        return policies.stream().filter(p -> p.policy().equals(policyName)).findFirst();
    }
}
