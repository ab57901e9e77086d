package io.beacon.bench.router;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.beacon.bench.router.Results.Latency;
import io.beacon.bench.router.Results.Percentiles;
import io.beacon.bench.router.Results.Profile;
import io.beacon.bench.router.Results.SweepPoint;
import io.beacon.bench.router.Results.Throughput;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything one run of the router benchmark measured, and its three renderings: a table on stdout,
 * {@code router.json} (all figures) and {@code router.md} (a section for the project's benchmark notes).
 *
 * @param throughput           pipe against router per guarantee, at the router's default commit interval
 * @param latency              raw baseline, pipes and routers at the default commit interval, fixed rate
 * @param sweep                every swept commit interval of both guarantees
 * @param advice               the recommended commit interval per guarantee
 * @param diagnostics          latency runs with one router setting changed
 * @param diagnosticThroughput throughput of the diagnostic setting the router's own setting replaced
 * @param profiles             where the stream thread spends its CPU, per guarantee
 * @param punctuator           the longest wall-clock punctuation of the router's throughput runs
 */
public record RouterBenchReport(String command, Map<String, Object> machine, Map<String, Object> setup,
                                Map<String, Object> targets, List<Comparison> throughput, List<Latency> latency,
                                List<SweepPoint> sweep, List<CommitIntervalAdvice> advice,
                                List<Latency> diagnostics, List<Throughput> diagnosticThroughput,
                                List<Profile> profiles, PunctuatorCost punctuator, double elapsedSeconds) {

    public static final double RATIO_TARGET = 0.8;
    public static final double ALOS_P99_TARGET_MS = 15;
    public static final double EOS_P99_TARGET_MS = 60;
    /** Above this share of the machine's CPU taken by other processes, a figure is flagged as disturbed. */
    public static final double DISTURBED_OTHERS_SHARE = 0.15;
    /** Setup keys: the router's default commit interval under each guarantee (ms). */
    public static final String COMMIT_MS_AT_LEAST_ONCE = "defaultCommitMsAtLeastOnce";
    public static final String COMMIT_MS_EXACTLY_ONCE = "defaultCommitMsExactlyOnce";
    /** Setup key: per guarantee, the client settings routers and pipes run with ({@link RouterClientSettings}). */
    public static final String CLIENT_SETTINGS = "clientSettings";

    /** The router against the matching pipe under one guarantee. */
    public record Comparison(String guarantee, Throughput pipe, Throughput router, double ratio, double target,
                             boolean met) {

        public static Comparison of(Throughput pipe, Throughput router) {
            double ratio = router.medianPerSecond() / pipe.medianPerSecond();
            return new Comparison(router.guarantee(), pipe, router, ratio, RATIO_TARGET, ratio >= RATIO_TARGET);
        }
    }

    /**
     * The longest wall-clock punctuation Streams measured in the router's throughput runs. A punctuation
     * is one task reading the due entries of its job-timer store; every run waits for one after its last
     * output, when each task stores all the jobs of its partition.
     *
     * @param storedJobsPerTask the jobs each task stores by then (the run's jobs over its tasks; none
     *                          finish or expire during a run)
     * @param scanIntervalMs    the router's default router.scan.interval.ms
     */
    public record PunctuatorCost(String basis, double punctuateMaxMs, long storedJobsPerTask, long scanIntervalMs) {

        /** From the runs' {@code punctuate-latency-max}; null when no run has one. */
        public static PunctuatorCost of(List<Results.ThroughputRun> routerRuns, int records, int partitions,
                                        long scanIntervalMs) {
            double maxMs = routerRuns.stream()
                    .mapToDouble(r -> r.metrics().getOrDefault("punctuate-latency-max", Double.NaN))
                    .filter(Double::isFinite).max().orElse(Double.NaN);
            if (!Double.isFinite(maxMs)) {
                return null;
            }
            return new PunctuatorCost(String.format(Locale.ROOT, "router throughput runs (%,d jobs, %d tasks)",
                    records, partitions), maxMs, records / partitions, scanIntervalMs);
        }
    }

    public static double p99Target(String guarantee) {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee) ? EOS_P99_TARGET_MS : ALOS_P99_TARGET_MS;
    }

    /** The table on stdout. */
    public void print(PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "Router throughput and latency: %s records per throughput run x %s runs; %s jobs/s"
                        + " for latency; %s unless stated%n%n", setup.get("records"),
                setup.get("repeat"), setup.get("ratePerSecond"), defaultCommitIntervals());
        out.printf(Locale.ROOT, "%-16s %-30s %-30s %-7s %-16s %s%n", "guarantee", "pipe records/s (min-max)",
                "router records/s (min-max)", "ratio", "target", "others' CPU max");
        for (Comparison c : throughput) {
            out.printf(Locale.ROOT, "%-16s %-30s %-30s %-7s %-16s %s%n", c.guarantee(), rates(c.pipe()),
                    rates(c.router()), String.format(Locale.ROOT, "%.2fx", c.ratio()),
                    String.format(Locale.ROOT, ">= %.1fx %s", c.target(), c.met() ? "met" : "MISSED"),
                    percent(Math.max(c.pipe().maxOthersCpuShare(), c.router().maxOthersCpuShare())));
        }
        out.println();
        out.println("Latency, scheduled send -> visible to a read_committed consumer (ms)");
        printLatencyHeader(out);
        latency.forEach(l -> printLatency(out, l));
        out.println();
        out.println("Commit-interval sweep");
        out.printf(Locale.ROOT, "%-16s %9s %12s %8s %8s %8s %8s%n", "guarantee", "commit ms", "records/s",
                "vs pipe", "p50", "p99", "max");
        for (SweepPoint p : sweep) {
            Percentiles l = p.latency().fromSchedule();
            out.printf(Locale.ROOT, "%-16s %9d %12s %7.2fx %8.1f %8.1f %8.1f%n", p.guarantee(), p.commitIntervalMs(),
                    String.format(Locale.ROOT, "%,.0f", p.throughput().medianPerSecond()), p.ratioToPipe(),
                    l.p50Ms(), l.p99Ms(), l.maxMs());
        }
        out.println();
        for (CommitIntervalAdvice a : advice) {
            out.println("Recommended commit.interval.ms for " + a.guarantee() + ": " + a.recommendedMs());
            out.println("  " + a.reason());
        }
        if (!diagnostics.isEmpty()) {
            out.println();
            out.println("Diagnostics (one router setting changed)");
            printLatencyHeader(out);
            diagnostics.forEach(l -> printLatency(out, l));
            diagnosticThroughput.forEach(t -> out.printf(Locale.ROOT, "%-36s throughput %s records/s%n", t.label(),
                    rates(t)));
        }
        for (Profile p : profiles) {
            out.println();
            out.printf(Locale.ROOT, "Stream thread CPU, %s (%,.0f records/s, %d samples, others' CPU %s):%n",
                    p.label(), p.recordsPerSecond(), p.samples(), percent(p.othersCpuShare()));
            p.shares().forEach((category, share) -> out.printf(Locale.ROOT, "  %5.1f%%  %s%n", share * 100,
                    category));
        }
        if (punctuator != null) {
            out.println();
            out.printf(Locale.ROOT, "Punctuator (due timers only, every %d ms): longest punctuation %.1f ms, with"
                            + " about %,d jobs stored per task by the last one%n", punctuator.scanIntervalMs(),
                    punctuator.punctuateMaxMs(), punctuator.storedJobsPerTask());
        }
        out.printf(Locale.ROOT, "%nTook %.0f s. Load average at start / end: %s / %s%n", elapsedSeconds,
                machine.get("loadAverageAtStart"), machine.get("loadAverageAtEnd"));
    }

    /** Writes {@code router.json} and {@code router.md} into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("benchmark", "router");
        tree.put("report", this);
        json.writeValue(dir.resolve("router.json").toFile(), tree);
        Files.writeString(dir.resolve("router.md"), markdown(), StandardCharsets.UTF_8);
    }

    /** The Markdown section. */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("## Router throughput and latency\n\n");
        md.append("Command (from the project root, after `mvn -B -o -q -pl benchmarks package`;"
                + " `./tools/benchmarks/run router` does the same after building the modules):\n\n");
        md.append("```\n").append(command).append("\n```\n\n");
        md.append(String.format(Locale.ROOT, "Machine: %s CPUs (%s), %s memory, %s, %s; Kafka %s; heap limit %s;"
                        + " router build %s. Started %s, took %.0f s. Load average at start %s, at end %s.%n%n",
                machine.get("cpus"), machine.get("cpuModel"), machine.get("memory"), machine.get("java"),
                machine.get("os"), machine.get("kafka"), machine.get("maxHeap"), machine.get("routerBuild"),
                machine.get("startedAt"), elapsedSeconds, machine.get("loadAverageAtStart"),
                machine.get("loadAverageAtEnd")));
        md.append(String.format(Locale.ROOT, "Setup: one embedded single-node KRaft broker in the same JVM for"
                        + " every phase; each phase has its own topics (%s partitions), consumer group,"
                        + " application.id and state directory. Requests carry a %s-character prompt (%s bytes"
                        + " serialized; a routed job is about %s bytes) and prefer Golem, Modal and RunPod in"
                        + " turn; three deployments with unlimited capacity and a heartbeat that never goes stale;"
                        + " nothing consumes the provider topics but the measuring read_committed consumer, so jobs"
                        + " stay ROUTED. The same serdes everywhere (Confluent wire format, in-memory registry)."
                        + " The pipes get the client settings the router's Kafka Streams clients run with,"
                        + " read from the router's own properties (%s) and commit at the router's interval for"
                        + " their guarantee; the latency load generator sends with linger.ms=0, acks=all."
                        + " \"Others' CPU\" is the share of the machine's CPU time that other processes used (or the"
                        + " hypervisor stole) during a figure's measurement: figures above %s were disturbed.%n%n",
                setup.get("partitions"), setup.get("promptChars"), setup.get("requestBytes"),
                setup.get("routedJobBytes"), clientSettings(), percent(DISTURBED_OTHERS_SHARE)));

        md.append(String.format(Locale.ROOT, "### Throughput (%s requests pre-produced, %s runs each after an"
                        + " untimed warm-up, %s)%n%n", setup.get("records"), setup.get("repeat"),
                defaultCommitIntervals()));
        md.append("Records/s from the moment the subject is ready (router RUNNING, pipe's partitions assigned) to"
                + " the last output visible to a read_committed consumer: median (min-max) over the runs. Start-up"
                + " is left out; the median time from starting the subject to its last output is given too.\n\n");
        md.append("| guarantee | pipe records/s | router records/s | router / pipe | target | | start to last"
                + " output, pipe / router | others' CPU (max) |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (Comparison c : throughput) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2fx | >= %.1fx | %s | %s / %s | %s |%n",
                    c.guarantee(), rates(c.pipe()), rates(c.router()), c.ratio(), c.target(),
                    c.met() ? "met" : "**missed**", seconds(c.pipe().medianStartToLastMs()),
                    seconds(c.router().medianStartToLastMs()),
                    percent(Math.max(c.pipe().maxOthersCpuShare(), c.router().maxOthersCpuShare()))));
        }

        md.append(String.format(Locale.ROOT, "%n### Latency per routing hop at %s jobs/s (%s s measured after %s s"
                        + " warm-up)%n%n", setup.get("ratePerSecond"), setup.get("latencyMeasuredSeconds"),
                setup.get("latencyWarmupSeconds")));
        md.append("From each request's scheduled send time (an absolute schedule, so a stalled sender cannot hide"
                + " latency) to its routed job being visible to a read_committed consumer, in ms; the p99 measured"
                + " from the actual `send()` call is given too. `raw` is the same hop with nothing in between: the"
                + " load generator writes the routed job to the provider topic itself.\n\n");
        md.append(latencyTableHeader());
        latency.forEach(l -> md.append(latencyRow(l)));
        Optional<Latency> raw = latency.stream().filter(l -> l.label().equals("raw")).findFirst();
        if (raw.isPresent()) {
            List<String> added = new ArrayList<>();
            for (Latency l : latency) {
                if (l.label().startsWith("router")) {
                    added.add(String.format(Locale.ROOT, "%s %+.1f / %+.1f ms", l.guarantee(),
                            l.fromSchedule().p50Ms() - raw.get().fromSchedule().p50Ms(),
                            l.fromSchedule().p99Ms() - raw.get().fromSchedule().p99Ms()));
                }
            }
            md.append("\nAdded by the router over the raw hop (p50 / p99): ").append(String.join("; ", added))
                    .append(".\n");
        }

        md.append("\n### Commit-interval sweep\n\n");
        md.append(String.format(Locale.ROOT, "Throughput: median of %s run(s) per interval (%s at the default);"
                        + " ratio against the matching pipe at the default interval. Latency as above. Streams'"
                        + " own average commit time from its thread metrics.%n%n", setup.get("sweepRepeat"),
                setup.get("repeat")));
        md.append("| guarantee | commit.interval.ms | records/s | vs pipe | p50 | p99 | max | commit avg ms"
                + " | others' CPU (throughput / latency) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (SweepPoint p : sweep) {
            Percentiles l = p.latency().fromSchedule();
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %.2fx | %.1f | %.1f | %.1f | %s | %s / %s |%n",
                    p.guarantee(), p.commitIntervalMs(), String.format(Locale.ROOT, "%,.0f",
                            p.throughput().medianPerSecond()), p.ratioToPipe(), l.p50Ms(), l.p99Ms(), l.maxMs(),
                    metric(p.latency().metrics(), "commit-latency-avg"),
                    percent(p.throughput().maxOthersCpuShare()), percent(p.latency().othersCpuShare())));
        }

        md.append("\n### Recommended defaults\n\n");
        for (CommitIntervalAdvice a : advice) {
            md.append(String.format(Locale.ROOT, "- `%s`: **commit.interval.ms=%d**. %s%n", a.guarantee(),
                    a.recommendedMs(), a.reason()));
        }

        if (!diagnostics.isEmpty() || !profiles.isEmpty() || punctuator != null) {
            md.append("\n### What limits the router\n\n");
        }
        if (!diagnostics.isEmpty()) {
            md.append("Latency runs with one router setting changed through the router's own configuration"
                    + " (`kafka.*` settings pass through to its clients); same load and measurement as above."
                    + " `kafka.linger.ms=100` puts back Kafka Streams' own producer linger, which the router"
                    + " replaces with 5 ms: the difference is what the router's setting buys."
                    + " `router.scan.interval.ms=3600000` keeps the wall-clock punctuator from running during the"
                    + " run: the difference is what the punctuator costs the hop.\n\n");
            md.append(latencyTableHeader());
            diagnostics.forEach(l -> md.append(latencyRow(l)));
            for (Throughput t : diagnosticThroughput) {
                String against = throughput.stream().filter(c -> c.guarantee().equals(t.guarantee())).findFirst()
                        .map(c -> String.format(Locale.ROOT, ", against %s records/s of %s with the router's own"
                                + " settings", rates(c.router()), c.router().label())).orElse("");
                md.append(String.format(Locale.ROOT, "%nThroughput of %s (%s): %s records/s%s (others' CPU up to %s).%n",
                        t.label(), settings(t.settings()), rates(t), against, percent(t.maxOthersCpuShare())));
            }
        }
        if (!profiles.isEmpty()) {
            md.append("\nWhere the stream thread spends its CPU during a throughput run (an extra run per guarantee"
                    + " under Java Flight Recorder, not one of the measured runs; shares of the thread's execution"
                    + " samples, each sample counted once in the first category that matches its stack; the run is"
                    + " slower under the recorder, so the shares, not its rate, are the result):\n\n");
            Set<String> categories = new LinkedHashSet<>();
            profiles.forEach(p -> categories.addAll(p.shares().keySet()));
            md.append("| category |");
            profiles.forEach(p -> md.append(' ').append(p.label()).append(" |"));
            md.append("\n|---|");
            profiles.forEach(p -> md.append("---|"));
            md.append('\n');
            for (String category : categories) {
                md.append("| ").append(category).append(" |");
                profiles.forEach(p -> md.append(String.format(Locale.ROOT, " %.1f %% |",
                        p.shares().getOrDefault(category, 0.0) * 100)));
                md.append('\n');
            }
            md.append("| samples (records/s of that run) |");
            profiles.forEach(p -> md.append(String.format(Locale.ROOT, " %d (%,.0f) |", p.samples(),
                    p.recordsPerSecond())));
            md.append("\n| others' CPU during that run |");
            profiles.forEach(p -> md.append(' ').append(percent(p.othersCpuShare())).append(" |"));
            md.append('\n');
        }
        if (punctuator != null) {
            md.append(String.format(Locale.ROOT, "%nThe wall-clock punctuator runs every %d ms"
                            + " (router.scan.interval.ms) on the stream thread and reads only the due entries of the"
                            + " job-timer store: deadlines, ends of back-offs and ends of retention that have come."
                            + " Its longest punctuation in the %s took %.1f ms; each run waits for a punctuation after"
                            + " its last output, when every task stores about %,d jobs. Its cost does not grow with"
                            + " the jobs stored: a job still waiting for its deadline is not read, and a finished job"
                            + " is read once more, when its retention (router.finished.retention.ms) ends, to delete"
                            + " it.%n", punctuator.scanIntervalMs(), punctuator.basis(), punctuator.punctuateMaxMs(),
                    punctuator.storedJobsPerTask()));
        }
        md.append("\nAll figures, per run: `tools/benchmarks/results/router.json`.\n");
        return md.toString();
    }

    /** "commit.interval.ms 1000 (at_least_once) / 20 (exactly_once_v2)": the router's default per guarantee. */
    String defaultCommitIntervals() {
        return String.format(Locale.ROOT, "commit.interval.ms %s (%s) / %s (%s)", setup.get(COMMIT_MS_AT_LEAST_ONCE),
                StreamsConfig.AT_LEAST_ONCE, setup.get(COMMIT_MS_EXACTLY_ONCE), StreamsConfig.EXACTLY_ONCE_V2);
    }

    /** "at_least_once: `linger.ms=5`, `max.poll.records=1000`; exactly_once_v2: ...", from the setup. */
    private String clientSettings() {
        if (!(setup.get(CLIENT_SETTINGS) instanceof Map<?, ?> byGuarantee) || byGuarantee.isEmpty()) {
            return "not recorded";
        }
        List<String> parts = new ArrayList<>();
        byGuarantee.forEach((guarantee, settings) -> {
            List<String> each = new ArrayList<>();
            if (settings instanceof Map<?, ?> map) {
                map.forEach((k, v) -> each.add("`" + k + "=" + v + "`"));
            }
            parts.add(guarantee + ": " + String.join(", ", each));
        });
        return String.join("; ", parts);
    }

    private static String latencyTableHeader() {
        return "| subject | settings | p50 | p95 | p99 | p99.9 | max | p99 from send() | target p99 | |"
                + " producer retries | sender behind, max ms | others' CPU |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    }

    private static String latencyRow(Latency l) {
        Percentiles p = l.fromSchedule();
        String target = "";
        String verdict = "";
        if (l.label().startsWith("router")) {
            double t = p99Target(l.guarantee());
            target = String.format(Locale.ROOT, "<= %.0f", t);
            verdict = p.p99Ms() <= t ? "met" : "**missed**";
        }
        String missing = l.missing() > 0 ? String.format(Locale.ROOT, " (%d missing)", l.missing()) : "";
        String settings = (l.commitIntervalMs() == 0 ? "" : "commit " + l.commitIntervalMs() + " ms")
                + (l.settings().isEmpty() ? "" : ", " + settings(l.settings()));
        return String.format(Locale.ROOT,
                "| %s%s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %.1f | %s |%n",
                l.label(), missing, settings.isEmpty() ? "-" : settings, p.p50Ms(), p.p95Ms(), p.p99Ms(),
                p.p999Ms(), p.maxMs(), l.fromSend().p99Ms(), target, verdict,
                count(l.metrics(), "producer-record-retry-total"), l.sendLagMaxMs(), percent(l.othersCpuShare()));
    }

    private static void printLatencyHeader(PrintStream out) {
        out.printf(Locale.ROOT, "%-36s %8s %8s %8s %8s %8s %8s  %-14s %s%n", "subject", "p50", "p95", "p99",
                "p99.9", "max", "missing", "target p99", "others' CPU");
    }

    private static void printLatency(PrintStream out, Latency l) {
        Percentiles p = l.fromSchedule();
        String target = "";
        if (l.label().startsWith("router")) {
            double t = p99Target(l.guarantee());
            target = String.format(Locale.ROOT, "<= %.0f %s", t, p.p99Ms() <= t ? "met" : "MISSED");
        }
        out.printf(Locale.ROOT, "%-36s %8.1f %8.1f %8.1f %8.1f %8.1f %8d  %-14s %s%n", l.label(), p.p50Ms(),
                p.p95Ms(), p.p99Ms(), p.p999Ms(), p.maxMs(), l.missing(), target, percent(l.othersCpuShare()));
    }

    private static String rates(Throughput t) {
        if (t.runs().size() == 1) {
            return String.format(Locale.ROOT, "%,.0f", t.medianPerSecond());
        }
        return String.format(Locale.ROOT, "%,.0f (%,.0f-%,.0f)", t.medianPerSecond(), t.minPerSecond(),
                t.maxPerSecond());
    }

    private static String percent(double share) {
        return Double.isFinite(share) ? String.format(Locale.ROOT, "%.0f %%", share * 100) : "n/a";
    }

    private static String seconds(double ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000);
    }

    private static String metric(Map<String, Double> metrics, String name) {
        Double value = metrics.get(name);
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String count(Map<String, Double> metrics, String name) {
        Double value = metrics.get(name);
        return value == null ? "-" : String.format(Locale.ROOT, "%.0f", value);
    }

    private static String settings(Map<String, String> settings) {
        if (settings.isEmpty()) {
            return "defaults";
        }
        List<String> parts = new ArrayList<>();
        settings.forEach((k, v) -> parts.add("`" + k + "=" + v + "`"));
        return String.join(", ", parts);
    }
}
