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
    BENCHMARK_BATCH,
    /**
     * On a three-node cluster ({@code --brokers 3}) with two routers and two workers per provider: kill -9 the
     * leader broker of {@code inference-requests} and restart it, kill -9 a router and a worker and restart
     * them, then roll every router ({@link ChaosPlayer}).
     */
    CHAOS;

    /** Jobs sent unless {@code --jobs} says: the chaos scenario needs minutes of traffic to fit its faults. */
    int defaultJobs() {
        return this == CHAOS ? 2000 : 300;
    }

    /** Jobs per second unless {@code --rate} says. */
    double defaultRate() {
        return this == CHAOS ? 10 : 15;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return label();
    }
}
