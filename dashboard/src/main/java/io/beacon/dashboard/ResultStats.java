package io.beacon.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the router's final results and the cost ledger add up to, for the dashboard: how many results, how
 * many succeeded, which provider produced them, how many arrived per second over the last window, and the
 * money billed ({@link #recordCost}: attempts of every outcome, probes, idle capacity, fees) where it was
 * spent. Cost per inference has one definition: all money billed / successful inferences, blended and per
 * provider (that provider's money / its successes), with the idle share of the money beside it.
 *
 * <p>Memory is bounded whatever the traffic: throughput lives in a ring of fixed buckets (15 minutes of
 * 5 s buckets by default), latency percentiles come from each provider's most recent successful results
 * (a ring of {@link #DEFAULT_LATENCY_SAMPLES}), and at most {@link #MAX_PROVIDERS} provider names and
 * {@link #MAX_REGIONS} regions per provider are kept apart; later names are counted as
 * {@value #OTHER}. Totals and per-provider counts run from the moment this object was made.
 *
 * <p>Thread-safe: the router records from its stream or reader threads while HTTP threads read. Every
 * method holds one lock for microseconds; a dashboard refresh every few seconds sorts at most a few
 * thousand latencies.
 */
public final class ResultStats {

    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(15);
    public static final Duration DEFAULT_BUCKET = Duration.ofSeconds(5);
    public static final int DEFAULT_LATENCY_SAMPLES = 1024;
    /** Provider name of a result no provider produced (rejected, timed out, every attempt failed). */
    public static final String NO_PROVIDER = "none";
    /** Where results of providers or regions past the limits are counted. */
    public static final String OTHER = "other";
    static final int MAX_PROVIDERS = 32;
    static final int MAX_REGIONS = 32;
    private static final int MAX_BUCKETS = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long bucketMs;
    private final int windowBuckets;
    private final int latencySamples;
    /** Ring of {@code windowBuckets + 1} slots: the window's completed buckets plus the open one. */
    private final long[] slotBucket;
    private final long[] slotResults;
    private final long[] slotFailed;
    private final Map<String, ProviderTally> providers = new TreeMap<>();
    private long firstBucket = Long.MAX_VALUE;
    private long results;
    private long succeeded;
    private double costUsd;
    private double idleCostUsd;
    private long held;

    /** 15 minutes of 5 s throughput buckets, p50/p95 over each provider's last 1024 successes. */
    public ResultStats() {
        this(DEFAULT_WINDOW, DEFAULT_BUCKET, DEFAULT_LATENCY_SAMPLES);
    }

    /**
     * @param window         how far back the throughput series reaches; a whole number of buckets
     * @param bucket         width of one throughput point, at least 1 ms
     * @param latencySamples how many of a provider's latest successful durations its percentiles use
     */
    public ResultStats(Duration window, Duration bucket, int latencySamples) {
        if (bucket.toMillis() < 1) {
            throw new IllegalArgumentException("bucket must be at least 1 ms, was " + bucket);
        }
        if (window.toMillis() < bucket.toMillis() || window.toMillis() % bucket.toMillis() != 0) {
            throw new IllegalArgumentException("window (" + window + ") must be a whole number of buckets (" + bucket + ")");
        }
        if (window.toMillis() / bucket.toMillis() > MAX_BUCKETS) {
            throw new IllegalArgumentException("window / bucket must be at most " + MAX_BUCKETS + " buckets");
        }
        if (latencySamples < 1) {
            throw new IllegalArgumentException("latencySamples must be at least 1, was " + latencySamples);
        }
        this.bucketMs = bucket.toMillis();
        this.windowBuckets = (int) (window.toMillis() / bucketMs);
        this.latencySamples = latencySamples;
        this.slotBucket = new long[windowBuckets + 1];
        this.slotResults = new long[windowBuckets + 1];
        this.slotFailed = new long[windowBuckets + 1];
        Arrays.fill(slotBucket, -1);
    }

    /**
     * Counts one final result. Call it once per result the router writes. Never throws for odd values,
     * since it runs on the router's stream threads: a negative duration (clocks that disagree) counts as
     * 0 ms, and a cost that is negative or not a number counts as $0.
     *
     * @param provider   provider kind that produced the result (golem, modal, ...); blank, null or
     *                   {@code unknown} when none did, counted as {@value #NO_PROVIDER}
     * @param region     region of the deployment that produced it; blank when none
     * @param success    whether the job succeeded
     * @param durationMs how long the successful provider call took; ignored for failures
     * @param atEpochMs  when the result was decided (its completed_at)
     */
    public synchronized void record(String provider, String region, boolean success, long durationMs,
                                    long atEpochMs) {
        results++;
        if (success) {
            succeeded++;
        }
        tally(providerName(provider)).add(region, success, Math.max(0, durationMs));
        countInBucket(Math.floorDiv(atEpochMs, bucketMs), success);
    }

    /**
     * Counts one cost-ledger entry where it was spent. Never throws: an amount that is negative or not a
     * number counts as $0.
     *
     * @param provider  provider kind billed (golem, modal, runpod)
     * @param region    region of the deployment billed; not kept apart (the money counts per provider)
     * @param kind      what it paid for: attempt, probe, idle or fee (any case)
     * @param amountUsd money billed, in US dollars
     * @param atEpochMs when it was billed (the entry's period end); totals run from this object's start
     */
    public synchronized void recordCost(String provider, String region, String kind, double amountUsd,
                                        long atEpochMs) {
        double amount = Double.isFinite(amountUsd) && amountUsd > 0 ? amountUsd : 0;
        boolean idle = kind != null && kind.trim().equalsIgnoreCase("idle");
        costUsd += amount;
        if (idle) {
            idleCostUsd += amount;
        }
        tally(providerName(provider)).spend(amount, idle);
    }

    private void countInBucket(long bucket, boolean success) {
        int slot = (int) Math.floorMod(bucket, (long) slotBucket.length);
        if (slotBucket[slot] > bucket) {
            // Older than the window the ring still holds: counted in the totals only.
            return;
        }
        if (slotBucket[slot] < bucket) {
            slotBucket[slot] = bucket;
            slotResults[slot] = 0;
            slotFailed[slot] = 0;
        }
        slotResults[slot]++;
        if (!success) {
            slotFailed[slot]++;
        }
        firstBucket = Math.min(firstBucket, bucket);
    }

    private ProviderTally tally(String name) {
        ProviderTally tally = providers.get(name);
        if (tally == null) {
            if (providers.size() >= MAX_PROVIDERS - 1 && !name.equals(OTHER)) {
                return providers.computeIfAbsent(OTHER, other -> new ProviderTally(latencySamples));
            }
            tally = new ProviderTally(latencySamples);
            providers.put(name, tally);
        }
        return tally;
    }

    private static String providerName(String provider) {
        if (provider == null || provider.isBlank() || provider.equalsIgnoreCase("unknown")) {
            return NO_PROVIDER;
        }
        return provider.trim().toLowerCase(Locale.ROOT);
    }

    /** How many jobs the router holds for the baseline tier now (a level, not a total). */
    public synchronized void setHeld(long jobs) {
        held = Math.max(0, jobs);
    }

    /**
     * The dashboard's {@code /dashboard/stats} document: totals, the throughput series of completed
     * buckets inside the window (the bucket still open at {@code nowEpochMs} is left out, so the last
     * point is never a partial count), and one entry per provider, most results first.
     */
    public synchronized ObjectNode toJson(long nowEpochMs) {
        ObjectNode body = JSON.createObjectNode();
        body.put("generated_at", Instant.ofEpochMilli(nowEpochMs).toString());
        body.put("window_seconds", windowBuckets * bucketMs / 1000.0);
        body.put("bucket_seconds", bucketMs / 1000.0);

        ObjectNode totals = body.putObject("totals");
        totals.put("results", results);
        totals.put("succeeded", succeeded);
        totals.put("failed", results - succeeded);
        totals.put("held", held);
        totals.put("cost_usd", costUsd);
        totals.put("idle_cost_usd", idleCostUsd);
        totals.put("idle_share", costUsd == 0 ? 0 : idleCostUsd / costUsd);
        // The one definition: all money billed / successful inferences.
        totals.put("cost_per_inference_usd", succeeded == 0 ? 0 : costUsd / succeeded);

        ArrayNode throughput = body.putArray("throughput");
        long open = Math.floorDiv(nowEpochMs, bucketMs);
        double bucketSeconds = bucketMs / 1000.0;
        for (long bucket = Math.max(firstBucket, open - windowBuckets); bucket < open; bucket++) {
            int slot = (int) Math.floorMod(bucket, (long) slotBucket.length);
            boolean held = slotBucket[slot] == bucket;
            long count = held ? slotResults[slot] : 0;
            long failed = held ? slotFailed[slot] : 0;
            throughput.addObject()
                    .put("t", bucket * bucketMs)
                    .put("results", count)
                    .put("results_per_second", count / bucketSeconds)
                    .put("failed_per_second", failed / bucketSeconds);
        }

        ArrayNode list = body.putArray("providers");
        providers.entrySet().stream()
                .sorted(Map.Entry.<String, ProviderTally>comparingByValue((a, b) -> Long.compare(b.results, a.results))
                        .thenComparing(Map.Entry.comparingByKey()))
                .forEach(entry -> entry.getValue().writeTo(list.addObject().put("provider", entry.getKey()), results));
        return body;
    }

    /** One provider's counts and its ring of recent successful durations. */
    private static final class ProviderTally {
        private final long[] recentMs;
        private final Map<String, Long> regions = new TreeMap<>();
        private int recentCount;
        private int next;
        private long results;
        private long succeeded;
        private double costUsd;
        private double idleCostUsd;

        ProviderTally(int latencySamples) {
            this.recentMs = new long[latencySamples];
        }

        void spend(double amount, boolean idle) {
            costUsd += amount;
            if (idle) {
                idleCostUsd += amount;
            }
        }

        void add(String region, boolean success, long durationMs) {
            results++;
            if (success) {
                succeeded++;
                recentMs[next] = durationMs;
                next = (next + 1) % recentMs.length;
                recentCount = Math.min(recentCount + 1, recentMs.length);
            }
            String name = region == null || region.isBlank() ? "" : region.trim();
            if (!name.isEmpty()) {
                if (!regions.containsKey(name) && regions.size() >= MAX_REGIONS - 1) {
                    name = OTHER;
                }
                regions.merge(name, 1L, Long::sum);
            }
        }

        void writeTo(ObjectNode node, long allResults) {
            node.put("results", results);
            node.put("succeeded", succeeded);
            node.put("failed", results - succeeded);
            node.put("share", allResults == 0 ? 0 : (double) results / allResults);
            node.put("cost_usd", costUsd);
            node.put("idle_cost_usd", idleCostUsd);
            node.put("idle_share", costUsd == 0 ? 0 : idleCostUsd / costUsd);
            node.put("cost_per_inference_usd", succeeded == 0 ? 0 : costUsd / succeeded);
            long[] sorted = Arrays.copyOf(recentMs, recentCount);
            Arrays.sort(sorted);
            node.put("p50_ms", percentile(sorted, 50));
            node.put("p95_ms", percentile(sorted, 95));
            ArrayNode regionList = node.putArray("regions");
            regions.forEach((region, count) -> regionList.addObject().put("region", region).put("results", count));
        }
    }

    /** Nearest-rank percentile of sorted values; 0 when there are none. */
    static long percentile(long[] sorted, int percentile) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
