package io.beacon.launcher.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a run held up: jobs lost (sent, never given a final result), duplicates (final results beyond one per
 * job) and, for each injected fault, how long the pipeline took to recover from it: the time from the fault
 * to the first final result of a job sent after it.
 *
 * @param lost       jobs sent that got no final result
 * @param duplicates final results beyond the first for a job
 * @param faults     every fault in the order they struck
 */
public record Reliability(int lost, int duplicates, List<FaultRecovery> faults) {

    /**
     * One fault and its recovery.
     *
     * @param name       what was done
     * @param atSeconds  when, in seconds from the start of the run
     * @param recoveredSeconds seconds from the fault to the first final result of a job sent after it; null when
     *                   no such job got one
     */
    public record FaultRecovery(String name, double atSeconds, Double recoveredSeconds) {
    }

    public Reliability {
        faults = List.copyOf(faults);
    }

    /**
     * @param startNanos    the run's start ({@link System#nanoTime()})
     * @param sentAtNanos   when each job was handed to the producer, by job id
     * @param resultAtNanos when each job's first final result was read, by job id
     * @param resultCounts  how many final results each job got, by job id (only jobs of this run)
     * @param faults        the faults injected
     */
    public static Reliability of(long startNanos, Map<String, Long> sentAtNanos, Map<String, Long> resultAtNanos,
                                 Map<String, Integer> resultCounts, List<FaultLog.Fault> faults) {
        int lost = 0;
        for (String job : sentAtNanos.keySet()) {
            if (resultCounts.getOrDefault(job, 0) == 0) {
                lost++;
            }
        }
        int duplicates = 0;
        for (Map.Entry<String, Integer> count : resultCounts.entrySet()) {
            if (sentAtNanos.containsKey(count.getKey())) {
                duplicates += Math.max(0, count.getValue() - 1);
            }
        }
        List<FaultRecovery> recoveries = new ArrayList<>();
        for (FaultLog.Fault fault : faults) {
            long first = Long.MAX_VALUE;
            for (Map.Entry<String, Long> sent : sentAtNanos.entrySet()) {
                Long resultAt = resultAtNanos.get(sent.getKey());
                if (sent.getValue() >= fault.atNanos() && resultAt != null && resultAt < first) {
                    first = resultAt;
                }
            }
            recoveries.add(new FaultRecovery(fault.name(), seconds(fault.atNanos() - startNanos),
                    first == Long.MAX_VALUE ? null : seconds(first - fault.atNanos())));
        }
        return new Reliability(lost, duplicates, recoveries);
    }

    /** The slowest recovery in seconds; null if a fault has none (or there were no faults: 0). */
    public Double worstRecoverySeconds() {
        double worst = 0;
        for (FaultRecovery fault : faults) {
            if (fault.recoveredSeconds() == null) {
                return null;
            }
            worst = Math.max(worst, fault.recoveredSeconds());
        }
        return worst;
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e6) / 1000.0;
    }
}
