package io.beacon.bench;

import ch.qos.logback.classic.Level;
import io.beacon.bench.router.BenchFiles;
import io.beacon.bench.router.BenchKafka;
import io.beacon.bench.router.MachineInfo;
import io.beacon.bench.router.StreamsThreadMetrics;
import io.beacon.router.RouterApp;
import io.beacon.router.RouterConfig;
import io.beacon.router.http.RouterHttpServer;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.topics.Topics;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.ProviderWorker;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./tools/benchmarks/run facade}: what the router's HTTP facade costs a runner (issue 5). With a
 * simulated provider of fixed 60 ms latency, {@code POST /inference} is sent at a fixed rate (100 and
 * 500 requests per second) and each answer's response time, minus the provider's own time, is the
 * overhead: the HTTP facade, the request's trip through Kafka (facade to {@code inference-requests},
 * router to the provider topic, worker to {@code job-attempts}, router to {@code inference-results},
 * results reader to the waiting HTTP request) and the worker's call to the provider. Measured under
 * both processing guarantees of the router.
 *
 * <p>Layout: this JVM hosts the embedded broker (free ports, in-process schema registry), the router
 * (its HTTP facade on a free port, with the TCP_NODELAY and the accept backlog the router sets itself),
 * one Golem worker and the load client; the simulated Golem nodes run in a JVM of their
 * own ({@link FacadeSimulatorMain}), so their CPU is counted apart. Each guarantee gets its own topics,
 * router and worker; each rate its own warm-up.
 *
 * <p>Prints a table, writes {@code tools/benchmarks/results/facade.json} and {@code facade.md}. Exit code 0
 * whenever the benchmark ran (the figures are reported, not judged), 2 for bad arguments, 1 if a run
 * failed.
 */
public final class FacadeBenchmark implements BenchMain.Benchmark {

    private static final Logger LOG = LoggerFactory.getLogger(FacadeBenchmark.class);
    private static final Path RESULTS = Path.of("tools", "benchmarks", "results");
    private static final Path WORK = Path.of("tools", "benchmarks", "target", "facade-bench");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    static final String USAGE = "usage: ./tools/benchmarks/run facade [--rates=100,500] [--warmup=S (10)] [--window=S (30)]"
            + " [--guarantees=exactly_once_v2,at_least_once] [--latency-ms=60] [--deployments=4] [--capacity=64]"
            + " [--partitions=3] [--max-open=2000] [--set=ROUTER_SETTING=VALUE ...]"
            + " [--out=DIR (tools/benchmarks/results)]"
            + " [--quick (warm-up 5 s, window 10 s)]"
            + "\n  The router's HTTP server runs with TCP_NODELAY unless the JVM is given"
            + " -Dsun.net.httpserver.nodelay=false (e.g. BENCH_JAVA_OPTS=\"-Xmx2g -Dsun.net.httpserver.nodelay=false\");"
            + " --nodelay, which used to switch it on, is accepted and has no effect.";
    /** Once an option, now what the router does itself: accepted so that old command lines still run. */
    static final String NODELAY = "--nodelay";
    /** The JDK HTTP server's switch for Nagle's algorithm; the router sets it to true unless it is given. */
    static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

    record Options(List<Integer> rates, Duration warmup, Duration window, List<String> guarantees,
                   Duration providerLatency, int deployments, int capacity, int partitions,
                   Map<String, String> routerSettings, Path outDir, int maxOpen) {

        static Options parse(String[] args) {
            List<Integer> rates = List.of(100, 500);
            int warmup = 10;
            int window = 30;
            List<String> guarantees = List.of("exactly_once_v2", "at_least_once");
            int latency = 60;
            int deployments = 4;
            int capacity = 64;
            int partitions = 3;
            Map<String, String> routerSettings = new LinkedHashMap<>();
            Path outDir = RESULTS;
            int maxOpen = 2000;
            for (String a : args) {
                String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : "";
                if (a.startsWith("--rates=")) {
                    rates = Arrays.stream(value.split(",")).map(String::trim).map(Integer::parseInt).toList();
                } else if (a.startsWith("--warmup=")) {
                    warmup = Integer.parseInt(value);
                } else if (a.startsWith("--window=")) {
                    window = Integer.parseInt(value);
                } else if (a.startsWith("--guarantees=")) {
                    guarantees = Arrays.stream(value.split(",")).map(String::trim).toList();
                } else if (a.startsWith("--latency-ms=")) {
                    latency = Integer.parseInt(value);
                } else if (a.startsWith("--deployments=")) {
                    deployments = Integer.parseInt(value);
                } else if (a.startsWith("--capacity=")) {
                    capacity = Integer.parseInt(value);
                } else if (a.startsWith("--partitions=")) {
                    partitions = Integer.parseInt(value);
                } else if (a.startsWith("--set=") && value.contains("=")) {
                    routerSettings.put(value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
                } else if (a.startsWith("--max-open=")) {
                    maxOpen = Integer.parseInt(value);
                } else if (a.startsWith("--out=")) {
                    outDir = Path.of(value);
                } else if (a.equals(NODELAY)) {
                    // no effect any more (see USAGE); run() says so
                } else if (a.equals("--quick")) {
                    warmup = 5;
                    window = 10;
                } else {
                    throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            if (rates.isEmpty() || rates.stream().anyMatch(r -> r < 1 || r > 10_000)) {
                throw new IllegalArgumentException("--rates: each between 1 and 10000 requests per second");
            }
            for (String g : guarantees) {
                if (!g.equals("exactly_once_v2") && !g.equals("at_least_once")) {
                    throw new IllegalArgumentException("--guarantees: exactly_once_v2 or at_least_once, not " + g);
                }
            }
            if (warmup < 1 || window < 1 || latency < 1 || deployments < 1 || capacity < 1 || partitions < 1
                    || maxOpen < 1) {
                throw new IllegalArgumentException("--warmup, --window, --latency-ms, --deployments, --capacity,"
                        + " --partitions and --max-open must be at least 1");
            }
            return new Options(rates, Duration.ofSeconds(warmup), Duration.ofSeconds(window), guarantees,
                    Duration.ofMillis(latency), deployments, capacity, partitions, Map.copyOf(routerSettings),
                    outDir, maxOpen);
        }
    }

    /** One guarantee at one rate, with what the machine and the pieces did meanwhile. */
    record Cell(String guarantee, long commitIntervalMs, FacadeLoad.Result load, FacadeSimulators.Stats simulators,
                double benchJvmCpuCores, double simulatorJvmCpuCores, int peakJvmThreads, int facadeHttpThreads,
                Map<String, Double> cpuCoresByThreadGroup, String loadAverageAtStart,
                LinkedHashMap<String, Histogram> hops, Map<String, Long> tcpCounters, double cpuPressure,
                Map<String, Integer> peakThreadsByKind, Map<String, Double> routerStreamThread) {
    }

    public FacadeBenchmark() {
    }

    @Override
    public int run(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help")) {
            System.out.println(USAGE);
            return 0;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        if (Arrays.asList(args).contains(NODELAY)) {
            LOG.warn("{} has no effect: the router's HTTP server switches Nagle's algorithm off itself", NODELAY);
        }
        quietLogs();
        Instant started = Instant.now();
        Map<String, Object> machine = FacadeReport.machine(started);
        List<Cell> cells = new ArrayList<>();
        Path stateRoot = Files.createTempDirectory("facade-bench-state-");
        try (BenchKafka kafka = BenchKafka.start(options.partitions(), null);
             FacadeSimulators simulators = FacadeSimulators.start(options.deployments(), options.capacity(),
                     options.providerLatency(), WORK.resolve("simulators.log"))) {
            LOG.info("broker {}, {} simulated Golem nodes ({} ms, capacity {}) in their own JVM", kafka.bootstrapServers(),
                    options.deployments(), options.providerLatency().toMillis(), options.capacity());
            for (String guarantee : options.guarantees()) {
                cells.addAll(runGuarantee(kafka, simulators, options, guarantee, stateRoot));
            }
        } catch (RuntimeException e) {
            LOG.error("facade benchmark failed", e);
            return 1;
        } finally {
            BenchFiles.deleteRecursively(stateRoot);
        }
        machine.put("loadAverageAtEnd", MachineInfo.procLine("/proc/loadavg").orElse("unknown"));
        FacadeReport report = new FacadeReport(command(args), options, machine, facadeServer(), cells,
                Duration.between(started, Instant.now()));
        System.out.println(report.table());
        System.out.println(report.hopTable());
        report.write(options.outDir());
        LOG.info("wrote {} and {}", options.outDir().resolve("facade.json"), options.outDir().resolve("facade.md"));
        return 0;
    }

    /** One router and one worker with this guarantee, on topics of their own, measured at every rate. */
    private List<Cell> runGuarantee(BenchKafka kafka, FacadeSimulators simulators, Options options, String guarantee,
                                    Path stateRoot) throws Exception {
        BenchKafka.Phase phase = kafka.newPhase(guarantee.equals("at_least_once") ? "facade-alos" : "facade-eos");
        Map<String, String> routerSettings = new LinkedHashMap<>(phase.settings());
        // Given settings (e.g. commit.interval.ms, kafka.linger.ms) first: the benchmark's own wiring wins.
        routerSettings.putAll(options.routerSettings());
        routerSettings.put(RouterConfig.APPLICATION_ID, phase.id());
        routerSettings.put(RouterConfig.PROCESSING_GUARANTEE, guarantee);
        routerSettings.put(RouterConfig.STATE_DIR, stateRoot.resolve(phase.id()).toString());
        routerSettings.put(RouterConfig.HTTP_HOST, "127.0.0.1");
        routerSettings.put(RouterConfig.HTTP_PORT, "0");
        RouterConfig routerConfig = new RouterConfig(routerSettings);
        long commitIntervalMs = routerConfig.commitIntervalMs();

        Map<String, String> workerSettings = new LinkedHashMap<>(phase.settings());
        workerSettings.put(WorkerConfig.PROVIDER, "golem");
        workerSettings.put(WorkerConfig.WORKER_ID, phase.id() + "-worker-golem");
        workerSettings.put(WorkerConfig.CONSUMER_GROUP, phase.id() + "-workers-golem");
        workerSettings.put(WorkerConfig.HTTP_PORT, "0");

        List<Cell> cells = new ArrayList<>();
        RouterApp router = RouterApp.start(routerConfig);
        ProviderWorker worker = null;
        FacadeHops hops = null;
        try {
            Topics topics = phase.topics();
            hops = new FacadeHops(kafka.bootstrapServers(), List.of(topics.requests().name(),
                    topics.providerJobs(ProviderKind.GOLEM).name(), topics.attempts().name(), topics.results().name()))
                    .start();
            worker = WorkerApp.start(new WorkerConfig(workerSettings), simulators.endpoints(), ProviderSecrets.none());
            awaitReady(router, simulators.endpoints().size());
            URI url = URI.create(router.httpUrl() + "/inference");
            try (FacadeLoad load = new FacadeLoad(url, requestBody())) {
                LOG.info("{}: router ready at {} (commit.interval.ms {}); first answer: {}", guarantee, router.httpUrl(),
                        commitIntervalMs, load.probe());
                for (int i = 0; i < options.rates().size(); i++) {
                    // A new router's first seconds (class loading, JIT, the first transactions) are no steady
                    // state: the first rate warms up twice as long.
                    Duration warmup = i == 0 ? options.warmup().multipliedBy(2) : options.warmup();
                    cells.add(measure(load, hops, simulators, options, warmup, guarantee, phase.id(), commitIntervalMs,
                            options.rates().get(i)));
                }
            }
        } finally {
            if (hops != null) {
                hops.close();
            }
            // The worker first (it finishes its calls and commits), then the router.
            if (worker != null) {
                worker.close(Duration.ofSeconds(10));
            }
            router.close(Duration.ofSeconds(10));
            kafka.drop(phase);
        }
        return cells;
    }

    private Cell measure(FacadeLoad load, FacadeHops hops, FacadeSimulators simulators, Options options, Duration warmup,
                         String guarantee, String applicationId, long commitIntervalMs, int rate) throws Exception {
        String loadAverage = MachineInfo.procLine("/proc/loadavg").orElse("unknown");
        LOG.info("{} at {} req/s: {} s warm-up, {} s measured (load average {})", guarantee, rate,
                warmup.toSeconds(), options.window().toSeconds(), loadAverage);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        threads.resetPeakThreadCount();
        long cpuStart = processCpuNanos();
        Duration simCpuStart = simulators.cpuTime();
        Map<Long, ThreadCpu> threadsBefore = threadCpu(threads);
        Map<String, Long> tcpBefore = tcpCounters();
        long stalledBefore = cpuStalledMicros();
        long wallStart = System.nanoTime();
        FacadeLoad.Result result;
        Map<String, Integer> peakThreadsByKind;
        try (FacadeThreadCensus census = new FacadeThreadCensus().start()) {
            result = load.run(rate, warmup, options.window(), options.maxOpen());
            peakThreadsByKind = census.peaks(6);
        }
        double wallNanos = System.nanoTime() - wallStart;
        double cpuPressure = stalledBefore < 0 ? Double.NaN : (cpuStalledMicros() - stalledBefore) * 1000.0 / wallNanos;
        Map<String, Double> cpuByThreadGroup = cpuByThreadGroup(threadsBefore, threadCpu(threads), wallNanos);
        Map<String, Long> tcp = new LinkedHashMap<>();
        tcpCounters().forEach((name, value) -> tcp.put(name, value - tcpBefore.getOrDefault(name, 0L)));
        double benchCores = (processCpuNanos() - cpuStart) / wallNanos;
        double simCores = simulators.cpuTime().minus(simCpuStart).toNanos() / wallNanos;
        long facadeThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("router-http")).count();
        Cell cell = new Cell(guarantee, commitIntervalMs, result, simulators.stats(), benchCores, simCores,
                threads.getPeakThreadCount(), (int) facadeThreads, cpuByThreadGroup, loadAverage,
                hops.breakdown(result.samples()), tcp, cpuPressure, peakThreadsByKind,
                StreamsThreadMetrics.read(applicationId));
        LOG.info("{} at {} req/s: {}", guarantee, rate, FacadeReport.summary(cell));
        return cell;
    }

    /**
     * How the router's HTTP server listened in this run: TCP_NODELAY as the JDK read it (the router sets
     * the property when its server class loads, before the JVM's first HTTP server, unless it was given),
     * the accept backlog it asks for, and the kernel's cap on any backlog.
     */
    static FacadeReport.Server facadeServer() {
        // First the router's server class, whose initialization sets the property unless it was given.
        int backlog = routerAcceptBacklog();
        return new FacadeReport.Server(Boolean.parseBoolean(System.getProperty(NODELAY_PROPERTY)), backlog,
                MachineInfo.procLine("/proc/sys/net/core/somaxconn").map(String::trim).orElse("unknown"));
    }

    /**
     * The backlog the router's HTTP server is created with ({@link RouterHttpServer#ACCEPT_BACKLOG}), with
     * the class initialized as it is once a router runs (its initialization sets TCP_NODELAY); -1 if the
     * class cannot be initialized.
     */
    static int routerAcceptBacklog() {
        try {
            Class.forName(RouterHttpServer.class.getName(), true, RouterHttpServer.class.getClassLoader());
            return RouterHttpServer.ACCEPT_BACKLOG;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The kernel's TCP counters that explain stalls of whole seconds: connections the accept queue had
     * no room for (the client's SYN is then resent after 1 s, 3 s, ...), SYNs resent, and delayed ACKs
     * (Nagle's partner). For this network namespace, so other processes in it count too.
     */
    static Map<String, Long> tcpCounters() {
        Map<String, Long> out = new LinkedHashMap<>();
        List<String> wanted = List.of("ListenOverflows", "ListenDrops", "TCPSynRetrans", "DelayedACKs");
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat")).stream()
                    .filter(l -> l.startsWith("TcpExt:")).toList();
            if (lines.size() >= 2) {
                String[] names = lines.get(0).split("\\s+");
                String[] values = lines.get(1).split("\\s+");
                for (int i = 1; i < Math.min(names.length, values.length); i++) {
                    if (wanted.contains(names[i])) {
                        out.put(names[i], Long.parseLong(values[i]));
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or no /proc: the report says nothing about TCP
        }
        return out;
    }

    /**
     * The kernel's CPU pressure total (Linux PSI, "some"): microseconds during which at least one runnable
     * task of the machine waited for a CPU; -1 without PSI. Over a cell, its share of the wall time says
     * how contended the machine was.
     */
    static long cpuStalledMicros() {
        return MachineInfo.procLine("/proc/pressure/cpu").map(line -> {
            int at = line.indexOf("total=");
            return at < 0 ? -1L : Long.parseLong(line.substring(at + "total=".length()).trim());
        }).orElse(-1L);
    }

    private record ThreadCpu(String name, long cpuNanos) {
    }

    private static Map<Long, ThreadCpu> threadCpu(ThreadMXBean threads) {
        Map<Long, ThreadCpu> out = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu >= 0) {
                    out.put(info.getThreadId(), new ThreadCpu(info.getThreadName(), cpu));
                }
            }
        }
        return out;
    }

    /**
     * CPU cores used during the cell by each kind of thread (names with numbers, client ids and phase ids
     * folded together), the busiest first: which part of the pipeline the CPU went to.
     */
    private static Map<String, Double> cpuByThreadGroup(Map<Long, ThreadCpu> before, Map<Long, ThreadCpu> after,
                                                        double wallNanos) {
        Map<String, Double> groups = new HashMap<>();
        after.forEach((id, now) -> {
            ThreadCpu then = before.get(id);
            long used = now.cpuNanos() - (then == null ? 0 : then.cpuNanos());
            groups.merge(threadGroup(now.name()), used / wallNanos, Double::sum);
        });
        Map<String, Double> sorted = new LinkedHashMap<>();
        groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(12)
                .forEach(e -> sorted.put(e.getKey(), Math.round(e.getValue() * 1000) / 1000.0));
        return sorted;
    }

    static String threadGroup(String name) {
        return name.replaceAll("rb\\d{3}-facade-[a-z]+", "<app>")
                .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>")
                .replaceAll("\\d+", "N");
    }

    /**
     * Until the router runs, every simulated deployment has reported healthy to it, and the facade has
     * answered a request (its results reader is positioned).
     */
    private static void awaitReady(RouterApp router, int deployments) throws InterruptedException {
        Instant until = Instant.now().plus(READY_TIMEOUT);
        if (!router.awaitRunning(READY_TIMEOUT)) {
            throw new IllegalStateException("the router did not reach RUNNING within " + READY_TIMEOUT.toSeconds() + " s");
        }
        long healthy = 0;
        while (Instant.now().isBefore(until)) {
            Instant now = Instant.now();
            try {
                List<ProviderStatus> all = router.deployments();
                healthy = all.stream().filter(d -> router.isUsable(d, now)).count();
            } catch (RuntimeException e) {
                healthy = 0; // the store is not queryable during a rebalance
            }
            if (healthy >= deployments) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("only " + healthy + " of " + deployments + " deployments reported healthy within "
                + READY_TIMEOUT.toSeconds() + " s");
    }

    /** The integration guide's payload: a short prompt, a small answer, a time-out the facade answers before the client's. */
    private static byte[] requestBody() {
        return ("{\"model\": \"" + FacadeSimulatorMain.MODEL + "\", \"prompt\": \"Describe a typical day of a nurse.\","
                + " \"temperature\": 0.1, \"max_tokens\": 32, \"region_preference\": null, \"cost_priority\": true,"
                + " \"timeout_seconds\": 20}").getBytes(StandardCharsets.UTF_8);
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static String command(String[] args) {
        String jvm = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
        return "java " + (jvm.isEmpty() ? "" : jvm + " ")
                + "-cp \"tools/benchmarks/target/classes:$(cat tools/benchmarks/target/classpath.txt)\""
                + " io.beacon.bench.BenchMain facade" + (args.length == 0 ? "" : " " + String.join(" ", args));
    }

    /**
     * Routine start and stop lines of the router, worker and clients would bury the progress lines;
     * warnings stay. The producer's retriable-error warnings right after topics are created are
     * silenced, and Streams' note that its state directory is under the temporary directory (on purpose).
     */
    private static void quietLogs() {
        Map<String, Level> levels = Map.of(
                "io.beacon.router", Level.WARN,
                "io.beacon.workers", Level.WARN,
                "io.beacon.kafka", Level.WARN,
                "io.beacon.schemas", Level.WARN,
                "org.apache.kafka.clients.producer.internals.Sender", Level.ERROR,
                "org.apache.kafka.streams.processor.internals.StateDirectory", Level.ERROR);
        levels.forEach((name, level) -> {
            if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(level);
            }
        });
    }
}
