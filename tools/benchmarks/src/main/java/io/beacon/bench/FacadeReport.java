package io.beacon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.beacon.bench.FacadeBenchmark.Cell;
import io.beacon.bench.FacadeBenchmark.Options;
import io.beacon.bench.router.MachineInfo;
import io.beacon.router.RouterConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The facade benchmark's table, {@code facade.json} and {@code facade.md}: our figures, the machine they
 * were taken on, and the figures LiteLLM and TensorZero publish for their gateways, with their
 * conditions.
 */
final class FacadeReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * A gateway figure someone else published: where, what was measured, under which conditions, the
     * figures as the page gives them (milliseconds).
     */
    record Published(String gateway, String source, String url, String measured, String conditions,
                     Map<String, String> figures) {
    }

    /** As stored from the pages named; quoted, never re-measured here. */
    static final List<Published> PUBLISHED = List.of(
            new Published("LiteLLM Proxy, 2 instances", "LiteLLM docs, \"Benchmarks\"",
                    "https://docs.litellm.ai/docs/benchmarks",
                    "'LiteLLM Overhead Duration': the proxy's own x-litellm-overhead-duration-ms response header,"
                            + " i.e. time spent inside the proxy, not seen from the client",
                    "fake OpenAI endpoint; each LiteLLM machine 4 CPU, 8 GB; PostgreSQL, no Redis; Locust with"
                            + " 1000 users, ramp-up 500; at 1035.7 RPS",
                    ordered("p50", "12", "p95", "29", "p99", "43", "mean", "14.74",
                            "end-to-end /chat/completions p50 / p99", "200 / 1200")),
            new Published("LiteLLM Proxy, 4 instances", "LiteLLM docs, \"Benchmarks\"",
                    "https://docs.litellm.ai/docs/benchmarks",
                    "as above (the proxy's own overhead header)",
                    "as above; at 1170 RPS",
                    ordered("p50", "2", "p95", "8", "p99", "13", "mean", "3.32",
                            "end-to-end /chat/completions p50 / p99", "100 / 240")),
            new Published("LiteLLM Proxy 1.74.9", "TensorZero docs, \"Benchmarks\" (run of July 30, 2025)",
                    "https://www.tensorzero.com/docs/gateway/benchmarks",
                    "latency seen by the load generator through the gateway to a mock OpenAI provider on the same"
                            + " host, presented by the page as the gateway's latency overhead",
                    "AWS c7i.xlarge (4 vCPU, 8 GB), Ubuntu 24.04.2; load generator, gateway and mock provider on the"
                            + " same instance; at 100 QPS",
                    ordered("p50", "4.83", "p90", "5.26", "p95", "5.41", "p99", "5.87", "mean", "4.91")),
            new Published("LiteLLM Proxy 1.74.9", "TensorZero docs, \"Benchmarks\" (run of July 30, 2025)",
                    "https://www.tensorzero.com/docs/gateway/benchmarks",
                    "as above", "as above; at 500 QPS (at 1,000 QPS most requests timed out: 'Failure')",
                    ordered("p50", "5.81", "p90", "10.02", "p95", "13.40", "p99", "39.69", "mean", "7.45")),
            new Published("TensorZero Gateway 2025.5.7", "TensorZero docs, \"Benchmarks\" (run of July 30, 2025)",
                    "https://www.tensorzero.com/docs/gateway/benchmarks",
                    "as above", "as above, observability (ClickHouse logging) disabled; at 10,000 QPS",
                    ordered("p50", "0.35", "p90", "0.50", "p95", "0.58", "p99", "0.94", "mean", "0.37")));

    /**
     * How the router's HTTP server listened during the run.
     *
     * @param tcpNoDelay    whether Nagle's algorithm was off ({@code sun.net.httpserver.nodelay})
     * @param acceptBacklog the accept backlog the server asks for; -1 unknown
     * @param somaxconn     the kernel's cap on any accept backlog ({@code net.core.somaxconn})
     */
    record Server(boolean tcpNoDelay, int acceptBacklog, String somaxconn) {
    }

    private final String command;
    private final Options options;
    private final Map<String, Object> machine;
    private final Server server;
    private final List<Cell> cells;
    private final Duration took;

    FacadeReport(String command, Options options, Map<String, Object> machine, Server server, List<Cell> cells,
                 Duration took) {
        this.command = command;
        this.options = options;
        this.machine = machine;
        this.server = server;
        this.cells = List.copyOf(cells);
        this.took = took;
    }

    /** The machine as {@code nproc}, {@code free -h} and {@code java -version} describe it, plus its load now. */
    static Map<String, Object> machine(Instant startedAt) {
        Map<String, Object> out = new LinkedHashMap<>(MachineInfo.describe(startedAt));
        out.put("nproc", run("nproc").orElse(String.valueOf(Runtime.getRuntime().availableProcessors())));
        out.put("free -h", run("free", "-h").orElse("unknown"));
        out.put("java -version", run(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .orElse(System.getProperty("java.runtime.version")));
        out.put("cpuPressureAtStart", MachineInfo.procLine("/proc/pressure/cpu").orElse("unknown"));
        return out;
    }

    private static Optional<String> run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return Optional.empty();
            }
            return Optional.of(output);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** One line for the log. */
    static String summary(Cell cell) {
        FacadeLoad.Result r = cell.load();
        return String.format(Locale.ROOT, "%d/%d ok; response p50 %s p99 %s ms; overhead p50 %s p99 %s max %s ms;"
                        + " provider p50 %s ms; errors %s; simulators' peak in flight %d of %d; client peak open %d;"
                        + " CPU %.2f cores, by thread %s",
                r.succeeded(), r.measured(), ms(r.response(), 50), ms(r.response(), 99), ms(r.overhead(), 50),
                ms(r.overhead(), 99), max(r.overhead()), ms(r.providerTime(), 50), r.errors(),
                cell.simulators().peakInFlight(), cell.simulators().capacity(), r.peakOutstanding(),
                cell.benchJvmCpuCores(), cell.cpuCoresByThreadGroup())
                + "; TCP " + cell.tcpCounters() + "; router stream thread " + cell.routerStreamThread()
                + "; peak threads " + cell.peakThreadsByKind() + "; overhead p50 by third " + thirds(r)
                + "; hops p50/p99: " + cell.hops().entrySet().stream()
                .map(e -> e.getKey() + " " + ms(e.getValue(), 50) + "/" + ms(e.getValue(), 99))
                .collect(Collectors.joining("; "));
    }

    /** Each hop's p50 / p99 per cell (ms), from {@link FacadeHops}. */
    String hopTable() {
        StringBuilder out = new StringBuilder();
        out.append("| guarantee | rate | answers traced | ");
        out.append(String.join(" | ", FacadeHops.HOPS)).append(" |\n");
        out.append("| --- | ---: | ---: |").append(" ---: |".repeat(FacadeHops.HOPS.size())).append('\n');
        for (Cell c : cells) {
            long traced = c.hops().values().stream().findFirst().map(Histogram::getTotalCount).orElse(0L);
            out.append(String.format(Locale.ROOT, "| %s | %d/s | %d of %d |", c.guarantee(), c.load().ratePerSecond(),
                    traced, c.load().succeeded()));
            for (String hop : FacadeHops.HOPS) {
                Histogram h = c.hops().get(hop);
                out.append(' ').append(ms(h, 50)).append(" / ").append(ms(h, 99)).append(" |");
            }
            out.append('\n');
        }
        out.append("\np50 / p99 per hop, in ms. A hop ends when an outside read_committed consumer first reads the job"
                + " on the next topic, so each hop includes one fetch by that reader.\n");
        return out.toString();
    }

    /** The results table (Markdown, also what the benchmark prints). */
    String table() {
        StringBuilder out = new StringBuilder();
        out.append("| guarantee | commit.interval.ms | rate | requests | errors | response p50 | p95 | p99 | max"
                + " | provider p50 | overhead p50 | p95 | p99 | max | sim peak in flight | client peak open"
                + " | overhead p50 by third of window | CPU bench JVM / sims | CPU pressure"
                + " | accept-queue overflows / SYN resent |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                + "| ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Cell c : cells) {
            FacadeLoad.Result r = c.load();
            out.append(String.format(Locale.ROOT,
                    "| %s | %d | %d/s | %d | %d | %s | %s | %s | %s | %s | **%s** | %s | **%s** | %s | %d of %d | %d"
                            + " | %s | %.2f / %.2f cores | %s | %s / %s |\n",
                    c.guarantee(), c.commitIntervalMs(), r.ratePerSecond(), r.measured(), r.failed(),
                    ms(r.response(), 50), ms(r.response(), 95), ms(r.response(), 99), max(r.response()),
                    ms(r.providerTime(), 50), ms(r.overhead(), 50), ms(r.overhead(), 95), ms(r.overhead(), 99),
                    max(r.overhead()), c.simulators().peakInFlight(), c.simulators().capacity(), r.peakOutstanding(),
                    thirds(r).stream().map(v -> v.isNaN() ? "-" : String.format(Locale.ROOT, "%.0f", v))
                            .collect(Collectors.joining(" / ")),
                    c.benchJvmCpuCores(), c.simulatorJvmCpuCores(),
                    Double.isNaN(c.cpuPressure()) ? "?" : String.format(Locale.ROOT, "%.0f%%", c.cpuPressure() * 100),
                    tcp(c, "ListenOverflows"),
                    tcp(c, "TCPSynRetrans")));
        }
        out.append("\nAll times in ms. overhead = HTTP response time (from the request's scheduled send time) minus"
                + " the provider's own time (inference_time). Errors: every non-200 or unsuccessful answer and every"
                + " request without an answer.\n");
        return out.toString();
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("facade.json").toFile(), json());
        Files.writeString(dir.resolve("facade.md"), markdown(), StandardCharsets.UTF_8);
    }

    private Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "facade");
        root.put("command", "./tools/benchmarks/run facade");
        root.put("javaCommand", command);
        root.put("tookSeconds", took.toSeconds());
        root.put("machine", machine);
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("providerLatencyMs", options.providerLatency().toMillis());
        setup.put("simulatedDeployments", options.deployments());
        setup.put("capacityPerDeployment", options.capacity());
        setup.put("partitions", options.partitions());
        setup.put("warmupSeconds", options.warmup().toSeconds());
        setup.put("windowSeconds", options.window().toSeconds());
        setup.put("facadeTcpNoDelay", server.tcpNoDelay());
        setup.put("facadeAcceptBacklog", server.acceptBacklog());
        setup.put("somaxconn", server.somaxconn());
        setup.put("routerSettingsGiven", options.routerSettings());
        setup.put("commitIntervalMsInEffect", commitIntervals());
        setup.put("clientMaxOpenRequests", options.maxOpen());
        root.put("setup", setup);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Cell c : cells) {
            FacadeLoad.Result r = c.load();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("guarantee", c.guarantee());
            row.put("commitIntervalMs", c.commitIntervalMs());
            row.put("ratePerSecond", r.ratePerSecond());
            row.put("warmupSeconds", r.warmup().toSeconds());
            row.put("windowSeconds", r.window().toSeconds());
            row.put("requests", r.measured());
            row.put("succeeded", r.succeeded());
            row.put("failed", r.failed());
            row.put("unanswered", r.unanswered());
            row.put("errors", r.errors());
            row.put("responseMs", percentiles(r.response()));
            row.put("providerMs", percentiles(r.providerTime()));
            row.put("overheadMs", percentiles(r.overhead()));
            row.put("clientSendLagMs", percentiles(r.sendLag()));
            Map<String, Object> hops = new LinkedHashMap<>();
            c.hops().forEach((hop, h) -> hops.put(hop, percentiles(h)));
            row.put("hopsMs", hops);
            row.put("worstResponseAtMsIntoWindow", r.worstAtMillisIntoWindow());
            row.put("clientPeakOpenRequests", r.peakOutstanding());
            row.put("providersUsed", r.providers());
            Map<String, Object> sims = new LinkedHashMap<>();
            sims.put("peakInFlightSoFar", c.simulators().peakInFlight());
            sims.put("capacity", c.simulators().capacity());
            sims.put("requestsSoFar", c.simulators().requests());
            sims.put("failedSoFar", c.simulators().failed());
            sims.put("rejectedSoFar", c.simulators().rejected());
            row.put("simulators", sims);
            row.put("benchJvmCpuCores", round2(c.benchJvmCpuCores()));
            row.put("simulatorJvmCpuCores", round2(c.simulatorJvmCpuCores()));
            row.put("peakJvmThreads", c.peakJvmThreads());
            row.put("peakThreadsByKind", c.peakThreadsByKind());
            row.put("routerStreamThread", c.routerStreamThread());
            row.put("overheadP50ByThirdOfWindowMs", thirds(r));
            row.put("facadeHttpThreads", c.facadeHttpThreads());
            row.put("benchJvmCpuCoresByThread", c.cpuCoresByThreadGroup());
            row.put("tcpCounterDeltas", c.tcpCounters());
            row.put("cpuPressureSomeShare", Double.isNaN(c.cpuPressure()) ? null : round2(c.cpuPressure()));
            row.put("loadAverageAtStart", c.loadAverageAtStart());
            rows.add(row);
        }
        root.put("results", rows);
        root.put("published", PUBLISHED);
        return root;
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("## HTTP facade overhead\n\n");
        md.append("Command: `./tools/benchmarks/run facade` (builds, then runs `").append(command).append("`; writes")
                .append(" `tools/benchmarks/results/facade.json` and this file; `--quick` for a short run, `--help` for the")
                .append(" options).\n\n");
        md.append("Machine (shared with other builds while this ran, so the figures are indicative, not a")
                .append(" capacity statement):\n\n");
        md.append("- `nproc`: ").append(machine.get("nproc")).append(" (").append(machine.get("cpuModel")).append(")\n");
        md.append("- `free -h`:\n\n```\n").append(machine.get("free -h")).append("\n```\n\n");
        md.append("- `java -version`:\n\n```\n").append(machine.get("java -version")).append("\n```\n\n");
        md.append("- load average (1, 5, 15 min) at start: ").append(machine.get("loadAverageAtStart"))
                .append("; at end: ").append(machine.get("loadAverageAtEnd")).append("; CPU pressure at start: ")
                .append(machine.get("cpuPressureAtStart")).append("\n");
        md.append("- Kafka ").append(machine.get("kafka")).append(", ").append(machine.get("os")).append(", heap ")
                .append(machine.get("maxHeap")).append("; whole run ").append(took.toSeconds()).append(" s\n\n");

        md.append("Setup: one JVM holds the embedded Kafka broker (KRaft, one node, ").append(options.partitions())
                .append(" partitions per job topic, in-process schema registry), the router with its HTTP facade on a")
                .append(" free port (defaults: `http.threads` 16, results reader on every partition, read_committed),")
                .append(" one Golem worker, and the load client. ").append(options.deployments())
                .append(" simulated Golem nodes (Ollama API) of fixed ").append(options.providerLatency().toMillis())
                .append(" ms latency, ").append(options.capacity()).append(" concurrent calls each, no cold start,")
                .append(" run in a second JVM with `TCP_NODELAY` as a real provider server has it. The facade's")
                .append(" own HTTP server ")
                .append(server.tcpNoDelay()
                        ? "has Nagle's algorithm off (`TCP_NODELAY`), as the router sets it in production"
                        : "had Nagle's algorithm on for this run (`sun.net.httpserver.nodelay` was not `true`;"
                        + " the router sets it to `true` unless the JVM is given a value)")
                .append(", and asks for ").append(acceptBacklog())
                .append(". The router's commit interval in effect: ").append(commitIntervalsText()).append('.')
                .append(" Load: open loop, HTTP/1.1, the runner guide's payload (`max_tokens` 32, `timeout_seconds`")
                .append(" 20), request i due at start + i/rate; response time counted from the due time, so a")
                .append(" stall anywhere counts for every request due during it; at most ").append(options.maxOpen())
                .append(" requests open at once (one due beyond that is not sent and counts as an error: an HTTP/1.1")
                .append(" client holds a connection per open request, and without a cap a pipeline far behind")
                .append(" exhausts this JVM's file descriptors). Each guarantee gets fresh topics, a")
                .append(" fresh router and worker; each rate ").append(options.warmup().toSeconds())
                .append(" s of warm-up (not counted; twice that for a new router's first rate) then ")
                .append(options.window().toSeconds())
                .append(" s measured.")
                .append(options.routerSettings().isEmpty() ? "" : " Router settings given with `--set`: "
                        + options.routerSettings() + ".")
                .append("\n\n");

        md.append(table()).append('\n');
        md.append("Where the time goes, hop by hop:\n\n").append(hopTable()).append('\n');
        md.append("'provider' is `inference_time` of the answer: the Golem node's own `total_duration`, as the")
                .append(" worker reads it from the provider (").append(options.providerLatency().toMillis())
                .append(" ms here). So 'overhead' is everything else the runner waits for: the facade (parse,")
                .append(" validate, produce, wait, answer), the job's trip through Kafka and the router, the worker's")
                .append(" HTTP call to the node (loopback), and the load client itself. 'sim peak in flight' is the")
                .append(" highest number of calls any one simulated node ran at once since the run began, against its")
                .append(" capacity: below capacity means no call queued at the provider. 'client peak open' is the")
                .append(" most requests the client had waiting at once. CPU is the cores each JVM used on average")
                .append(" during the cell (this machine has ").append(machine.get("nproc")).append("); 'CPU pressure' the")
                .append(" share of the cell's time in which some runnable task of the machine waited for a CPU (Linux")
                .append(" PSI, every process on the machine counts). 'accept-queue overflows / SYN resent' are the")
                .append(" kernel's counters over the cell (this network namespace).\n\n");

        md.append("### Where the overhead comes from\n\n");
        md.append(explanation());

        md.append("\n### Published gateway figures, for comparison\n\n");
        md.append("Other machines, other architectures: LiteLLM and TensorZero are synchronous proxies. The")
                .append(" request is forwarded to the provider on the same connection's task and nothing is written")
                .append(" to a durable log on the way, so their overhead is request parsing, routing and one extra HTTP")
                .append(" hop. Ours is a request-reply over Kafka: the job is written to a replicated log (`acks=all`)")
                .append(" three times on its way (request, routed job, attempt) and its result once more, and under")
                .append(" exactly-once every router output waits for a transaction commit. In exchange a job survives")
                .append(" a crash of the router, the worker or the facade's instance, is never run twice for one")
                .append(" routing decision, and can be retried on another provider. Their figures are quoted as")
                .append(" published, with their conditions; none was re-measured here.\n\n");
        md.append("| gateway | source | what was measured | conditions | figures (ms) |\n");
        md.append("| --- | --- | --- | --- | --- |\n");
        for (Published p : PUBLISHED) {
            md.append("| ").append(p.gateway()).append(" | [").append(p.source()).append("](").append(p.url())
                    .append(") | ").append(p.measured()).append(" | ").append(p.conditions()).append(" | ")
                    .append(p.figures().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                            .collect(Collectors.joining(", ")))
                    .append(" |\n");
        }
        md.append("\nThe LiteLLM docs' performance page (https://docs.litellm.ai/docs/proxy/perf) also states that")
                .append(" the proxy adds 0.00325 s (3.25 ms) compared to calling the OpenAI API directly, without")
                .append(" percentiles or load. An earlier version of the TensorZero page gave LiteLLM at 100 QPS a p99")
                .append(" of 66.68 ms (p50 7.00 ms) and TensorZero at 10,000 QPS a p99 of 0.57 ms (p50 0.19 ms).\n");
        return md.toString();
    }

    /** Where the time goes, with this run's own figures. */
    private String explanation() {
        StringBuilder md = new StringBuilder();
        long commitMs = cells.stream().filter(c -> c.guarantee().equals("exactly_once_v2"))
                .mapToLong(Cell::commitIntervalMs).findFirst().orElse(-1);
        List<Cell> behind = cells.stream().filter(c -> fellBehind(c.load())).toList();
        if (!behind.isEmpty()) {
            md.append("- **Where a cell fell behind, its figures measure a queue, not a request's cost.** ")
                    .append(behind.stream().map(c -> String.format(Locale.ROOT, "%s at %d req/s (the overhead's"
                                    + " median by third of the window: %s ms; %d of %d requests failed)",
                            c.guarantee(), c.load().ratePerSecond(), thirds(c.load()), c.load().failed(),
                            c.load().measured()))
                            .collect(Collectors.joining("; ")))
                    .append(": for a while requests arrived faster than the pipeline finished them with the CPU this")
                    .append(" machine gave it, so later requests waited behind earlier ones (a backlog that grew, or")
                    .append(" one left from a stall that was still draining). Such a cell's percentiles measure that")
                    .append(" queue; they say the single-JVM setup did not keep up at that rate here, not what one")
                    .append(" request costs. The last third of a draining cell comes closest to the steady state.\n");
        }
        md.append("- **Exactly-once: the commit interval.** Under `exactly_once_v2` the router writes in transactions")
                .append(" that commit every `commit.interval.ms` (")
                .append(commitMs < 0 ? "the router's default" : commitMs + " ms in effect here"
                        + (commitIntervalGiven() ? ", given with `--set`"
                        : ", the router's default under exactly-once"))
                .append("), and the worker and the facade read `read_committed`: a routed job becomes readable to the")
                .append(" worker, and a result to the facade, only when the router's transaction commits. A request")
                .append(" crosses two such commits; each wait is spread over one interval, so the commits alone add")
                .append(" about one interval at the median and up to two at the tail, plus the time a commit takes")
                .append(" (flush, offsets, commit markers on every partition written). A shorter interval shortens")
                .append(" the wait but makes the stream thread commit more often, which costs CPU and broker round")
                .append(" trips: whether it pays depends on the machine (the router benchmark measures that trade).\n");
        for (int rate : options.rates()) {
            Optional<Cell> eos = find("exactly_once_v2", rate);
            Optional<Cell> alos = find("at_least_once", rate);
            if (eos.isEmpty() || alos.isEmpty()) {
                continue;
            }
            Histogram e = eos.get().load().overhead();
            Histogram a = alos.get().load().overhead();
            double diff = (e.getValueAtPercentile(50) - a.getValueAtPercentile(50)) / 1000.0;
            md.append(String.format(Locale.ROOT, "- At %d req/s the overhead's p50 is %s ms exactly-once against %s ms"
                            + " at-least-once (p99 %s against %s ms), a difference of %.0f ms at the median",
                    rate, ms(e, 50), ms(a, 50), ms(e, 99), ms(a, 99), diff));
            if (fellBehind(eos.get().load()) || fellBehind(alos.get().load())) {
                md.append("; at least one of the two fell behind, so the difference is mostly queueing.\n");
            } else if (commitMs > 0 && diff <= 2.0 * commitMs) {
                md.append(String.format(Locale.ROOT, ", within what two commit waits of %d ms explain.%n", commitMs));
            } else {
                md.append(String.format(Locale.ROOT, ", more than two commit waits of %d ms explain: the router's"
                        + " hops (table above) show where the rest went.%n", commitMs));
            }
        }
        long alosCommitMs = cells.stream().filter(c -> c.guarantee().equals("at_least_once"))
                .mapToLong(Cell::commitIntervalMs).findFirst().orElse(-1);
        md.append("- **At-least-once: the Kafka hops.** Without transactions a")
                .append(" request still takes four produces (`acks=all`) and four fetches: facade -> `inference-requests`")
                .append(" -> router -> provider topic -> worker -> HTTP call -> `job-attempts` -> router ->")
                .append(" `inference-results` -> the facade's reader, then the answer is written on the facade's pool.")
                .append(" The facade's, the worker's and the router's producers linger up to 5 ms for a batch (the")
                .append(" router sets `linger.ms` 5 over Kafka Streams' own 100 ms), and a record is readable once")
                .append(" written, without waiting for a commit: the router's commit (every ")
                .append(alosCommitMs < 0 ? "`commit.interval.ms`" : alosCommitMs + " ms here")
                .append(") only records how far it has read. To see what a longer linger costs, run with")
                .append(" `--set=kafka.linger.ms=100`.\n");
        md.append("- **The HTTP facade itself** holds no thread while a request waits (a future per job, completed")
                .append(" by the one results-reader thread, answered on the 16-thread HTTP pool): its own share is")
                .append(" parsing, one `send()` and one JSON answer per request, visible in the first and last hop.\n");
        long overflows = cells.stream().mapToLong(c -> c.tcpCounters().getOrDefault("ListenOverflows", 0L)).sum();
        md.append("- **New connections**: an HTTP/1.1 client needs one connection per request in flight, so when")
                .append(" answers slow down it opens more. The facade's `HttpServer` asks for ").append(acceptBacklog())
                .append(", and its single dispatcher thread accepts one")
                .append(" connection per select round (OpenJDK's `sun.net.httpserver.ServerImpl`). A burst of new")
                .append(" connections beyond the accept queue is dropped by the kernel and the client resends its SYN")
                .append(" after 1 s, then 3 s: whole seconds of latency that feed the next burst. ")
                .append(overflows == 0 ? "No connection overflowed the accept queue in this run."
                        : "In this run the kernel counted " + overflows + " accept-queue overflows during the measured"
                        + " cells (column 'accept-queue overflows').")
                .append(" Beyond 200 idle keep-alive connections the server also closes each connection as it goes")
                .append(" idle, so a client that reuses one can find it closed.\n");
        md.append("- **This machine**: every piece (broker, router, worker, client, simulators) shares ")
                .append(machine.get("nproc")).append(" CPUs with other builds, so waiting for a CPU shows up in every")
                .append(" figure, most at the tail ('CPU pressure' column).\n");

        List<String> notes = new ArrayList<>();
        for (Cell c : cells) {
            FacadeLoad.Result r = c.load();
            String where = c.guarantee() + " at " + r.ratePerSecond() + " req/s";
            if (r.failed() > 0) {
                notes.add(String.format(Locale.ROOT, "%s: %d of %d requests failed: %s", where, r.failed(),
                        r.measured(), r.errors()));
            }
            if (r.sendLag().getTotalCount() > 0 && r.sendLag().getMaxValue() > 50_000) {
                notes.add(String.format(Locale.ROOT, "%s: the load client sent up to %s ms late (p99 %s ms); the"
                        + " response time still counts from the due time", where, max(r.sendLag()), ms(r.sendLag(), 99)));
            }
            notes.add(String.format(Locale.ROOT, "%s: answers came from %s; threads at their peak: %s; the router's"
                            + " stream thread (Kafka Streams' metrics, last minute): commit latency avg %s / max %s ms,"
                            + " share of its time committing %s, processing %s, punctuating %s, polling %s", where,
                    r.providers(), c.peakThreadsByKind(), metric(c, "commit-latency-avg", 1),
                    metric(c, "commit-latency-max", 1), metric(c, "commit-ratio", 100),
                    metric(c, "process-ratio", 100), metric(c, "punctuate-ratio", 100), metric(c, "poll-ratio", 100)));
        }
        notes.add(String.format(Locale.ROOT, "the facade's HTTP pool (threads named router-http) had %s thread(s) at"
                        + " the end of each cell; the JVM's peak thread count per cell was %s",
                cells.stream().map(c -> Integer.toString(c.facadeHttpThreads())).collect(Collectors.joining(", ")),
                cells.stream().map(c -> Integer.toString(c.peakJvmThreads())).collect(Collectors.joining(", "))));
        md.append("\nObserved in this run:\n\n");
        notes.forEach(n -> md.append("- ").append(n).append('\n'));
        return md.toString();
    }

    /** "an accept queue of 1024 connections (the kernel caps it at `net.core.somaxconn`, 4096 here)". */
    private String acceptBacklog() {
        return "an accept queue of " + (server.acceptBacklog() < 0 ? "unknown size" : server.acceptBacklog()
                + " connections") + " (the kernel caps it at `net.core.somaxconn`, " + server.somaxconn() + " here)";
    }

    /** The router's commit interval per guarantee as in effect in the cells (RouterConfig.commitIntervalMs()). */
    private Map<String, Long> commitIntervals() {
        Map<String, Long> out = new LinkedHashMap<>();
        cells.forEach(c -> out.putIfAbsent(c.guarantee(), c.commitIntervalMs()));
        return out;
    }

    private String commitIntervalsText() {
        String source = commitIntervalGiven() ? "given with `--set`" : "the router's default for each guarantee";
        return commitIntervals().entrySet().stream().map(e -> e.getValue() + " ms under `" + e.getKey() + "`")
                .collect(Collectors.joining(", ")) + " (" + source + ")";
    }

    /** Whether {@code --set} gave the router a commit interval of its own (-1 asks for the default). */
    private boolean commitIntervalGiven() {
        String given = options.routerSettings().get(RouterConfig.COMMIT_INTERVAL_MS);
        return given != null && !given.trim().equals("-1");
    }

    /**
     * The overhead's median in the first, second and last third of the window (ms): level when the
     * pipeline kept up with the rate, rising when a backlog built up.
     */
    static List<Double> thirds(FacadeLoad.Result r) {
        List<Double> out = new ArrayList<>();
        if (r.samples().isEmpty()) {
            return out;
        }
        long first = r.samples().stream().mapToLong(FacadeLoad.Sample::dueNanos).min().orElse(0);
        long span = r.window().toNanos();
        for (int third = 0; third < 3; third++) {
            long from = first + span * third / 3;
            long to = first + span * (third + 1) / 3;
            Histogram h = new Histogram(3);
            r.samples().stream().filter(s -> s.dueNanos() >= from && s.dueNanos() < to)
                    .forEach(s -> h.recordValue(Math.max(0, (s.answeredNanos() - s.dueNanos()) / 1000 - s.providerMicros())));
            out.add(h.getTotalCount() == 0 ? Double.NaN : round2(h.getValueAtPercentile(50) / 1000.0));
        }
        return out;
    }

    /**
     * True when the overhead's median rose through the window, stood above a second in some third of it
     * (a backlog, growing or draining), or more than 1% of the requests failed: arrivals outran the pipeline.
     */
    static boolean fellBehind(FacadeLoad.Result r) {
        List<Double> t = thirds(r);
        boolean rising = t.size() == 3 && t.get(2) > 2 * t.get(0) && t.get(2) - t.get(0) > 200;
        boolean backlog = t.stream().anyMatch(v -> !v.isNaN() && v > 1000);
        return rising || backlog || r.failed() * 100 > r.measured();
    }

    /** A stream-thread metric, scaled (100: a ratio as a percentage), or "?" when Streams had none. */
    private static String metric(Cell c, String name, double scale) {
        Double value = c.routerStreamThread().get(name);
        if (value == null) {
            return "?";
        }
        return String.format(Locale.ROOT, scale == 100 ? "%.0f%%" : "%.1f", value * scale);
    }

    private static String tcp(Cell c, String counter) {
        Long value = c.tcpCounters().get(counter);
        return value == null ? "?" : value.toString();
    }

    private Optional<Cell> find(String guarantee, int rate) {
        return cells.stream().filter(c -> c.guarantee().equals(guarantee) && c.load().ratePerSecond() == rate)
                .findFirst();
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) {
            return out;
        }
        out.put("p50", round2(h.getValueAtPercentile(50) / 1000.0));
        out.put("p95", round2(h.getValueAtPercentile(95) / 1000.0));
        out.put("p99", round2(h.getValueAtPercentile(99) / 1000.0));
        out.put("p999", round2(h.getValueAtPercentile(99.9) / 1000.0));
        out.put("max", round2(h.getMaxValue() / 1000.0));
        out.put("mean", round2(h.getMean() / 1000.0));
        return out;
    }

    static String ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-"
                : String.format(Locale.ROOT, "%.1f", h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static String max(Histogram h) {
        return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", h.getMaxValue() / 1000.0);
    }

    private static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            out.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }
}
