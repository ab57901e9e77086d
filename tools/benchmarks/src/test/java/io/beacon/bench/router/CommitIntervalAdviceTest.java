package io.beacon.bench.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.bench.router.Results.Latency;
import io.beacon.bench.router.Results.Percentiles;
import io.beacon.bench.router.Results.SweepPoint;
import io.beacon.bench.router.Results.Throughput;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommitIntervalAdviceTest {

    private static final String EOS = "exactly_once_v2";

    @Test
    void shouldPickTheFastestIntervalAmongThoseMeetingTheLatencyTarget() {
        // Given: 20 and 50 ms meet p99 <= 60 ms, 50 ms is faster; 200 ms is fastest but misses the target
        List<SweepPoint> sweep = List.of(point(20, 4_000, 0.5, 40), point(50, 5_000, 0.6, 55),
                point(200, 7_000, 0.9, 230));

        // When
        CommitIntervalAdvice advice = CommitIntervalAdvice.advise(EOS, sweep, 60, 0.8, 100, 0.15);

        // Then
        assertThat(advice.recommendedMs()).isEqualTo(50);
        assertThat(advice.meetsLatencyTarget()).isTrue();
        assertThat(advice.meetsRatioTarget()).isFalse();
        assertThat(advice.reason()).contains("Of these, 50 ms has the highest throughput",
                "Missing it: 200 ms (p99 230.0 ms, 7,000/s)", "current default is 100 ms");
    }

    @Test
    void shouldPreferTheFasterIntervalWhenNoneMeetsTheTargetAndTheirP99sAreClose() {
        // Given: nothing meets 15 ms; 100 and 1000 ms are within 10 % of each other, 1000 ms is faster
        List<SweepPoint> sweep = List.of(point(100, 3_000, 0.4, 100), point(1000, 3_300, 0.45, 105));

        // When
        CommitIntervalAdvice advice = CommitIntervalAdvice.advise("at_least_once", sweep, 15, 0.8, 100, 0.15);

        // Then
        assertThat(advice.recommendedMs()).isEqualTo(1000);
        assertThat(advice.meetsLatencyTarget()).isFalse();
        assertThat(advice.reason()).startsWith("No swept interval meets p99 <= 15 ms");
    }

    @Test
    void shouldKeepTheDefaultWhenTheFasterIntervalIsWithinTheSpreadOfTheDefaultsOwnRuns() {
        // Given: 1000 ms is faster than the default's median, but not than its best run
        List<SweepPoint> sweep = List.of(withSpread(point(100, 3_000, 0.4, 100), 2_500, 3_500),
                point(1000, 3_300, 0.45, 104));

        // When
        CommitIntervalAdvice advice = CommitIntervalAdvice.advise("at_least_once", sweep, 15, 0.8, 100, 0.15);

        // Then
        assertThat(advice.recommendedMs()).isEqualTo(100);
        assertThat(advice.reason()).contains("1000 ms is faster on paper (3,300/s against 3,000/s) but not beyond"
                + " the spread of the default's own runs (2,500-3,500/s)").endsWith("keep it.");
    }

    @Test
    void shouldSayKeepWhenTheRecommendationIsTheCurrentDefault() {
        // Given
        List<SweepPoint> sweep = List.of(point(100, 3_000, 0.9, 30));

        // When
        CommitIntervalAdvice advice = CommitIntervalAdvice.advise(EOS, sweep, 60, 0.8, 100, 0.15);

        // Then
        assertThat(advice.recommendedMs()).isEqualTo(100);
        assertThat(advice.meetsRatioTarget()).isTrue();
        assertThat(advice.reason()).endsWith("This is the current default: keep it.");
    }

    @Test
    void shouldNameThePointsMeasuredWhileOtherProcessesTookTheCpu() {
        // Given: the 1000 ms point was measured while other processes took 40 % of the CPU
        List<SweepPoint> sweep = List.of(point(100, 3_000, 0.4, 100), disturbed(point(1000, 3_300, 0.45, 90), 0.4));

        // When
        CommitIntervalAdvice advice = CommitIntervalAdvice.advise("at_least_once", sweep, 15, 0.8, 100, 0.15);

        // Then
        assertThat(advice.reason()).endsWith("Compare with care: other processes took more than 15 % of the CPU"
                + " while these were measured: 1000 ms (40 %).");
    }

    private static SweepPoint withSpread(SweepPoint point, double min, double max) {
        Throughput t = point.throughput();
        return new SweepPoint(point.guarantee(), point.commitIntervalMs(), new Throughput(t.label(), t.guarantee(),
                t.commitIntervalMs(), t.settings(), t.medianPerSecond(), min, max, t.medianStartToLastMs(),
                t.maxOthersCpuShare(), t.runs()), point.ratioToPipe(), point.latency());
    }

    private static SweepPoint disturbed(SweepPoint point, double othersShare) {
        Throughput t = point.throughput();
        return new SweepPoint(point.guarantee(), point.commitIntervalMs(), new Throughput(t.label(), t.guarantee(),
                t.commitIntervalMs(), t.settings(), t.medianPerSecond(), t.minPerSecond(), t.maxPerSecond(),
                t.medianStartToLastMs(), othersShare, t.runs()), point.ratioToPipe(), point.latency());
    }

    private static SweepPoint point(long commitMs, double perSecond, double ratio, double p99Ms) {
        Throughput throughput = new Throughput("router-eos-c" + commitMs, EOS, commitMs, Map.of(), perSecond,
                perSecond, perSecond, 1_000, 0, List.of());
        Percentiles percentiles = new Percentiles(1_000, p99Ms / 2, p99Ms * 0.9, p99Ms, p99Ms, p99Ms, p99Ms / 2);
        Latency latency = new Latency("router-eos-c" + commitMs, EOS, commitMs, Map.of(), 500, 20, percentiles,
                percentiles, 0, 0, 0, Map.of(), 0);
        return new SweepPoint(EOS, commitMs, throughput, ratio, latency);
    }
}
