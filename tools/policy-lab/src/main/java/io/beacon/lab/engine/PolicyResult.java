package io.beacon.lab.engine;

import java.util.Map;

/**
 * What one policy achieved on one scenario.
 *
 * @param jobs                 jobs sent
 * @param succeeded            jobs whose one final result is a success
 * @param billedUsd            what the providers bill for the run (idle capacity, probes and fees included), from
 *                             the simulators' engine, up to the end of the run (the last result plus the longest
 *                             scale-down window, so every serverless unit has stopped)
 * @param p50Ms                median time from a job's request to its final result, over every job
 * @param p99Ms                99th percentile of the same
 * @param baselineShare        share of the successes that ran on Golem
 * @param deadlineMisses       jobs without a successful result by their own deadline (failed, or late)
 * @param successesByProvider  successes per provider kind (golem, modal, runpod)
 * @param billedByProvider     the bill per provider kind
 * @param failovers            attempts that replaced a failed one
 * @param duplicates           results beyond the first for a job (must be 0)
 * @param unanswered           jobs that got no result at all by the end of the run (must be 0)
 * @param virtualSeconds       virtual time the run covered
 * @param wallMillis           real time the run took
 */
public record PolicyResult(String policy, int jobs, int succeeded, double billedUsd, long p50Ms, long p99Ms,
                           double baselineShare, int deadlineMisses, Map<String, Integer> successesByProvider,
                           Map<String, Double> billedByProvider, int failovers, int duplicates,
                           int unanswered, double virtualSeconds, long wallMillis) {

    /** All money billed over successful inferences: the one definition of cost per inference. */
    public double costPerInferenceUsd() {
        return succeeded == 0 ? Double.NaN : billedUsd / succeeded;
    }

    /** Whether every job got exactly one final result, as the pipeline promises. */
    public boolean exactlyOneResultPerJob() {
        return duplicates == 0 && unanswered == 0;
    }

    public double successRate() {
        return jobs == 0 ? 0 : (double) succeeded / jobs;
    }
}
