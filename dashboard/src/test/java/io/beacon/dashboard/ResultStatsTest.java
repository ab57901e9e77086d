package io.beacon.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ResultStatsTest {

    /** A bucket boundary, so bucket arithmetic in the tests stays readable. */
    private static final long T0 = 1_800_000_000_000L;

    private final ResultStats stats = new ResultStats(Duration.ofMinutes(1), Duration.ofSeconds(5), 100);

    @Test
    void shouldReportZerosAndAnEmptySeriesBeforeAnyResult() {
        // When nothing was recorded
        ObjectNode json = stats.toJson(T0);

        // Then the document has its whole shape, with nothing in it
        assertThat(json.get("generated_at").textValue()).isEqualTo("2027-01-15T08:00:00Z");
        assertThat(json.get("window_seconds").doubleValue()).isEqualTo(60.0);
        assertThat(json.get("bucket_seconds").doubleValue()).isEqualTo(5.0);
        JsonNode totals = json.get("totals");
        assertThat(totals.get("results").longValue()).isZero();
        assertThat(totals.get("succeeded").longValue()).isZero();
        assertThat(totals.get("failed").longValue()).isZero();
        assertThat(totals.get("cost_usd").doubleValue()).isZero();
        assertThat(totals.get("cost_per_inference_usd").doubleValue()).isZero();
        assertThat(json.get("throughput")).isEmpty();
        assertThat(json.get("providers")).isEmpty();
    }

    @Test
    void shouldCountTotalsAndBlendedCostPerInferenceAsAllLedgerMoneyOverSuccesses() {
        // Given three results, one of them a failure, and the ledger's money: the failed attempt on golem,
        // both successful attempts, and idle modal capacity
        stats.record("golem", "us-east", true, 800, T0);
        stats.record("modal", "us-west", true, 400, T0 + 1_000);
        stats.record("", "", false, 0, T0 + 2_000);
        stats.recordCost("golem", "us-east", "attempt", 0.0010, T0);
        stats.recordCost("golem", "us-east", "attempt", 0.0010, T0);
        stats.recordCost("modal", "us-west", "ATTEMPT", 0.0020, T0 + 1_000);
        stats.recordCost("modal", "us-west", "idle", 0.0020, T0 + 3_000);
        stats.recordCost("modal", "us-west", "fee", Double.NaN, T0 + 3_000);

        // When the stats are read
        JsonNode totals = stats.toJson(T0 + 10_000).get("totals");

        // Then every dollar billed is spread over the successes only, and the idle share is shown
        assertThat(totals.get("results").longValue()).isEqualTo(3);
        assertThat(totals.get("succeeded").longValue()).isEqualTo(2);
        assertThat(totals.get("failed").longValue()).isEqualTo(1);
        assertThat(totals.get("cost_usd").doubleValue()).isCloseTo(0.0060, within(1e-12));
        assertThat(totals.get("idle_cost_usd").doubleValue()).isCloseTo(0.0020, within(1e-12));
        assertThat(totals.get("idle_share").doubleValue()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(totals.get("cost_per_inference_usd").doubleValue()).isCloseTo(0.0030, within(1e-12));
        assertThat(totals.has("cost_per_success_usd")).as("one definition, one name").isFalse();
    }

    @Test
    void shouldGiveEachProviderItsShareAndItsMoneyOverItsSuccessesMostResultsFirst() {
        // Given golem produced three results (one failed), runpod one, and one job found no provider
        stats.record("golem", "us-east", true, 1000, T0);
        stats.record("golem", "us-east", true, 1000, T0 + 1);
        stats.record("golem", "us-east", false, 0, T0 + 2);
        stats.record("RUNPOD", "eu-west", true, 300, T0);
        stats.record("unknown", "", false, 0, T0);
        stats.recordCost("golem", "us-east", "attempt", 0.001, T0);
        stats.recordCost("golem", "us-east", "attempt", 0.001, T0);
        stats.recordCost("golem", "us-east", "attempt", 0.001, T0);
        stats.recordCost("golem", "us-east", "idle", 0.003, T0);
        stats.recordCost("RunPod", "eu-west", "attempt", 0.008, T0);

        // When the stats are read
        JsonNode providers = stats.toJson(T0 + 10_000).get("providers");

        // Then each provider has its count, share and cost per inference; names are lower case
        assertThat(providers).extracting(p -> p.get("provider").textValue())
                .containsExactly("golem", "none", "runpod");
        JsonNode golem = providers.get(0);
        assertThat(golem.get("results").longValue()).isEqualTo(3);
        assertThat(golem.get("succeeded").longValue()).isEqualTo(2);
        assertThat(golem.get("share").doubleValue()).isCloseTo(0.6, within(1e-12));
        assertThat(golem.get("cost_usd").doubleValue()).isCloseTo(0.006, within(1e-12));
        assertThat(golem.get("idle_share").doubleValue()).isCloseTo(0.5, within(1e-12));
        assertThat(golem.get("cost_per_inference_usd").doubleValue()).isCloseTo(0.003, within(1e-12));
        assertThat(golem.get("regions").get(0).get("region").textValue()).isEqualTo("us-east");
        assertThat(golem.get("regions").get(0).get("results").longValue()).isEqualTo(3);
        JsonNode none = providers.get(1);
        assertThat(none.get("failed").longValue()).isEqualTo(1);
        assertThat(none.get("share").doubleValue()).isCloseTo(0.2, within(1e-12));
        assertThat(none.get("regions")).isEmpty();
        assertThat(providers.get(2).get("cost_per_inference_usd").doubleValue()).isCloseTo(0.008, within(1e-12));
    }

    @Test
    void shouldReportThroughputPerBucketLeavingOutTheOpenBucket() {
        // Given 10 results in the first bucket, none in the second, 5 (one failed) in the third,
        // and 2 in the bucket still open when the stats are read
        for (int i = 0; i < 10; i++) {
            stats.record("golem", "us-east", true, 100, T0 + i * 100L);
        }
        for (int i = 0; i < 5; i++) {
            stats.record("golem", "us-east", i > 0, 100, T0 + 10_000 + i);
        }
        stats.record("golem", "us-east", true, 100, T0 + 15_000);
        stats.record("golem", "us-east", true, 100, T0 + 16_000);

        // When read inside the fourth bucket
        JsonNode throughput = stats.toJson(T0 + 17_000).get("throughput");

        // Then three completed buckets are reported, the quiet one as zero
        assertThat(throughput).extracting(p -> p.get("t").longValue())
                .containsExactly(T0, T0 + 5_000, T0 + 10_000);
        assertThat(throughput).extracting(p -> p.get("results").longValue()).containsExactly(10L, 0L, 5L);
        assertThat(throughput).extracting(p -> p.get("results_per_second").doubleValue()).containsExactly(2.0, 0.0, 1.0);
        assertThat(throughput).extracting(p -> p.get("failed_per_second").doubleValue()).containsExactly(0.0, 0.0, 0.2);
    }

    @Test
    void shouldKeepOnlyTheWindowInTheSeriesButEveryResultInTheTotals() {
        // Given results two minutes apart, with a one-minute window
        stats.record("golem", "us-east", true, 100, T0);
        stats.record("golem", "us-east", true, 100, T0 + 120_000);

        // When read just after the second one's bucket closed
        ObjectNode json = stats.toJson(T0 + 125_000);

        // Then the series covers the last 12 buckets only, holding the recent result, and the totals both
        JsonNode throughput = json.get("throughput");
        assertThat(throughput).hasSize(12);
        assertThat(throughput.get(0).get("t").longValue()).isEqualTo(T0 + 65_000);
        assertThat(throughput.get(11).get("t").longValue()).isEqualTo(T0 + 120_000);
        assertThat(throughput).extracting(p -> p.get("results").longValue()).containsOnlyOnce(1L);
        assertThat(json.get("totals").get("results").longValue()).isEqualTo(2);
    }

    @Test
    void shouldNotLetALateResultOverwriteANewerBucketInTheRing() {
        // Given a result in a bucket, then a straggler timestamped a whole ring earlier (same slot)
        stats.record("golem", "us-east", true, 100, T0 + 65_000);
        stats.record("golem", "us-east", true, 100, T0);

        // When read
        JsonNode throughput = stats.toJson(T0 + 70_000).get("throughput");

        // Then the newer bucket keeps its count, and the straggler is not in the window
        assertThat(throughput.get(throughput.size() - 1).get("t").longValue()).isEqualTo(T0 + 65_000);
        assertThat(throughput.get(throughput.size() - 1).get("results").longValue()).isEqualTo(1);
        assertThat(throughput).extracting(p -> p.get("results").longValue()).containsOnlyOnce(1L);
    }

    @Test
    void shouldTakeLatencyPercentilesFromTheMostRecentSuccessesOnly() {
        // Given 100 old slow successes, then 100 newer ones from 1 to 100 ms, and failures with no duration
        for (int i = 0; i < 100; i++) {
            stats.record("modal", "us-west", true, 10_000, T0);
        }
        for (int i = 1; i <= 100; i++) {
            stats.record("modal", "us-west", true, i, T0);
            stats.record("modal", "us-west", false, 0, T0);
        }

        // When read (the ring keeps the last 100 successes)
        JsonNode modal = stats.toJson(T0).get("providers").get(0);

        // Then p50 and p95 are the nearest-rank percentiles of 1..100
        assertThat(modal.get("p50_ms").longValue()).isEqualTo(50);
        assertThat(modal.get("p95_ms").longValue()).isEqualTo(95);
    }

    @Test
    void shouldFoldProvidersPastTheLimitIntoOther() {
        // Given more provider names than are kept apart
        for (int i = 0; i < ResultStats.MAX_PROVIDERS + 10; i++) {
            stats.record("p" + i, "r", true, 10, T0);
        }

        // When read
        JsonNode providers = stats.toJson(T0).get("providers");

        // Then the list is bounded and the rest are counted under "other"
        assertThat(providers).hasSize(ResultStats.MAX_PROVIDERS);
        JsonNode other = providers.get(0);
        assertThat(other.get("provider").textValue()).isEqualTo(ResultStats.OTHER);
        assertThat(other.get("results").longValue()).isEqualTo(11);
    }

    @Test
    void shouldCountEveryResultRecordedFromManyThreads() throws Exception {
        // Given four threads recording 5,000 results each at once
        int threads = 4;
        int each = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String provider = t % 2 == 0 ? "golem" : "modal";
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        stats.record(provider, "us-east", true, i % 500, T0 + i);
                        stats.recordCost(provider, "us-east", "attempt", 0.0001, T0 + i);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        // Then nothing was lost
        ObjectNode json = stats.toJson(T0 + 30_000);
        assertThat(json.get("totals").get("results").longValue()).isEqualTo((long) threads * each);
        assertThat(json.get("throughput")).extracting(p -> p.get("results").longValue())
                .containsExactly((long) threads * each, 0L, 0L, 0L, 0L, 0L);
        assertThat(json.get("providers")).extracting(p -> p.get("results").longValue()).containsExactly(10_000L, 10_000L);
        assertThat(json.get("totals").get("cost_usd").doubleValue()).isCloseTo(threads * each * 0.0001, within(1e-9));
    }

    @Test
    void shouldCountOddValuesAsZeroRatherThanFailTheCaller() {
        // Given a success whose duration came out negative (clocks that disagree) and costs that are not amounts
        stats.record("modal", "us-east", true, -250, T0);
        stats.recordCost("modal", "us-east", "attempt", -0.01, T0);
        stats.record("golem", "us-east", true, 100, T0);
        stats.recordCost("golem", "us-east", "attempt", Double.NaN, T0);
        stats.record("golem", "us-east", true, 100, T0);
        stats.recordCost("golem", "us-east", null, 0.002, T0);

        // When read
        ObjectNode json = stats.toJson(T0 + 5_000);

        // Then every result is counted, the odd duration as 0 ms and the odd costs as nothing
        assertThat(json.get("totals").get("results").longValue()).isEqualTo(3);
        assertThat(json.get("totals").get("cost_usd").doubleValue()).isCloseTo(0.002, within(1e-12));
        JsonNode golem = json.get("providers").get(0);
        assertThat(golem.get("cost_usd").doubleValue()).isCloseTo(0.002, within(1e-12));
        JsonNode modal = json.get("providers").get(1);
        assertThat(modal.get("provider").textValue()).isEqualTo("modal");
        assertThat(modal.get("succeeded").longValue()).isEqualTo(1);
        assertThat(modal.get("p50_ms").longValue()).isZero();
        assertThat(modal.get("cost_usd").doubleValue()).isZero();
    }

    @Test
    void shouldRejectAWindowThatIsNotAWholeNumberOfBuckets() {
        assertThatThrownBy(() -> new ResultStats(Duration.ofSeconds(12), Duration.ofSeconds(5), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole number of buckets");
    }
}
