package io.beacon.bench;

import io.beacon.bench.router.BenchFiles;
import io.beacon.bench.router.BenchKafka;
import io.beacon.bench.router.MachineInfo;
import io.beacon.bench.router.RouterBenchOptions;
import io.beacon.bench.router.RouterBenchPlan;
import io.beacon.bench.router.RouterBenchReport;
import io.beacon.bench.router.RouterBenchRunner;
import io.beacon.bench.router.SyntheticJobs;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./tools/benchmarks/run router}: the router's throughput against a raw consume-produce pipe with the
 * same guarantee (plain pipe vs at_least_once, transactional pipe vs exactly_once_v2), the latency one
 * routing hop adds at a fixed rate, and a sweep of commit.interval.ms so the router's default is chosen
 * from measurement. Everything runs in this process on one embedded broker, with the same serdes and
 * topic layout, each phase on topics of its own. Prints a table, writes
 * {@code tools/benchmarks/results/router.json} and {@code router.md}.
 *
 * <p>Targets (from the issue): the router reaches 0.8x the matching pipe; p99 per hop at most 15 ms
 * at-least-once and 60 ms exactly-once at 500 jobs/s. A missed target is reported, not an error: the
 * exit code is 0 whenever the benchmark ran (2 for bad arguments, 1 if a run failed).
 */
public final class RouterBenchmark implements BenchMain.Benchmark {

    private static final Logger LOG = LoggerFactory.getLogger(RouterBenchmark.class);
    private static final long SEED = 42;

    public RouterBenchmark() {
    }

    @Override
    public int run(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help")) {
            System.out.println(RouterBenchOptions.USAGE);
            return 0;
        }
        RouterBenchOptions options;
        try {
            options = RouterBenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(RouterBenchOptions.USAGE);
            return 2;
        }
        quietPerPhaseLogs();
        Map<String, Object> machine = new LinkedHashMap<>(MachineInfo.describe(Instant.now()));
        long startNanos = System.nanoTime();
        Path stateRoot = Files.createTempDirectory("router-bench-state-");
        RouterBenchReport report;
        try (BenchKafka kafka = BenchKafka.start(options.partitions(), options.brokerDir())) {
            SyntheticJobs jobs = new SyntheticJobs(SEED);
            RouterBenchRunner runner = new RouterBenchRunner(kafka, options, jobs, stateRoot);
            report = new RouterBenchPlan(kafka, options, runner, jobs).run(command(args), machine, startNanos);
        } catch (RuntimeException e) {
            LOG.error("router benchmark failed", e);
            return 1;
        } finally {
            BenchFiles.deleteRecursively(stateRoot);
        }
        report.print(System.out);
        report.write(options.outDir());
        LOG.info("wrote {} and {}", options.outDir().resolve("router.json"), options.outDir().resolve("router.md"));
        return 0;
    }

    private static String command(String[] args) {
        String jvm = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
        return "cd " + Path.of("").toAbsolutePath() + " && java " + (jvm.isEmpty() ? "" : jvm + " ")
                + "-cp \"tools/benchmarks/target/classes:$(cat tools/benchmarks/target/classpath.txt)\""
                + " io.beacon.bench.BenchMain router" + (args.length == 0 ? "" : " " + String.join(" ", args));
    }

    /**
     * Dozens of phases start and stop a router, clients and topics; their routine lines would bury the
     * progress lines. The router and the embedded broker keep their warnings. Silenced to errors: the
     * producer's retriable-error warnings (NOT_LEADER_OR_FOLLOWER right after a topic is created,
     * CONCURRENT_TRANSACTIONS while the previous transaction's markers are written; each phase reports
     * its retries instead), Streams' warning that the state directory is under the temporary directory
     * (on purpose, and deleted at the end), and the global consumer's notes about partitions it gives up
     * on close.
     */
    private static void quietPerPhaseLogs() {
        Map<String, ch.qos.logback.classic.Level> levels = Map.of(
                "io.beacon.router", ch.qos.logback.classic.Level.WARN,
                "io.beacon.kafka", ch.qos.logback.classic.Level.WARN,
                "org.apache.kafka.clients.producer.internals.Sender", ch.qos.logback.classic.Level.ERROR,
                "org.apache.kafka.streams.processor.internals.StateDirectory", ch.qos.logback.classic.Level.ERROR,
                "org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils", ch.qos.logback.classic.Level.ERROR);
        levels.forEach((name, level) -> {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(level);
            }
        });
    }
}
