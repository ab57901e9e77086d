package io.beacon.lab.engine;

import io.beacon.lab.workload.JobSpec;
import io.beacon.lab.workload.Workload;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.ProviderKind;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reads the run's results as the runner would: one per job, its outcome, when, and where it ran. */
final class ResultCollector {

    private final Workload workload;
    private final long startNanos;
    private final boolean[] finished;
    private final long[] latencyMs;
    private final Map<ProviderKind, Integer> successes = new EnumMap<>(ProviderKind.class);
    private int results;
    private int succeeded;
    private int misses;
    private int duplicates;
    private int unanswered;
    private long lastResultNanos;

    ResultCollector(Workload workload, long startNanos) {
        this.workload = workload;
        this.startNanos = startNanos;
        this.finished = new boolean[workload.size()];
        this.latencyMs = new long[workload.size()];
    }

    void result(InferenceResult result, long nowNanos) {
        int index = RequestMapper.index(result.getJobId());
        if (finished[index]) {
            duplicates++;
            return;
        }
        finished[index] = true;
        results++;
        lastResultNanos = nowNanos;
        JobSpec job = workload.job(index);
        long arrival = startNanos + job.arrivalNanos();
        latencyMs[index] = (VirtualClock.nanosOf(result.getCompletedAt()) - arrival) / 1_000_000;
        boolean onTime = VirtualClock.nanosOf(result.getCompletedAt()) <= startNanos + job.dueNanos();
        if (result.getSuccess()) {
            succeeded++;
            successes.merge(result.getProvider(), 1, Integer::sum);
        }
        if (!result.getSuccess() || !onTime) {
            misses++;
        }
    }

    /** Jobs that never got a result (none, in a sound run) count as failed at {@code endNanos}. */
    void closeAt(long endNanos) {
        for (int i = 0; i < finished.length; i++) {
            if (!finished[i]) {
                latencyMs[i] = (endNanos - startNanos - workload.job(i).arrivalNanos()) / 1_000_000;
                misses++;
                unanswered++;
            }
        }
    }

    int results() {
        return results;
    }

    int succeeded() {
        return succeeded;
    }

    int misses() {
        return misses;
    }

    int duplicates() {
        return duplicates;
    }

    int unanswered() {
        return unanswered;
    }

    long lastResultNanos() {
        return lastResultNanos;
    }

    double baselineShare() {
        return succeeded == 0 ? 0 : successes.getOrDefault(ProviderKind.GOLEM, 0) / (double) succeeded;
    }

    Map<String, Integer> successesByProvider() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (ProviderKind kind : new ProviderKind[] {ProviderKind.GOLEM, ProviderKind.MODAL, ProviderKind.RUNPOD}) {
            out.put(kind.name().toLowerCase(Locale.ROOT), successes.getOrDefault(kind, 0));
        }
        return out;
    }

    /** The {@code q}-quantile (nearest rank) of every job's time to its result. */
    long percentileMs(double q) {
        long[] sorted = latencyMs.clone();
        Arrays.sort(sorted);
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
