package io.beacon.launcher.demo;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.LatencyClass;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * When each job of a demo run is sent, and what it is. {@link #steady}: the job mix at a fixed rate.
 * {@link #benchmarkRuns}: Beacon's own traffic as the policy lab's benchmark-batch scenario has it: nine jobs
 * in ten belong to benchmark runs of {@value #RUN_SIZE} sent at once, each job with a 30-minute deadline
 * ({@code latency_class} BATCH, cost priority; also in {@code metadata.latency_class} for the results); every
 * tenth job is interactive (speed priority, a 60-second deadline, INTERACTIVE) and sent on its own; runs start so that the average
 * rate is the demo's rate.
 */
public final class DemoSchedule {

    /** Jobs in one benchmark run. */
    public static final int RUN_SIZE = 100;
    public static final Duration BATCH_DEADLINE = Duration.ofMinutes(30);
    public static final Duration INTERACTIVE_DEADLINE = Duration.ofSeconds(60);
    static final String LATENCY_CLASS = "latency_class";

    private final JobMix mix;
    private final long[] dueNanos;
    /** Null for the steady mix; else whether each job (in sending order) is interactive. */
    private final boolean[] interactive;

    private DemoSchedule(JobMix mix, long[] dueNanos, boolean[] interactive) {
        this.mix = mix;
        this.dueNanos = dueNanos;
        this.interactive = interactive;
    }

    /** The job mix, one job every 1/rate seconds. */
    public static DemoSchedule steady(long seed, int jobs, double ratePerSecond) {
        long interval = (long) (1_000_000_000L / ratePerSecond);
        long[] due = new long[jobs];
        for (int i = 0; i < jobs; i++) {
            due[i] = i * interval;
        }
        return new DemoSchedule(new JobMix(seed), due, null);
    }

    /** Benchmark runs of {@value #RUN_SIZE} jobs at once plus 10% interactive jobs, at {@code ratePerSecond} on average. */
    public static DemoSchedule benchmarkRuns(long seed, int jobs, double ratePerSecond) {
        record Slot(long due, boolean interactive, int order) {
        }
        List<Slot> slots = new ArrayList<>(jobs);
        double runEverySeconds = RUN_SIZE / (0.9 * ratePerSecond);
        double interactiveEverySeconds = 10 / ratePerSecond;
        int batch = 0;
        int alone = 0;
        for (int i = 0; i < jobs; i++) {
            if (i % 10 == 9) {
                slots.add(new Slot(Math.round((alone++ + 0.5) * interactiveEverySeconds * 1e9), true, i));
            } else {
                slots.add(new Slot(Math.round((batch++ / RUN_SIZE) * runEverySeconds * 1e9), false, i));
            }
        }
        slots.sort(Comparator.comparingLong(Slot::due).thenComparingInt(Slot::order));
        long[] due = new long[jobs];
        boolean[] kind = new boolean[jobs];
        for (int i = 0; i < jobs; i++) {
            due[i] = slots.get(i).due();
            kind[i] = slots.get(i).interactive();
        }
        return new DemoSchedule(new JobMix(seed), due, kind);
    }

    /** When job {@code i} is sent, in nanoseconds from the start of sending. */
    public long dueNanos(int i) {
        return dueNanos[i];
    }

    /** Job {@code i}, created now. */
    public InferenceRequest job(int i) {
        InferenceRequest job = mix.next(i);
        if (interactive == null) {
            return job;
        }
        boolean person = interactive[i];
        Instant created = job.getCreatedAt();
        Map<String, String> metadata = new HashMap<>(job.getMetadata());
        metadata.put(LATENCY_CLASS, person ? "interactive" : "batch");
        InferenceRequest.Builder out = InferenceRequest.newBuilder(job)
                .setCostPriority(!person)
                .setLatencyClass(person ? LatencyClass.INTERACTIVE : LatencyClass.BATCH)
                .setDeadline(created.plus(person ? INTERACTIVE_DEADLINE : BATCH_DEADLINE))
                .setMetadata(metadata);
        if (!person) {
            // A benchmark run names no provider: it goes wherever is cheapest in time.
            out.setProviderPreference(List.of());
        }
        return out.build();
    }
}
