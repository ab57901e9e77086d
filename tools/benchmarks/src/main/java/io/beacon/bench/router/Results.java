package io.beacon.bench.router;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The figures one run of the router benchmark produces, as plain values (they become router.json). */
public final class Results {

    private Results() {
    }

    /**
     * One throughput run: {@code records} requests pre-produced, then the subject started.
     *
     * @param recordsPerSecond  records divided by the time from "ready" (the router RUNNING, the pipe's
     *                          partitions assigned) to the last output visible to a read_committed consumer
     * @param readyToLastMs     that time
     * @param startToLastMs     from starting the subject (Streams start-up included) to the last output
     * @param firstToLastMs     from the first visible output to the last (under exactly-once the first
     *                          output shows only at the first commit)
     * @param producerPerSecond rate of the pre-producing producer (context: this machine's raw ceiling)
     * @param failedJobs        final failure results written instead of a routed job (expected 0)
     * @param metrics           the router's stream-thread metrics after the run (empty for pipes), and
     *                          producer-record-retry-total of the phase's producers
     * @param othersCpuShare    share of the machine's CPU time other processes used during the timed part
     */
    public record ThroughputRun(int records, double recordsPerSecond, double readyToLastMs, double startToLastMs,
                                double firstToLastMs, double producerPerSecond, long failedJobs,
                                Map<String, Double> metrics, double othersCpuShare) {
    }

    /** Every throughput run of one subject, with median, min and max of the steady-state rate. */
    public record Throughput(String label, String guarantee, long commitIntervalMs, Map<String, String> settings,
                             double medianPerSecond, double minPerSecond, double maxPerSecond,
                             double medianStartToLastMs, double maxOthersCpuShare, List<ThroughputRun> runs) {

        public static Throughput of(Subject subject, List<ThroughputRun> runs) {
            List<Double> rates = runs.stream().map(ThroughputRun::recordsPerSecond).sorted().toList();
            List<Double> totals = runs.stream().map(ThroughputRun::startToLastMs).sorted().toList();
            return new Throughput(subject.label(), subject.guarantee(), subject.commitIntervalMs(),
                    subject.extraSettings(), median(rates), rates.get(0), rates.get(rates.size() - 1),
                    median(totals), runs.stream().mapToDouble(ThroughputRun::othersCpuShare).filter(Double::isFinite)
                    .max().orElse(Double.NaN), List.copyOf(runs));
        }
    }

    /** Percentiles of one latency distribution, in milliseconds. */
    public record Percentiles(long count, double p50Ms, double p95Ms, double p99Ms, double p999Ms, double maxMs,
                              double meanMs) {

        /** From a histogram of microseconds. */
        public static Percentiles of(Histogram micros) {
            return new Percentiles(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)),
                    ms(micros.getValueAtPercentile(95)), ms(micros.getValueAtPercentile(99)),
                    ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()), micros.getMean() / 1000.0);
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }
    }

    /**
     * One latency run at a fixed rate.
     *
     * @param fromSchedule  visible minus the scheduled send time (includes any delay of the load generator:
     *                      no coordinated omission); the figure compared with the targets
     * @param fromSend      visible minus the moment {@code send()} was called
     * @param missing       measured requests whose routed job was not seen before the drain time-out
     * @param sendLagMaxMs  how far the load generator fell behind its schedule at worst
     * @param metrics       the router's stream-thread metrics after the run (empty for pipes), and
     *                      producer-record-retry-total of the phase's producers
     * @param othersCpuShare share of the machine's CPU time other processes used while requests were sent
     */
    public record Latency(String label, String guarantee, long commitIntervalMs, Map<String, String> settings,
                          int ratePerSecond, double measuredSeconds, Percentiles fromSchedule, Percentiles fromSend,
                          long missing, long failedJobs, double sendLagMaxMs, Map<String, Double> metrics,
                          double othersCpuShare) {
    }

    /** One commit interval of the sweep: throughput against the matching pipe, and latency. */
    public record SweepPoint(String guarantee, long commitIntervalMs, Throughput throughput, double ratioToPipe,
                             Latency latency) {
    }

    /**
     * Where the router's stream thread spent its CPU during one extra throughput run (not a measured one),
     * as shares of its execution samples.
     */
    public record Profile(String label, String guarantee, double recordsPerSecond, double othersCpuShare,
                          long samples, Map<String, Double> shares) {
    }

    static double median(List<Double> sorted) {
        List<Double> values = new ArrayList<>(sorted);
        values.sort(Comparator.naturalOrder());
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }
}
