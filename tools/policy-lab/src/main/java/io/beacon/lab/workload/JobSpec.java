package io.beacon.lab.workload;

import io.beacon.lab.scenario.Scenario.LatencyClass;
import io.beacon.schemas.avro.ProviderKind;
import java.util.List;

/**
 * One job of a generated workload, before it becomes a request.
 *
 * @param index              its place in arrival order (0-based); the job id is derived from it
 * @param arrivalNanos       virtual instant it is sent, from the start of the run
 * @param deadlineNanos      its deadline from arrival
 * @param outputTokens       tokens the model will generate for it (the simulators' natural answer, cut at maxTokens)
 * @param region             region preference, or null
 * @param providerPreference provider order, empty for none
 */
public record JobSpec(int index, long arrivalNanos, String model, int maxTokens, int outputTokens, boolean costPriority,
                      LatencyClass latencyClass, long deadlineNanos, String region,
                      List<ProviderKind> providerPreference) {

    /** The virtual instant by which the job should have its result. */
    public long dueNanos() {
        return arrivalNanos + deadlineNanos;
    }
}
