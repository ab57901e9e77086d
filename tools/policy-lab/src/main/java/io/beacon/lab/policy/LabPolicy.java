package io.beacon.lab.policy;

import io.beacon.router.policy.RoutingDecider;
import io.beacon.router.topology.RouterSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * A policy the lab can run: its name, what it is, how to make its decider for a run, and whether the jobs it
 * routes carry their deadline and latency class.
 *
 * <p>{@code beacon} makes no decider of its own: the lab builds the router exactly as production does
 * ({@code RouterProcessors}' production policy), so whatever the router's policy becomes, deadline-aware
 * included, is what the lab measures, with no change here. {@code beacon-no-deadline} is the same router fed
 * the same jobs without their deadline and latency class (the router's default deadline applies), to measure
 * what knowing them is worth.
 *
 * @param decider   makes the run's decider from the router's settings and the run's seed; empty for the
 *                  router's own policy
 * @param deadlines whether requests carry the job's deadline and latency class
 */
public record LabPolicy(String name, String description,
                        Optional<BiFunction<RouterSettings, Long, RoutingDecider>> decider, boolean deadlines) {

    public static final String BEACON = "beacon";
    public static final String BEACON_NO_DEADLINE = "beacon-no-deadline";

    /** Every policy, in the order the tables list them. */
    public static List<LabPolicy> all() {
        List<LabPolicy> out = new ArrayList<>();
        out.add(new LabPolicy(BEACON, "the router's own policy (RoutingPolicy), jobs with deadline and latency class",
                Optional.empty(), true));
        out.add(new LabPolicy(BEACON_NO_DEADLINE, "the router's own policy, jobs without deadline or latency class"
                + " (the router's default deadline)", Optional.empty(), false));
        out.add(alternative(StaticSplitPolicy.NAME, "70% to Golem, 30% to serverless at random (the runner guide's plan)",
                (s, seed) -> new StaticSplitPolicy(0.7, seed, s.heartbeatStaleness(), s.expectedInferenceSeconds())));
        out.add(alternative(RoundRobinPolicy.NAME, "each deployment in turn",
                (s, seed) -> new RoundRobinPolicy(s.heartbeatStaleness(), s.expectedInferenceSeconds())));
        out.add(alternative(CheapestFirstPolicy.NAME, "lowest price per second, no capacity awareness",
                (s, seed) -> new CheapestFirstPolicy(s.heartbeatStaleness(), s.expectedInferenceSeconds())));
        out.add(alternative(LeastBusyPolicy.NAME, "fewest requests in flight (LiteLLM least-busy)",
                (s, seed) -> new LeastBusyPolicy(s.heartbeatStaleness(), s.expectedInferenceSeconds())));
        out.add(alternative(LatencyBasedPolicy.NAME, "lowest recent latency per token (LiteLLM latency-based-routing)",
                (s, seed) -> new LatencyBasedPolicy(seed, s.heartbeatStaleness(), s.expectedInferenceSeconds())));
        out.add(alternative(PriceSortFallbackPolicy.NAME, "cheapest with capacity, then the next (OpenRouter sort by price)",
                (s, seed) -> new PriceSortFallbackPolicy(s.heartbeatStaleness(), s.expectedInferenceSeconds())));
        return out;
    }

    public static List<String> names() {
        return all().stream().map(LabPolicy::name).toList();
    }

    /** The policies named, in the order given. */
    public static List<LabPolicy> named(List<String> names) {
        List<LabPolicy> all = all();
        List<LabPolicy> out = new ArrayList<>();
        for (String name : names) {
            out.add(all.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("no policy " + name + " (policies: " + String.join(", ", names()) + ")")));
        }
        return out;
    }

    private static LabPolicy alternative(String name, String description,
                                         BiFunction<RouterSettings, Long, RoutingDecider> decider) {
        return new LabPolicy(name, description, Optional.of(decider), true);
    }
}
