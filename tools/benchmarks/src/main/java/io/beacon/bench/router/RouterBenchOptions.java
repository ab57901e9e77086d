package io.beacon.bench.router;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The knobs of the router benchmark, from the command line. The defaults keep one full run under about
 * ten minutes on a 2-core machine; {@code --quick} scales everything down for a smoke test.
 *
 * @param records          requests pre-produced for each throughput run
 * @param repeat           throughput runs per pipe/router configuration (median, min and max are reported)
 * @param sweepRepeat      throughput runs per swept commit interval other than the router's default
 * @param partitions       partitions of every data topic
 * @param ratePerSecond    fixed request rate of the latency runs
 * @param latencyWarmup    untimed first part of each latency run (JIT, rebalance, first transactions)
 * @param latencyMeasured  measured part of each latency run
 * @param sweepExactlyOnce commit intervals (ms) swept under exactly_once_v2
 * @param sweepAtLeastOnce commit intervals (ms) swept under at_least_once
 * @param diagnostics      also run the producer-linger and punctuator diagnostics
 * @param outDir           where router.json and router.md are written
 * @param brokerDir        where the embedded broker keeps its log (a new directory inside it, deleted at
 *                         the end); null for the system's temporary directory
 */
public record RouterBenchOptions(int records, int repeat, int sweepRepeat, int partitions, int ratePerSecond,
                                 Duration latencyWarmup, Duration latencyMeasured, List<Long> sweepExactlyOnce,
                                 List<Long> sweepAtLeastOnce, boolean diagnostics, Path outDir,
                                 Path brokerDir) {

    public static final String USAGE = String.join("\n",
            "usage: ./tools/benchmarks/run router [options]",
            "  --records N          requests per throughput run (default 50000)",
            "  --repeat N           throughput runs per pipe/router configuration (default 3)",
            "  --sweep-repeat N     throughput runs per extra commit interval of the sweep (default 1)",
            "  --partitions N       partitions per data topic (default 3)",
            "  --rate N             requests per second in the latency runs (default 500)",
            "  --warmup-seconds N   untimed seconds at the start of each latency run (default 5)",
            "  --latency-seconds N  measured seconds of each latency run (default 20)",
            "  --sweep-eos LIST     commit.interval.ms values for exactly_once_v2 (default 20,50,100,200)",
            "  --sweep-alos LIST    commit.interval.ms values for at_least_once (default 100,1000)",
            "  --no-diagnostics     skip the producer-linger and punctuator diagnostic runs",
            "  --out DIR            output directory (default tools/benchmarks/results)",
            "  --broker-dir DIR     put the broker's log in a new directory inside DIR (default: the system's",
            "                       temporary directory), e.g. /dev/shm to take the disk out of the figures",
            "  --quick              smoke test: --records 5000 --repeat 1 --warmup-seconds 2",
            "                       --latency-seconds 5 --sweep-eos 20,100 --sweep-alos 100",
            "                       (options after it still override)");

    public RouterBenchOptions {
        sweepExactlyOnce = List.copyOf(sweepExactlyOnce);
        sweepAtLeastOnce = List.copyOf(sweepAtLeastOnce);
    }

    /**
     * Parses {@code args} over the defaults, left to right.
     *
     * @throws IllegalArgumentException naming the option that is unknown, lacks a value or has a bad one
     */
    public static RouterBenchOptions parse(String[] args) {
        Builder b = new Builder();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String name = rest.remove(0);
            switch (name) {
                case "--quick" -> b.quick();
                case "--records" -> b.records = positive(name, value(name, rest));
                case "--repeat" -> b.repeat = positive(name, value(name, rest));
                case "--sweep-repeat" -> b.sweepRepeat = positive(name, value(name, rest));
                case "--partitions" -> b.partitions = positive(name, value(name, rest));
                case "--rate" -> b.rate = positive(name, value(name, rest));
                case "--warmup-seconds" -> b.warmup = Duration.ofSeconds(positive(name, value(name, rest)));
                case "--latency-seconds" -> b.measured = Duration.ofSeconds(positive(name, value(name, rest)));
                case "--sweep-eos" -> b.sweepEos = intervals(name, value(name, rest));
                case "--sweep-alos" -> b.sweepAlos = intervals(name, value(name, rest));
                case "--no-diagnostics" -> b.diagnostics = false;
                case "--out" -> b.outDir = Path.of(value(name, rest));
                case "--broker-dir" -> b.brokerDir = Path.of(value(name, rest));
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        return b.build();
    }

    /**
     * Records of each untimed warm-up run that precedes the measurements: half a run per subject, as the
     * JIT keeps speeding the pipe up well past its first few thousand records.
     */
    public int warmupRecords() {
        return Math.max(1_000, records / 2);
    }

    /** Requests sent in one latency run, warm-up included. */
    public int latencyTotal() {
        return (int) (ratePerSecond * (latencyWarmup.toMillis() + latencyMeasured.toMillis()) / 1000);
    }

    /** Requests of one latency run's untimed warm-up. */
    public int latencyWarmupCount() {
        return (int) (ratePerSecond * latencyWarmup.toMillis() / 1000);
    }

    private static String value(String name, List<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return rest.remove(0);
    }

    private static int positive(String name, String value) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was " + value, e);
        }
        if (n < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
        return n;
    }

    private static List<Long> intervals(String name, String value) {
        List<Long> out = new ArrayList<>();
        for (String part : value.split(",")) {
            long ms;
            try {
                ms = Long.parseLong(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " takes comma-separated milliseconds, was " + value, e);
            }
            // The router refuses less (RouterConfig's range for commit.interval.ms); fail before any run does.
            if (ms < 10) {
                throw new IllegalArgumentException(name + ": commit.interval.ms must be at least 10, was " + ms);
            }
            if (!out.contains(ms)) {
                out.add(ms);
            }
        }
        return out;
    }

    /** The defaults, changed option by option while parsing. */
    private static final class Builder {
        int records = 50_000;
        int repeat = 3;
        int sweepRepeat = 1;
        int partitions = 3;
        int rate = 500;
        Duration warmup = Duration.ofSeconds(5);
        Duration measured = Duration.ofSeconds(20);
        List<Long> sweepEos = List.of(20L, 50L, 100L, 200L);
        List<Long> sweepAlos = List.of(100L, 1000L);
        boolean diagnostics = true;
        Path outDir = Path.of("tools", "benchmarks", "results");
        Path brokerDir;

        void quick() {
            records = 5_000;
            repeat = 1;
            warmup = Duration.ofSeconds(2);
            measured = Duration.ofSeconds(5);
            sweepEos = List.of(20L, 100L);
            sweepAlos = List.of(100L);
        }

        RouterBenchOptions build() {
            return new RouterBenchOptions(records, repeat, sweepRepeat, partitions, rate, warmup, measured,
                    sweepEos, sweepAlos, diagnostics, outDir, brokerDir);
        }
    }
}
