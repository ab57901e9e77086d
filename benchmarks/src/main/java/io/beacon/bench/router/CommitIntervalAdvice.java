package io.beacon.bench.router;

import io.beacon.bench.router.Results.SweepPoint;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Picks a default commit.interval.ms for one guarantee from the sweep, and says why in words that quote
 * the measured figures.
 *
 * <p>The rule: among the intervals whose p99 meets the latency target, the one with the highest
 * throughput (a longer interval means fewer commits and, under exactly-once, fewer transactions, so it
 * usually wins). If none meets the target, the latency target cannot be reached through the commit
 * interval; then the lowest p99, and between intervals whose p99 is within 10 % of it, the highest
 * throughput. Points measured while other processes took much of the CPU are named, as their figures
 * do not compare well with the rest.
 *
 * @param recommendedMs      the interval to make the default
 * @param meetsLatencyTarget whether its p99 meets the target
 * @param meetsRatioTarget   whether its throughput meets the ratio target against the matching pipe
 */
public record CommitIntervalAdvice(String guarantee, long recommendedMs, long currentDefaultMs,
                                   boolean meetsLatencyTarget, boolean meetsRatioTarget, String reason) {

    public static CommitIntervalAdvice advise(String guarantee, List<SweepPoint> points, double p99TargetMs,
                                              double ratioTarget, long currentDefaultMs, double disturbedShare) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no sweep points for " + guarantee);
        }
        List<SweepPoint> meeting = points.stream().filter(p -> p99(p) <= p99TargetMs).toList();
        SweepPoint chosen;
        StringBuilder why = new StringBuilder();
        if (!meeting.isEmpty()) {
            chosen = meeting.stream().max(Comparator.comparingDouble(SweepPoint::ratioToPipe)
                    .thenComparingLong(SweepPoint::commitIntervalMs)).orElseThrow();
            why.append(String.format(Locale.ROOT, "%d ms has the highest throughput (%s/s, %.2fx the pipe) of the"
                            + " intervals whose p99 meets the %.0f ms target (p99 %.1f ms).", chosen.commitIntervalMs(),
                    rate(chosen), chosen.ratioToPipe(), p99TargetMs, p99(chosen)));
            List<SweepPoint> missing = points.stream().filter(p -> p99(p) > p99TargetMs).toList();
            if (!missing.isEmpty()) {
                why.append(" Missing the target: ").append(String.join(", ", missing.stream()
                        .map(p -> String.format(Locale.ROOT, "%d ms (p99 %.1f ms)", p.commitIntervalMs(), p99(p)))
                        .toList())).append('.');
            }
        } else {
            double best = points.stream().mapToDouble(CommitIntervalAdvice::p99).min().orElseThrow();
            chosen = points.stream().filter(p -> p99(p) <= best * 1.1)
                    .max(Comparator.comparingDouble(SweepPoint::ratioToPipe)
                            .thenComparingLong(SweepPoint::commitIntervalMs)).orElseThrow();
            why.append(String.format(Locale.ROOT, "No swept interval meets p99 <= %.0f ms (p99 by interval: %s), so"
                            + " the commit interval alone cannot reach the target. %d ms gives %s p99 (%.1f ms)"
                            + " with %s/s (%.2fx the pipe).", p99TargetMs,
                    String.join(", ", points.stream().map(p -> String.format(Locale.ROOT, "%d ms: %.1f",
                            p.commitIntervalMs(), p99(p))).toList()),
                    chosen.commitIntervalMs(), p99(chosen) == best ? "the lowest" : "within 10 % of the lowest",
                    p99(chosen), rate(chosen), chosen.ratioToPipe()));
        }
        boolean ratioMet = chosen.ratioToPipe() >= ratioTarget;
        if (!ratioMet) {
            why.append(String.format(Locale.ROOT, " It stays below the %.1fx throughput target.", ratioTarget));
        }
        why.append(chosen.commitIntervalMs() == currentDefaultMs ? " This is the current default: keep it."
                : String.format(Locale.ROOT, " The current default is %d ms.", currentDefaultMs));
        List<String> disturbed = points.stream().filter(p -> othersShare(p) > disturbedShare)
                .map(p -> String.format(Locale.ROOT, "%d ms (%.0f %%)", p.commitIntervalMs(), othersShare(p) * 100))
                .toList();
        if (!disturbed.isEmpty()) {
            why.append(String.format(Locale.ROOT, " Compare with care: other processes took more than %.0f %% of the"
                    + " CPU while these were measured: %s.", disturbedShare * 100, String.join(", ", disturbed)));
        }
        return new CommitIntervalAdvice(guarantee, chosen.commitIntervalMs(), currentDefaultMs,
                p99(chosen) <= p99TargetMs, ratioMet, why.toString());
    }

    /** The larger share of CPU other processes took during the point's throughput or latency runs. */
    private static double othersShare(SweepPoint point) {
        double throughput = point.throughput().maxOthersCpuShare();
        double latency = point.latency().othersCpuShare();
        return Math.max(Double.isFinite(throughput) ? throughput : 0, Double.isFinite(latency) ? latency : 0);
    }

    private static double p99(SweepPoint point) {
        return point.latency().fromSchedule().p99Ms();
    }

    private static String rate(SweepPoint point) {
        return String.format(Locale.ROOT, "%,.0f", point.throughput().medianPerSecond());
    }
}
