package io.beacon.lab.scenario;

import io.beacon.sim.SimulatedDeployment;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One experiment of the policy lab, as a scenario file describes it: the fleet, the seeded workload and what
 * breaks when. Every policy of a lab run meets exactly the same jobs at the same instants and the same faults.
 *
 * @param name        short name, shown in the table, the JSON and the chart
 * @param description one line on what happens and what to look for
 * @param seed        seeds the workload, the deployments' latency samples and injected failures
 * @param jobs        jobs sent in all (the streams are merged in time until this many have arrived)
 * @param warmUp      virtual time before the first job: workers probe and send heartbeats, Golem leases start
 * @param fleet       the deployments, with the simulators' own figures (price, capacity, latency, cold start,
 *                    billing)
 * @param streams     arrival processes, each with its job mix
 * @param faults      what happens to the fleet, at virtual instants counted from the first job
 */
public record Scenario(String name, String description, long seed, int jobs, Duration warmUp,
                       List<SimulatedDeployment> fleet, List<Stream> streams, List<Fault> faults) {

    public Scenario {
        Objects.requireNonNull(name, "name");
        fleet = List.copyOf(fleet);
        streams = List.copyOf(streams);
        faults = List.copyOf(faults);
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1");
        }
    }

    /** The same scenario with another job count (the reduced lab, {@code --jobs}). */
    public Scenario withJobs(int count) {
        return new Scenario(name, description, seed, count, warmUp, fleet, streams, faults);
    }

    /** The same scenario with another seed ({@code --seed}). */
    public Scenario withSeed(long value) {
        return new Scenario(name, description, value, jobs, warmUp, fleet, streams, faults);
    }

    /** Jobs that arrive by one process and share one mix. */
    public record Stream(String name, Arrivals arrivals, List<JobClass> mix) {
        public Stream {
            mix = List.copyOf(mix);
        }
    }

    /** How jobs of a stream arrive. */
    public enum Process {
        /** Poisson arrivals at {@code rate_per_second}. */
        POISSON,
        /** Poisson arrivals whose rate swings as a sine between trough and peak ({@code peak_to_trough}) over {@code period_seconds}. */
        DIURNAL,
        /** Poisson at {@code rate_per_second}, {@code burst_factor} times that for {@code burst_seconds} every {@code every_seconds}. */
        BURSTS,
        /** {@code batch_size} jobs at once every {@code every_seconds} (a benchmark run). */
        BATCHES
    }

    /**
     * @param ratePerSecond mean rate (POISSON, DIURNAL) or the rate between bursts (BURSTS)
     * @param peakToTrough  DIURNAL: the peak rate over the trough rate
     * @param period        DIURNAL: the length of one cycle
     * @param burstFactor   BURSTS: the rate during a burst over the rate between bursts
     * @param burstLength   BURSTS: how long a burst lasts
     * @param every         BURSTS and BATCHES: from one start to the next
     * @param firstAt       BURSTS and BATCHES: the first start, from the first instant of the workload
     * @param batchSize     BATCHES: jobs per batch
     */
    public record Arrivals(Process process, double ratePerSecond, double peakToTrough, Duration period,
                           double burstFactor, Duration burstLength, Duration every, Duration firstAt, int batchSize) {
    }

    /** How urgent a job is: a person waits for it, or it is judged after its run. */
    public enum LatencyClass {
        INTERACTIVE, BATCH;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One kind of job in a stream's mix.
     *
     * @param weight             share of the stream's jobs (relative to the other classes)
     * @param latencyClass       interactive or batch
     * @param deadline           from arrival to the job's deadline
     * @param costPriority       the request's {@code cost_priority}
     * @param models             model name to weight
     * @param maxTokens          the request's {@code max_tokens} to weight
     * @param outputTokensMin    the shortest natural answer in tokens (the simulators' 24)
     * @param outputTokensMax    the longest natural answer in tokens (the simulators' 95), cut at max_tokens
     * @param regions            region preference to weight ({@code none}: no preference)
     * @param providerPreference provider order to weight ({@code none}, {@code modal}, {@code runpod,modal})
     */
    public record JobClass(String name, double weight, LatencyClass latencyClass, Duration deadline,
                           boolean costPriority, java.util.Map<String, Double> models,
                           java.util.Map<Integer, Double> maxTokens, int outputTokensMin, int outputTokensMax,
                           java.util.Map<String, Double> regions, java.util.Map<String, Double> providerPreference) {
    }

    /** What a fault does. */
    public enum Action {
        /** Every inference request is answered with {@code status} (503 by default); probes fail for 5xx. */
        FAIL,
        /** A share {@code rate} of the calls fail halfway with a 500. */
        FAIL_RATE,
        /** Calls take {@code factor} times longer. */
        SLOW,
        /** The next call pays a cold start (serverless units already up scale down at once). */
        COLD,
        /** Requests are held unanswered until they time out. */
        UNRESPONSIVE,
        /** The provider bills {@code factor} times the price from then on; the workers' price list follows. */
        PRICE,
        /** The node leaves (its agreement ends, its calls break); after {@code for_seconds} a new one joins in its place. */
        LEAVE,
        /**
         * Each target node leaves and joins at random: up for an exponential time of mean {@code mean_up_seconds},
         * then gone for one of mean {@code mean_down_seconds}, until the fault's end; each return is a new node
         * with a new lease.
         */
        CHURN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param at               when, from the first instant of the workload (null when {@code atFraction} says)
     * @param atFraction       when, as a share of the sending window (first to last arrival); NaN when {@code at} says
     * @param duration         how long until the fault is lifted (null: see {@code durationFraction})
     * @param durationFraction how long, as a share of the sending window; NaN with {@code duration} null: never lifted
     * @param provider         the targets' provider kind (golem, modal, runpod), or null when {@code deployments} names them
     * @param deployments      the targets by id (empty when {@code provider} is given)
     */
    public record Fault(Duration at, double atFraction, Duration duration, double durationFraction, String provider,
                        List<String> deployments, Action action, int status, double rate, double factor,
                        Duration meanUp, Duration meanDown) {
        public Fault {
            deployments = List.copyOf(deployments);
        }

        /** Whether {@code deployment} is one of this fault's targets. */
        public boolean targets(SimulatedDeployment deployment) {
            if (provider != null) {
                return deployment.provider().name().equalsIgnoreCase(provider);
            }
            return deployments.contains(deployment.id());
        }

        /** When it starts, in nanoseconds from the first instant of a workload sending for {@code windowNanos}. */
        public long startNanos(long windowNanos) {
            return at != null ? at.toNanos() : Math.round(atFraction * windowNanos);
        }

        /** How long it lasts, or -1 when it is never lifted. */
        public long lengthNanos(long windowNanos) {
            if (duration != null) {
                return duration.toNanos();
            }
            return Double.isNaN(durationFraction) ? -1 : Math.round(durationFraction * windowNanos);
        }
    }
}
