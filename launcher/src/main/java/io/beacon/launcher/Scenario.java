package io.beacon.launcher;

import java.util.Locale;

/** What happens to the providers during a demo run. */
enum Scenario {
    /** Every deployment behaves; Golem carries the baseline, serverless the overflow. */
    STEADY,
    /** Every Golem node fails with 503 for the middle third of the run, then recovers. */
    GOLEM_OUTAGE,
    /**
     * Beacon's own traffic, as the policy lab's benchmark-batch: runs of {@code DemoSchedule.RUN_SIZE} jobs at
     * once with a 30-minute deadline, plus 10% interactive jobs with a 60-second one; every deployment behaves.
     */
    BENCHMARK_BATCH;

    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return label();
    }
}
