package io.beacon.bench;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.beacon.bench.WorkerBenchFixture.AttemptReader;
import io.beacon.bench.WorkerBenchFixture.Run;
import io.beacon.bench.WorkerBenchFixture.Seen;
import io.beacon.bench.WorkerBenchFixture.WorkerChild;
import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.registry.RegistryHttpServer;
import io.beacon.sim.ProviderSimulator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Worker efficiency against the physical limit (issue 4): with a simulated deployment of fixed latency L and
 * concurrency C, Little's law caps any worker at C/L jobs per second; one worker process should sustain at
 * least 0.9 x C/L with a bounded heap. Measured for L = 200 ms, C = 64 and L = 2 s, C = 256.
 *
 * <p>Layout: this JVM hosts the embedded broker, the schema registry (over HTTP), the simulator and the reader
 * of attempts; the worker runs in its own JVM ({@link WorkerProcessMain}, {@code -Xmx512m}) so its heap is
 * measured alone. Jobs are produced ahead; the rate counts attempts by the time the worker published them
 * (record timestamps), over a steady window after a warm-up.
 *
 * <p>It also answers the issue's design question with measurements: the same load on a minimal share-group
 * worker ({@link WorkerShareGroupVariant}, KIP-932, explicit per-record acknowledgement), and what happens
 * to both when their process is killed with {@code kill -9}.
 *
 * <p>Arguments: {@code --warmup=S} (10), {@code --window=S} (30), {@code --no-crash}, {@code --no-share},
 * {@code --quick} (warm-up 5 s, window 10 s, no crash runs).
 */
public final class WorkerBenchmark implements BenchMain.Benchmark {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerBenchmark.class);
    private static final double TARGET_RATIO = 0.9;
    private static final String CHILD_HEAP = "512m";
    private static final Path RESULTS = Path.of("tools", "benchmarks", "results");
    private static final double MB = 1024.0 * 1024.0;
    /** Shape of the log-normal latency of the skewed runs: p99 is about 3.2 x the median, the mean 1.13 x. */
    private static final double SKEW_SIGMA = 0.5;

    private record Options(int warmupS, int windowS, boolean crash, boolean share) {
        /** The comparison runs (share group, skewed latency) need less time to tell their story. */
        Options comparison() {
            return new Options(warmupS, Math.min(windowS, 20), crash, share);
        }

        static Options parse(String[] args) {
            int warmup = 10;
            int window = 30;
            boolean crash = true;
            boolean share = true;
            for (String a : args) {
                if (a.startsWith("--warmup=")) {
                    warmup = Integer.parseInt(a.substring("--warmup=".length()));
                } else if (a.startsWith("--window=")) {
                    window = Integer.parseInt(a.substring("--window=".length()));
                } else if (a.equals("--no-crash")) {
                    crash = false;
                } else if (a.equals("--no-share")) {
                    share = false;
                } else if (a.equals("--quick")) {
                    warmup = 5;
                    window = 10;
                    crash = false;
                } else {
                    throw new IllegalArgumentException("unknown argument " + a
                            + " (known: --warmup=S --window=S --no-crash --no-share --quick)");
                }
            }
            return new Options(warmup, window, crash, share);
        }
    }

    /** One steady-state measurement. */
    record CaseResult(String variant, long latencyMs, int concurrency, int consumers, double limitPerS,
                      double jobsPerS, double ratio, long attemptsInWindow, long failedInWindow, double meanCallMs,
                      double meanInFlight, int simPeakInFlight, long simRejected, long peakHeapUsedBytes,
                      long peakHeapAfterGcBytes, long heapMaxBytes, boolean complete, Baseline baseline,
                      double cpuMsPerJob) {
        boolean meetsTarget() {
            return ratio >= TARGET_RATIO;
        }

        double ofBaseline() {
            return baseline == null || baseline.jobsPerS() <= 0 ? Double.NaN : jobsPerS / baseline.jobsPerS();
        }
    }

    /** The HTTP baseline for one (L, C): the worker's client alone against a fresh simulator. */
    record Baseline(double jobsPerS, long meanCallMs, long failed, double cpuMsPerCall) {
    }

    /** One kill -9 and restart. */
    record CrashResult(String variant, int jobs, long attemptsBeforeKill, int exitStatus, long resumeAfterMs,
                       long completeAfterMs, long longestStallMs, long duplicates, long lost, String redelivery) {
    }

    public WorkerBenchmark() {
    }

    @Override
    public int run(String[] args) throws Exception {
        Options options = Options.parse(args);
        // The simulators run on the JDK's HttpServer, which, unlike Ollama's Go server, leaves Nagle's algorithm
        // on: every response (headers, then body) then waits ~40 ms for a delayed ACK. Real servers do not.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        quietLogs();
        Instant started = Instant.now();
        Map<String, Object> machine = machineFacts();
        machine.put("load_at_start", loadFacts());
        List<CaseResult> cases = new ArrayList<>();
        List<CrashResult> crashes = new ArrayList<>();
        long benchJvmPeakHeap;
        try (WorkerHeapSampler benchHeap = new WorkerHeapSampler().start();
             EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().freePorts().build().start();
             RegistryHttpServer registry = new RegistryHttpServer(new InMemorySchemaRegistry(), "127.0.0.1", 0).start();
             WorkerBenchFixture fixture = new WorkerBenchFixture(broker.bootstrapServers(), registry.url(),
                     Path.of("tools", "benchmarks", "target", "worker-bench"))) {
            Baseline fast = baseline(fixture, options, Duration.ofMillis(200), 64);
            cases.add(throughput(fixture, options, "worker", Duration.ofMillis(200), 0.0, 64, 1, fast));
            Baseline slow = baseline(fixture, options, Duration.ofSeconds(2), 256);
            cases.add(throughput(fixture, options, "worker", Duration.ofSeconds(2), 0.0, 256, 1, slow));
            if (options.share()) {
                Options compare = options.comparison();
                cases.add(throughput(fixture, compare, "share", Duration.ofMillis(200), 0.0, 64, 1, fast));
                cases.add(throughput(fixture, compare, "share", Duration.ofMillis(200), 0.0, 64, 4, fast));
                // Real LLM latencies are skewed: a wave of a share consumer waits for its slowest call.
                cases.add(throughput(fixture, compare, "worker", Duration.ofMillis(200), SKEW_SIGMA, 64, 1, null));
                cases.add(throughput(fixture, compare, "share", Duration.ofMillis(200), SKEW_SIGMA, 64, 4, null));
            }
            if (options.crash()) {
                crashes.add(crash(fixture, "worker", Duration.ofMillis(200), 64, 1));
                if (options.share()) {
                    crashes.add(crash(fixture, "share", Duration.ofMillis(200), 64, 1));
                }
            }
            benchJvmPeakHeap = benchHeap.peakUsedBytes();
        }
        machine.put("load_at_end", loadFacts());
        Duration took = Duration.between(started, Instant.now());
        String table = table(cases, crashes);
        System.out.println(table);
        write(options, machine, cases, crashes, benchJvmPeakHeap, took, table);
        // The issue's target: the two fixed-latency cases.
        boolean pass = cases.stream().filter(c -> c.variant().equals(variantName("worker", 1)))
                .allMatch(CaseResult::meetsTarget);
        System.out.println(pass ? "PASS: the worker sustains >= 0.9 x C/L in every case"
                : "FAIL: the worker fell below 0.9 x C/L in at least one case");
        return pass ? 0 : 1;
    }

    private static void quietLogs() {
        for (String name : List.of("io.beacon.sim", "io.beacon.schemas", "io.beacon.kafka")) {
            org.slf4j.Logger logger = LoggerFactory.getLogger(name);
            if (logger instanceof ch.qos.logback.classic.Logger logback) {
                logback.setLevel(Level.WARN);
            }
        }
    }

    private static String variantName(String mode, int consumers) {
        return mode.equals("worker") ? "consumer-group worker"
                : "share-group variant (" + consumers + (consumers == 1 ? " consumer)" : " consumers)");
    }

    private Baseline baseline(WorkerBenchFixture fixture, Options options, Duration latency, int concurrency)
            throws Exception {
        String name = "http-l" + latency.toMillis() + "-c" + concurrency;
        Run run = fixture.newRun(name);
        Duration warmup = Duration.ofSeconds(Math.min(5, options.warmupS()));
        Duration window = Duration.ofSeconds(Math.min(10, options.windowS()));
        try (ProviderSimulator sim = WorkerBenchFixture.simulator(run, latency, concurrency)) {
            Path props = fixture.writeProperties(run, sim, concurrency, concurrency * 4, Map.of());
            WorkerHttpBaseline.Result r = fixture.baseline(props, name, warmup, window);
            Baseline b = new Baseline(r.callsInWindow() / (double) window.toSeconds(), r.meanCallMs(), r.failed(),
                    r.callsInWindow() == 0 || r.cpuMsInWindow() < 0 ? Double.NaN
                            : r.cpuMsInWindow() / (double) r.callsInWindow());
            LOG.info("{}: {} (simulator peak in flight {})", name, b, sim.stats().peakInFlight());
            return b;
        }
    }

    /**
     * @param sigma 0 for a fixed latency {@code latency}; else the shape of a log-normal latency of median
     *              {@code latency}, whose mean is {@code latency x exp(sigma^2 / 2)}
     */
    private CaseResult throughput(WorkerBenchFixture fixture, Options options, String mode, Duration latency,
                                  double sigma, int concurrency, int consumers, Baseline baseline) throws Exception {
        String name = mode + "-l" + latency.toMillis() + (sigma == 0.0 ? "" : "-skewed") + "-c" + concurrency + "-k"
                + consumers;
        Run run = fixture.newRun(name);
        double meanLatencyS = latency.toMillis() / 1000.0 * Math.exp(sigma * sigma / 2);
        double limit = concurrency / meanLatencyS;
        int jobs = (int) Math.ceil(limit * (options.warmupS() + options.windowS() + 5) * 1.15) + concurrency;
        LOG.info("{}: L={} ms C={} limit={}/s, producing {} jobs", name, latency.toMillis(), concurrency,
                String.format(Locale.ROOT, "%.0f", limit), jobs);
        try (ProviderSimulator sim = WorkerBenchFixture.simulator(run, latency, sigma, concurrency);
             AttemptReader reader = fixture.attempts(run)) {
            long t0 = System.nanoTime();
            fixture.produceJobs(run, jobs, latency);
            long t1 = System.nanoTime();
            if (mode.equals("share")) {
                fixture.startShareGroupAtEarliest(run.group());
            }
            LOG.info("{}: {} jobs produced in {} ms{}", name, jobs, (t1 - t0) / 1_000_000, mode.equals("share")
                    ? ", share group configured in " + (System.nanoTime() - t1) / 1_000_000 + " ms" : "");
            Path props = fixture.writeProperties(run, sim, concurrency, concurrency * 4,
                    Map.of(WorkerShareGroupVariant.CONSUMERS, Integer.toString(consumers)));
            try (WorkerChild child = fixture.startChild(mode, props, name, CHILD_HEAP)) {
                long windowStart = -1;
                long windowEnd = -1;
                long giveUpAt = System.currentTimeMillis() + 90_000 + (options.warmupS() + options.windowS()) * 1000L;
                // The simulator's load, sampled on a timer of its own (sampling when attempts arrive would only
                // ever see the moments after calls finished).
                List<long[]> inFlight = Collections.synchronizedList(new ArrayList<>());
                ScheduledExecutorService sampler =
                        Executors.newSingleThreadScheduledExecutor();
                sampler.scheduleAtFixedRate(() -> inFlight.add(new long[] {System.currentTimeMillis(),
                        sim.stats().inFlight()}), 0, 50, TimeUnit.MILLISECONDS);
                long maxTs = 0;
                long cpuAtStart = -1;
                long cpuAtEnd = -1;
                while (System.currentTimeMillis() < giveUpAt) {
                    reader.poll(Duration.ofMillis(200));
                    List<Seen> seen = reader.seen();
                    if (windowStart < 0 && !seen.isEmpty()) {
                        long first = seen.stream().mapToLong(Seen::publishedAtMs).min().orElseThrow();
                        windowStart = first + options.warmupS() * 1000L;
                        windowEnd = windowStart + options.windowS() * 1000L;
                    }
                    long now = System.currentTimeMillis();
                    if (windowStart > 0 && cpuAtStart < 0 && now >= windowStart) {
                        cpuAtStart = child.cpuMs();
                    }
                    if (windowEnd > 0 && cpuAtEnd < 0 && now >= windowEnd) {
                        cpuAtEnd = child.cpuMs();
                    }
                    for (int i = Math.max(0, seen.size() - 5000); i < seen.size(); i++) {
                        maxTs = Math.max(maxTs, seen.get(i).publishedAtMs());
                    }
                    if ((windowEnd > 0 && maxTs >= windowEnd + 1000) || seen.size() >= jobs) {
                        break;
                    }
                }
                sampler.shutdownNow();
                long ws = windowStart;
                long we = windowEnd;
                List<Seen> inWindow = reader.seen().stream()
                        .filter(s -> ws > 0 && s.publishedAtMs() >= ws && s.publishedAtMs() < we).toList();
                boolean complete = windowEnd > 0 && maxTs >= windowEnd;
                double rate = inWindow.size() / (double) options.windowS();
                double meanCall = inWindow.stream().mapToLong(Seen::callMs).average().orElse(Double.NaN);
                double meanInFlight;
                synchronized (inFlight) {
                    meanInFlight = inFlight.stream().filter(x -> x[0] >= ws && x[0] < we).mapToLong(x -> x[1])
                            .average().orElse(Double.NaN);
                }
                CaseResult result = new CaseResult(variantName(mode, consumers) + (sigma == 0.0 ? ""
                        : ", skewed L"), latency.toMillis(), concurrency,
                        consumers, limit, rate, rate / limit, inWindow.size(),
                        inWindow.stream().filter(s -> !s.succeeded()).count(), meanCall, meanInFlight,
                        sim.stats().peakInFlight(), sim.stats().rejected(), child.peakUsedBytes(),
                        child.peakAfterGcBytes(), child.maxBytes(), complete, baseline,
                        cpuAtStart < 0 || cpuAtEnd < 0 || inWindow.isEmpty() ? Double.NaN
                                : (cpuAtEnd - cpuAtStart) / (double) inWindow.size());
                LOG.info("{}: {}", name, result);
                return result;
            }
        }
    }

    private CrashResult crash(WorkerBenchFixture fixture, String mode, Duration latency, int concurrency,
                              int consumers) throws Exception {
        String name = "crash-" + mode + "-l" + latency.toMillis() + "-c" + concurrency;
        Run run = fixture.newRun(name);
        double limit = concurrency / (latency.toMillis() / 1000.0);
        int jobs = (int) Math.ceil(limit * 10);
        try (ProviderSimulator sim = WorkerBenchFixture.simulator(run, latency, concurrency);
             AttemptReader reader = fixture.attempts(run)) {
            List<String> ids = fixture.produceJobs(run, jobs, latency);
            if (mode.equals("share")) {
                fixture.startShareGroupAtEarliest(run.group());
            }
            // Default session time-out and lock duration: what a deployment gets without tuning.
            Path props = fixture.writeProperties(run, sim, concurrency, concurrency * 4,
                    Map.of(WorkerShareGroupVariant.CONSUMERS, Integer.toString(consumers)));
            WorkerChild first = fixture.startChild(mode, props, name + "-1", CHILD_HEAP);
            WorkerChild second = null;
            try {
                long until = System.currentTimeMillis() + 90_000;
                while (reader.seen().size() < limit * 4 && System.currentTimeMillis() < until) {
                    reader.poll(Duration.ofMillis(100));
                }
                long before = reader.seen().size();
                long killedAt = System.currentTimeMillis();
                int exit = first.kill9();
                second = fixture.startChild(mode, props, name + "-2", CHILD_HEAP);
                Set<String> done = new HashSet<>();
                until = System.currentTimeMillis() + 180_000;
                while (System.currentTimeMillis() < until) {
                    reader.poll(Duration.ofMillis(200));
                    done = reader.seen().stream().map(Seen::jobId).collect(Collectors.toSet());
                    if (done.containsAll(ids)) {
                        break;
                    }
                }
                // Let stragglers (late duplicates) arrive.
                long quietUntil = System.currentTimeMillis() + 2_000;
                while (System.currentTimeMillis() < quietUntil) {
                    reader.poll(Duration.ofMillis(200));
                }
                List<Seen> seen = reader.seen();
                Map<String, Long> byWorker = seen.stream().filter(s -> s.publishedAtMs() < killedAt)
                        .collect(Collectors.groupingBy(Seen::workerId, Collectors.counting()));
                String killedWorker = byWorker.entrySet().stream().max(Map.Entry.comparingByValue())
                        .map(Map.Entry::getKey).orElse("");
                long resume = seen.stream().filter(s -> !s.workerId().equals(killedWorker))
                        .mapToLong(Seen::publishedAtMs).min().orElse(killedAt) - killedAt;
                Map<String, Long> firstAttemptAt = new HashMap<>();
                for (Seen s : seen) {
                    firstAttemptAt.merge(s.jobId(), s.publishedAtMs(), Math::min);
                }
                long complete = firstAttemptAt.values().stream().mapToLong(Long::longValue).max().orElse(killedAt)
                        - killedAt;
                List<Long> after = seen.stream().map(Seen::publishedAtMs).filter(t -> t >= killedAt).sorted().toList();
                long stall = 0;
                long previous = killedAt;
                for (long t : after) {
                    stall = Math.max(stall, t - previous);
                    previous = t;
                }
                long unique = seen.stream().map(s -> s.jobId() + "#" + s.attempt()).distinct().count();
                long lost = ids.stream().filter(id -> !firstAttemptAt.containsKey(id)).count();
                String redelivery = mode.equals("worker")
                        ? "uncommitted offsets, once the dead member's group session expires (session.timeout.ms 45 s)"
                        : "records the dead consumer held, once their acquisition lock expires"
                        + " (share.record.lock.duration.ms 30 s)";
                CrashResult result = new CrashResult(variantName(mode, consumers), jobs, before, exit, resume,
                        complete, stall, seen.size() - unique, lost, redelivery);
                LOG.info("{}: {}", name, result);
                return result;
            } finally {
                first.close();
                if (second != null) {
                    second.close();
                }
            }
        }
    }

    private static Map<String, Object> machineFacts() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("nproc", Runtime.getRuntime().availableProcessors());
        facts.put("memory", memTotal());
        facts.put("cpu", cpuModel());
        facts.put("java_version", javaVersion());
        facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        return facts;
    }

    /** Load average and CPU pressure: this machine is shared, and a busy neighbour slows every figure here. */
    private static String loadFacts() {
        String load;
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            load = "load average " + parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            load = "load average unknown";
        }
        try {
            String cpu = Files.readAllLines(Path.of("/proc/pressure/cpu")).get(0);
            load += "; CPU pressure " + cpu.replace("some ", "");
        } catch (IOException | RuntimeException e) {
            // no PSI on this kernel
        }
        return load;
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> {
                        long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                        return String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                    }).findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** What {@code java -version} prints for the JVM running this benchmark (and its worker processes). */
    private static String javaVersion() {
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-version").redirectErrorStream(true).start();
            try (InputStream in = p.getInputStream()) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
                p.waitFor();
                return text.replace("\n", " | ");
            }
        } catch (IOException | InterruptedException e) {
            return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        }
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MB", bytes / MB);
    }

    private static String table(List<CaseResult> cases, List<CrashResult> crashes) {
        StringBuilder out = new StringBuilder();
        out.append("| variant | L | C | limit C/L | jobs/s | x C/L | HTTP baseline | x baseline | mean call"
                + " | mean in flight | peak in flight (sim) | CPU per job (baseline) | peak heap used | peak heap after GC"
                + " | failed |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (CaseResult c : cases) {
            Baseline b = c.baseline();
            out.append(String.format(Locale.ROOT, "| %s | %d ms | %d | %.0f/s | %.1f/s | %.3f%s | %s | %s | %.0f ms"
                            + " | %.1f | %d | %s | %s | %s | %d |%n", c.variant(), c.latencyMs(),
                    c.concurrency(), c.limitPerS(), c.jobsPerS(), c.ratio(), c.complete() ? "" : " (incomplete)",
                    b == null ? "n/a" : String.format(Locale.ROOT, "%.1f/s (%d ms)", b.jobsPerS(), b.meanCallMs()),
                    b == null ? "n/a" : String.format(Locale.ROOT, "%.2f", c.ofBaseline()), c.meanCallMs(),
                    c.meanInFlight(), c.simPeakInFlight(),
                    String.format(Locale.ROOT, "%.2f ms", c.cpuMsPerJob())
                            + (b == null ? "" : String.format(Locale.ROOT, " (%.2f ms)", b.cpuMsPerCall())),
                    mb(c.peakHeapUsedBytes()), mb(c.peakHeapAfterGcBytes()), c.failedInWindow()));
        }
        if (!crashes.isEmpty()) {
            out.append("\n| kill -9 at L=200 ms, C=64 | jobs | attempts before kill | exit | first attempt after"
                    + " restart | all jobs attempted | longest stall | duplicates | lost |\n");
            out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (CrashResult c : crashes) {
                out.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f s | %.1f s | %.1f s | %d | %d |%n",
                        c.variant(), c.jobs(), c.attemptsBeforeKill(), c.exitStatus(), c.resumeAfterMs() / 1000.0,
                        c.completeAfterMs() / 1000.0, c.longestStallMs() / 1000.0, c.duplicates(), c.lost()));
            }
        }
        return out.toString();
    }

    private static CaseResult find(List<CaseResult> cases, String variantPrefix, long latencyMs, int consumers,
                                   boolean skewed) {
        return cases.stream().filter(c -> c.variant().startsWith(variantPrefix) && c.latencyMs() == latencyMs
                && c.consumers() == consumers && c.variant().contains("skewed") == skewed).findFirst().orElse(null);
    }

    private void write(Options options, Map<String, Object> machine, List<CaseResult> cases,
                       List<CrashResult> crashes, long benchJvmPeakHeap, Duration took, String table)
            throws IOException {
        Files.createDirectories(RESULTS);
        String decision = decision(cases, crashes);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "worker");
        json.put("title", "Worker efficiency (Little's law)");
        json.put("command", "./tools/benchmarks/run worker");
        json.put("finished_at", Instant.now().toString());
        json.put("duration_s", took.toSeconds());
        json.put("machine", machine);
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("warmup_s", options.warmupS());
        setup.put("window_s", options.windowS());
        setup.put("target_ratio", TARGET_RATIO);
        setup.put("worker_jvm", "separate process, -Xmx" + CHILD_HEAP);
        setup.put("benchmark_jvm", "embedded broker + schema registry (HTTP) + simulator + attempt reader");
        setup.put("benchmark_jvm_peak_heap_used_mb", Math.round(benchJvmPeakHeap / MB));
        setup.put("max_outstanding", "4 x C");
        json.put("setup", setup);
        List<Map<String, Object>> caseJson = new ArrayList<>();
        for (CaseResult c : cases) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", c.variant());
            m.put("latency_ms", c.latencyMs());
            m.put("latency", c.variant().contains("skewed")
                    ? "log-normal, median " + c.latencyMs() + " ms, sigma " + SKEW_SIGMA : "fixed");
            m.put("concurrency", c.concurrency());
            m.put("consumers", c.consumers());
            m.put("limit_jobs_per_s", round(c.limitPerS()));
            m.put("jobs_per_s", round(c.jobsPerS()));
            m.put("ratio", Math.round(c.ratio() * 1000) / 1000.0);
            m.put("meets_0_9", c.meetsTarget());
            if (c.baseline() != null) {
                m.put("http_baseline_jobs_per_s", round(c.baseline().jobsPerS()));
                m.put("http_baseline_mean_call_ms", c.baseline().meanCallMs());
                m.put("ratio_to_baseline", Math.round(c.ofBaseline() * 1000) / 1000.0);
            }
            m.put("attempts_in_window", c.attemptsInWindow());
            m.put("worker_cpu_ms_per_job", round(c.cpuMsPerJob()));
            if (c.baseline() != null) {
                m.put("http_baseline_cpu_ms_per_call", round(c.baseline().cpuMsPerCall()));
            }
            m.put("failed_in_window", c.failedInWindow());
            m.put("mean_call_ms", round(c.meanCallMs()));
            m.put("mean_in_flight", round(c.meanInFlight()));
            m.put("sim_peak_in_flight", c.simPeakInFlight());
            m.put("sim_rejected", c.simRejected());
            m.put("peak_heap_used_mb", Math.round(c.peakHeapUsedBytes() / MB));
            m.put("peak_heap_after_gc_mb", Math.round(c.peakHeapAfterGcBytes() / MB));
            m.put("heap_max_mb", Math.round(c.heapMaxBytes() / MB));
            m.put("window_complete", c.complete());
            caseJson.add(m);
        }
        json.put("cases", caseJson);
        List<Map<String, Object>> crashJson = new ArrayList<>();
        for (CrashResult c : crashes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", c.variant());
            m.put("jobs", c.jobs());
            m.put("attempts_before_kill", c.attemptsBeforeKill());
            m.put("exit_status", c.exitStatus());
            m.put("first_attempt_after_restart_s", c.resumeAfterMs() / 1000.0);
            m.put("all_jobs_attempted_after_s", c.completeAfterMs() / 1000.0);
            m.put("longest_stall_s", c.longestStallMs() / 1000.0);
            m.put("duplicates", c.duplicates());
            m.put("lost", c.lost());
            m.put("redelivery", c.redelivery());
            crashJson.add(m);
        }
        json.put("crash", crashJson);
        json.put("decision", decision);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(RESULTS.resolve("worker.json").toFile(),
                json);

        StringBuilder md = new StringBuilder();
        md.append("## Worker efficiency (Little's law)\n\n");
        md.append("Command: `./tools/benchmarks/run worker` (writes `tools/benchmarks/results/worker.json` and this file;"
                + " `--quick` for a short run).\n\n");
        md.append(String.format(Locale.ROOT, "Machine: %s CPUs (%s), %s memory, %s; %s. The machine is shared:"
                        + " at the start %s; at the end %s.%n%n", machine.get("nproc"), machine.get("cpu"),
                machine.get("memory"), machine.get("os"), machine.get("java_version"), machine.get("load_at_start"),
                machine.get("load_at_end")));
        md.append(String.format(Locale.ROOT, "Setup: one simulated Golem node (Ollama API) of fixed latency L that"
                        + " runs C calls at once and never turns one away; one worker process (its own JVM, -Xmx%s)"
                        + " with the deployment's capacity C and max.outstanding 4 x C; routed jobs produced ahead."
                        + " The rate counts attempts by the time the worker published them, over a %d s window after"
                        + " a %d s warm-up. The benchmark's own JVM hosts the embedded broker, the schema registry,"
                        + " the simulator and the reader (peak heap used %s). The comparison runs (share group,"
                        + " skewed latency) use a %d s window, the HTTP baselines 10 s after 5 s. The simulators'"
                        + " JDK HTTP server runs with TCP_NODELAY (sun.net.httpserver.nodelay=true), as Ollama's Go"
                        + " server does; without it every call waits about 40 ms for a delayed ACK. Heap of the"
                        + " worker JVM, over its whole life: 'used' is sampled every %d ms and includes garbage not"
                        + " yet collected; 'after GC' is the most heap left right after any collection (from the"
                        + " collector's notifications), i.e. what the worker retains. Whole run: %d s.%n%n",
                CHILD_HEAP, options.windowS(),
                options.warmupS(), mb(benchJvmPeakHeap), options.comparison().windowS(), WorkerHeapSampler.PERIOD_MS,
                took.toSeconds()));
        md.append(table).append('\n');
        md.append("Limit C/L is Little's law for the deployment: no worker can finish more than C calls per L"
                + " (for the 'skewed L' runs, whose latency is log-normal with median L, it is C / mean latency)."
                + " 'HTTP baseline' is the worker's own provider client keeping C calls in flight against a fresh"
                + " simulator of the same L and C, in its own JVM, with no Kafka at all: what the HTTP stack and the"
                + " simulator allow on this machine at that moment (its mean call time in brackets); 'x baseline'"
                + " is the worker's share of it. 'mean call' is the attempt's wall time as the worker measured it"
                + " (L plus HTTP and scheduling overhead); 'mean in flight' is the simulator's load, sampled every"
                + " 50 ms during the window. By Little's law jobs/s = mean in flight / mean call: a worker that keeps"
                + " C calls in flight is limited only by how long each call takes. 'CPU per job' is the worker"
                + " process's CPU time during the window divided by the jobs it finished (the baseline's per call in"
                + " brackets): the cost of Kafka, Avro, offsets and logging on top of the HTTP call, a figure less"
                + " sensitive than rates to how busy the machine is.\n\n");
        md.append("### Decision: consumer group with offset tracking, not a share group\n\n").append(decision)
                .append('\n');
        Files.writeString(RESULTS.resolve("worker.md"), md.toString(), StandardCharsets.UTF_8);
    }

    /** One decimal; null (not NaN, which JSON lacks) when there is no figure. */
    private static Double round(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 10) / 10.0;
    }

    /** The design answer, with this run's figures. */
    private static String decision(List<CaseResult> cases, List<CrashResult> crashes) {
        CaseResult worker = find(cases, "consumer-group", 200, 1, false);
        CaseResult share1 = find(cases, "share-group", 200, 1, false);
        CaseResult share4 = find(cases, "share-group", 200, 4, false);
        CaseResult workerSkewed = find(cases, "consumer-group", 200, 1, true);
        CaseResult share4Skewed = find(cases, "share-group", 200, 4, true);
        CrashResult workerCrash = crashes.stream().filter(c -> c.variant().startsWith("consumer-group")).findFirst()
                .orElse(null);
        CrashResult shareCrash = crashes.stream().filter(c -> c.variant().startsWith("share-group")).findFirst()
                .orElse(null);
        StringBuilder d = new StringBuilder();
        if (worker != null && share1 != null) {
            d.append(String.format(Locale.ROOT, "- Throughput at L = 200 ms, C = 64: the consumer-group worker ran"
                    + " %.1f jobs/s (%.2f x C/L); the share-group variant %.1f jobs/s (%.2f x C/L) with one share"
                    + " consumer", worker.jobsPerS(), worker.ratio(), share1.jobsPerS(), share1.ratio()));
            if (share4 != null) {
                d.append(String.format(Locale.ROOT, " and %.1f jobs/s (%.2f x C/L) with four", share4.jobsPerS(),
                        share4.ratio()));
            }
            d.append(". In explicit acknowledgement mode a share consumer must acknowledge every record of a poll"
                    + " before it may poll again, so its calls run in waves: a wave lasts as long as its slowest"
                    + " call, and the poll and acknowledgement round trip between waves is time with no call in"
                    + " flight. The worker keeps its lanes full continuously: a finished call frees its slot for the"
                    + " next queued job at once, independent of polls and commits. With fixed latency the waves"
                    + " are as kind as they can be to the share group; with real, skewed LLM latencies every wave"
                    + " waits for its straggler.\n");
        }
        if (workerSkewed != null && share4Skewed != null) {
            d.append(String.format(Locale.ROOT, "- Skewed latency (log-normal, median 200 ms, sigma %.1f: mean %.0f ms,"
                            + " p99 about 3 x the median; limit C/mean L = %.0f/s): the worker ran %.1f jobs/s (%.2f x"
                            + " the limit), the share group with four consumers %.1f jobs/s (%.2f x): each of its"
                            + " waves waits for its slowest call.%n", SKEW_SIGMA,
                    200 * Math.exp(SKEW_SIGMA * SKEW_SIGMA / 2), workerSkewed.limitPerS(), workerSkewed.jobsPerS(),
                    workerSkewed.ratio(), share4Skewed.jobsPerS(), share4Skewed.ratio()));
        }
        if (workerCrash != null && shareCrash != null) {
            d.append(String.format(Locale.ROOT, "- On kill -9 neither loses a job (lost: %d and %d). The worker's"
                            + " successor made its first attempt %.1f s after the kill (the dead member holds its"
                            + " partitions until the group coordinator drops it, at the latest when its session times"
                            + " out: session.timeout.ms, 45 s by default), and every job had an attempt %.1f s after"
                            + " the kill, with %d duplicate attempts (jobs attempted again because their offsets were"
                            + " not committed yet; bounded by max.outstanding). The share group's successor made its"
                            + " first attempt after %.1f s, but the records the dead consumer had acquired came back only"
                            + " when their acquisition locks expired (30 s by default): every"
                            + " job had an attempt %.1f s after the kill, %d duplicates. Both delays are timeouts a"
                            + " deployment can shorten (session.timeout.ms or static membership;"
                            + " share.record.lock.duration.ms).%n", workerCrash.lost(), shareCrash.lost(),
                    workerCrash.resumeAfterMs() / 1000.0, workerCrash.completeAfterMs() / 1000.0,
                    workerCrash.duplicates(), shareCrash.resumeAfterMs() / 1000.0,
                    shareCrash.completeAfterMs() / 1000.0, shareCrash.duplicates()));
        }
        boolean workerMeets = cases.stream().filter(c -> c.variant().equals(variantName("worker", 1)))
                .allMatch(CaseResult::meetsTarget);
        if (worker != null && !Double.isNaN(worker.cpuMsPerJob()) && worker.baseline() != null) {
            d.append(String.format(Locale.ROOT, "- Cost: the worker used %.2f ms of CPU per job, the bare HTTP"
                            + " client %.2f ms per call: Kafka, Avro, offset tracking and a log line per attempt add"
                            + " little to the call itself. Its heap after collection stayed at or below %s with"
                            + " max.outstanding = 4 x C (the jobs it holds are what it retains).%n",
                    worker.cpuMsPerJob(), worker.baseline().cpuMsPerCall(),
                    mb(cases.stream().filter(c -> c.variant().startsWith("consumer-group"))
                            .mapToLong(CaseResult::peakHeapAfterGcBytes).max().orElse(-1))));
        }
        d.append("- Why the consumer group stays: ").append(workerMeets
                ? "it reaches 0.9 x C/L with one consumer and a bounded heap; "
                : "it comes closest to C/L with one consumer and a bounded heap (below 0.9 in this run: see the"
                + " baseline column for what the machine allowed); ")
                .append("its duplicates after a crash are bounded by max.outstanding and the router absorbs them; it"
                + " reads only committed jobs (read_committed) like every other Beacon consumer; and it runs on any"
                + " Kafka the runner's team may point it at, where share groups need brokers of 4.2 or later. A share"
                + " group would need several consumers (connections and threads each) per worker to keep C calls in"
                + " flight, a group config set through Admin before the first start (share.auto.offset.reset, and"
                + " share.isolation.level, which defaults to read_uncommitted), lock renewal (RENEW) for calls"
                + " longer than the 30 s lock, and it archives a record after share.delivery.count.limit (5)"
                + " deliveries: a job that crashes its workers five times is dropped without an attempt, which the"
                + " router would only notice at the deadline.\n");
        d.append("- What would change the decision: many workers per provider with skewed per-job latency (share"
                + " groups scale consumers past the partition count without head-of-line blocking of commits),"
                + " once one share consumer can keep records in flight across polls.\n");
        return d.toString();
    }
}
