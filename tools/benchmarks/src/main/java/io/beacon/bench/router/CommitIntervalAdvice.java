package io.beacon.bench.router;

import io.beacon.bench.router.Results.SweepPoint;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Picks a default commit.interval.ms for one guarantee from the sweep, and says why in words that quote
 * the measured figures.
 *
 * <p>The rule: the candidates are the intervals whose p99 meets the latency target; if none does, the
 * target cannot be reached through the commit interval, and the candidates are those within 10 % of the
 * lowest p99. Among the candidates the one with the highest throughput wins (a longer interval means
 * fewer commits and, under exactly-once, fewer transactions), except that the current default stays
 * when it is a candidate and the winner is no faster than the best of the default's own runs: a default
 * changes on a measured difference, not on run-to-run noise. Points measured while other processes took
 * much of the CPU are named, as their figures do not compare well with the rest.
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
        StringBuilder why = new StringBuilder();
        List<SweepPoint> candidates = points.stream().filter(p -> p99(p) <= p99TargetMs).toList();
        if (candidates.isEmpty()) {
            double best = points.stream().mapToDouble(CommitIntervalAdvice::p99).min().orElseThrow();
            candidates = points.stream().filter(p -> p99(p) <= best * 1.1).toList();
            why.append(String.format(Locale.ROOT, "No swept interval meets p99 <= %.0f ms (p99 by interval: %s), so"
                            + " the commit interval alone cannot reach the target; candidates: within 10 %% of the"
                            + " lowest p99 (%s ms).", p99TargetMs, list(points, p -> String.format(Locale.ROOT,
                            "%d ms: %.1f", p.commitIntervalMs(), p99(p))),
                    list(candidates, p -> Long.toString(p.commitIntervalMs()))));
        } else {
            why.append(String.format(Locale.ROOT, "Meeting p99 <= %.0f ms: %s.", p99TargetMs,
                    list(candidates, CommitIntervalAdvice::describe)));
            List<SweepPoint> missing = points.stream().filter(p -> p99(p) > p99TargetMs).toList();
            if (!missing.isEmpty()) {
                why.append(" Missing it: ").append(list(missing, CommitIntervalAdvice::describe)).append('.');
            }
        }
        SweepPoint fastest = candidates.stream().max(Comparator.comparingDouble(CommitIntervalAdvice::rate)
                .thenComparingLong(SweepPoint::commitIntervalMs)).orElseThrow();
        Optional<SweepPoint> current = candidates.stream()
                .filter(p -> p.commitIntervalMs() == currentDefaultMs).findFirst();
        SweepPoint chosen = fastest;
        if (current.isPresent() && fastest != current.get()
                && rate(fastest) <= current.get().throughput().maxPerSecond()) {
            chosen = current.get();
            why.append(String.format(Locale.ROOT, " %d ms is faster on paper (%s/s against %s/s) but not beyond"
                            + " the spread of the default's own runs (%s-%s/s): no measured reason to change.",
                    fastest.commitIntervalMs(), format(rate(fastest)), format(rate(chosen)),
                    format(chosen.throughput().minPerSecond()), format(chosen.throughput().maxPerSecond())));
        } else if (candidates.size() > 1) {
            why.append(String.format(Locale.ROOT, " Of these, %d ms has the highest throughput (%s/s, %.2fx the pipe).",
                    chosen.commitIntervalMs(), format(rate(chosen)), chosen.ratioToPipe()));
        }
        boolean ratioMet = chosen.ratioToPipe() >= ratioTarget;
        if (!ratioMet) {
            why.append(String.format(Locale.ROOT, " Throughput stays below the %.1fx target (%.2fx).", ratioTarget,
                    chosen.ratioToPipe()));
        }
        why.append(chosen.commitIntervalMs() == currentDefaultMs ? " This is the current default: keep it."
                : String.format(Locale.ROOT, " The current default is %d ms.", currentDefaultMs));
        List<SweepPoint> disturbed = points.stream().filter(p -> othersShare(p) > disturbedShare).toList();
        if (!disturbed.isEmpty()) {
            why.append(String.format(Locale.ROOT, " Compare with care: other processes took more than %.0f %% of the"
                    + " CPU while these were measured: %s.", disturbedShare * 100, list(disturbed,
                    p -> String.format(Locale.ROOT, "%d ms (%.0f %%)", p.commitIntervalMs(), othersShare(p) * 100))));
        }
        return new CommitIntervalAdvice(guarantee, chosen.commitIntervalMs(), currentDefaultMs,
                p99(chosen) <= p99TargetMs, ratioMet, why.toString());
    }

    private static String describe(SweepPoint p) {
        return String.format(Locale.ROOT, "%d ms (p99 %.1f ms, %s/s)", p.commitIntervalMs(), p99(p), format(rate(p)));
    }

    private static String list(List<SweepPoint> points, Function<SweepPoint, String> each) {
        return String.join(", ", points.stream().map(each).toList());
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

    private static double rate(SweepPoint point) {
        return point.throughput().medianPerSecond();
    }

    private static String format(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }
}
