package io.beacon.router.policy;

import java.util.Collection;
import java.util.function.ToDoubleFunction;

/**
 * When the baseline tier (Golem) would finish one more job: its deployments' slots work through the jobs in
 * flight and queued at their workers, then the jobs the router holds ahead of this one, at the rate their
 * learned service times allow; the job then runs for the slowest member's service time, plus a cold start if
 * every member would need one.
 *
 * @param slots          the baseline deployments' capacity, summed
 * @param load           jobs in flight or queued at them (heartbeats plus jobs routed since)
 * @param jobsPerSecond  how many jobs they finish per second when busy: capacity / service time, summed
 * @param serviceSeconds the slowest member's service time (the pessimistic one for a deadline)
 * @param coldStartSeconds the smallest cold start of a member (0 for a lease that is running)
 */
public record BaselineForecast(int slots, int load, double jobsPerSecond, double serviceSeconds,
                               double coldStartSeconds) {

    /**
     * @param baseline    the baseline deployments that could take the job
     * @param serviceTime a deployment's service time of one call, in seconds (learned or assumed)
     * @param coldStart   a deployment's cold start for this job, in seconds
     */
    public static BaselineForecast of(Collection<DeploymentSnapshot> baseline,
                                      ToDoubleFunction<DeploymentSnapshot> serviceTime,
                                      ToDoubleFunction<DeploymentSnapshot> coldStart) {
        int slots = 0;
        int load = 0;
        double rate = 0;
        double slowest = 0;
        double cold = baseline.isEmpty() ? 0 : Double.MAX_VALUE;
        for (DeploymentSnapshot d : baseline) {
            double service = Math.max(0.001, serviceTime.applyAsDouble(d));
            slots += d.capacity();
            load += d.load();
            rate += d.capacity() / service;
            slowest = Math.max(slowest, service);
            cold = Math.min(cold, coldStart.applyAsDouble(d));
        }
        return new BaselineForecast(slots, load, rate, slowest, cold);
    }

    /** Slots not taken by the load: negative when jobs queue at the workers. */
    public int freeSlots() {
        return slots - load;
    }

    /** Seconds until a job with {@code ahead} jobs held before it starts on the baseline. */
    public double startDelaySeconds(int ahead) {
        if (slots == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double waiting = Math.max(0, (double) load + ahead + 1 - slots);
        return waiting / jobsPerSecond;
    }

    /** Seconds until such a job is done: its start delay, a cold start, its service time. */
    public double completionSeconds(int ahead) {
        return startDelaySeconds(ahead) + coldStartSeconds + serviceSeconds;
    }

    /**
     * Whether such a job may join the workers' queue at once: fewer than {@code waves} times the slots would
     * wait there beyond the slots with it.
     */
    public boolean queueRoom(int ahead, double waves) {
        return slots > 0 && load + ahead < slots * (1 + waves);
    }
}
