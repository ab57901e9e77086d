package io.beacon.bench.router;

import io.beacon.bench.router.Results.Latency;
import io.beacon.bench.router.Results.Profile;
import io.beacon.bench.router.Results.SweepPoint;
import io.beacon.bench.router.Results.Throughput;
import io.beacon.bench.router.Results.ThroughputRun;
import io.beacon.bench.router.RouterBenchReport.Comparison;
import io.beacon.bench.router.RouterBenchReport.PunctuatorCost;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.RoutedJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the router benchmark runs, in order: a warm-up, the throughput comparison (interleaved repeats),
 * the latency runs, the commit-interval sweep and the diagnostics. Every run is a phase of its own
 * (see {@link RouterBenchRunner}); this class only decides which and puts the figures together.
 */
public final class RouterBenchPlan {

    private static final Logger LOG = LoggerFactory.getLogger(RouterBenchPlan.class);
    /** Effectively off: for the diagnostic runs that show what the wall-clock punctuator costs. */
    private static final String SCAN_OFF_MS = "3600000";
    /** Kafka Streams' own producer linger, which the router overrides with 5 ms. */
    private static final String STREAMS_LINGER_MS = "100";

    private final BenchKafka kafka;
    private final RouterBenchOptions options;
    private final RouterBenchRunner runner;
    private final SyntheticJobs jobs;
    private final long alosCommitMs = RouterConfig.defaultCommitIntervalMs(StreamsConfig.AT_LEAST_ONCE);
    private final long eosCommitMs = RouterConfig.defaultCommitIntervalMs(StreamsConfig.EXACTLY_ONCE_V2);
    private final Subject pipePlain;
    private final Subject pipeTxn;
    private final Subject routerAlos;
    private final Subject routerEos;

    public RouterBenchPlan(BenchKafka kafka, RouterBenchOptions options, RouterBenchRunner runner,
                           SyntheticJobs jobs) {
        this.kafka = kafka;
        this.options = options;
        this.runner = runner;
        this.jobs = jobs;
        this.pipePlain = new Subject.Pipe(RoutingPipe.Mode.PLAIN, alosCommitMs);
        this.pipeTxn = new Subject.Pipe(RoutingPipe.Mode.TRANSACTIONAL, eosCommitMs);
        this.routerAlos = Subject.Router.of(StreamsConfig.AT_LEAST_ONCE, alosCommitMs);
        this.routerEos = Subject.Router.of(StreamsConfig.EXACTLY_ONCE_V2, eosCommitMs);
    }

    /** Runs everything and returns the report; {@code machine} gets the load average at the end. */
    public RouterBenchReport run(String command, Map<String, Object> machine, long startNanos) throws Exception {
        // Interleaved, so a slow minute of the machine does not land on one subject only.
        List<Subject> compared = List.of(pipePlain, routerAlos, pipeTxn, routerEos);
        for (Subject subject : compared) {
            ThroughputRun run = runner.throughput(subject, options.warmupRecords());
            LOG.info("warm-up {}: {} records/s", subject.label(), perSecond(run.recordsPerSecond()));
        }
        Map<Subject, List<ThroughputRun>> runs = new LinkedHashMap<>();
        for (int i = 1; i <= options.repeat(); i++) {
            for (Subject subject : compared) {
                runs.computeIfAbsent(subject, s -> new ArrayList<>()).add(throughputRun(subject, i, options.repeat()));
            }
        }
        Throughput plain = Throughput.of(pipePlain, runs.get(pipePlain));
        Throughput txn = Throughput.of(pipeTxn, runs.get(pipeTxn));
        Throughput alos = Throughput.of(routerAlos, runs.get(routerAlos));
        Throughput eos = Throughput.of(routerEos, runs.get(routerEos));

        List<Latency> latency = new ArrayList<>();
        latency.add(latency(new Subject.Raw()));
        latency.add(latency(pipePlain));
        latency.add(latency(pipeTxn));
        Latency alosLatency = latency(routerAlos);
        Latency eosLatency = latency(routerEos);
        latency.add(alosLatency);
        latency.add(eosLatency);

        List<SweepPoint> sweep = new ArrayList<>(sweep(StreamsConfig.EXACTLY_ONCE_V2, options.sweepExactlyOnce(),
                txn, eos, eosLatency));
        sweep.addAll(sweep(StreamsConfig.AT_LEAST_ONCE, options.sweepAtLeastOnce(), plain, alos, alosLatency));
        List<CommitIntervalAdvice> advice = new ArrayList<>();
        for (String guarantee : List.of(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE)) {
            List<SweepPoint> points = sweep.stream().filter(p -> p.guarantee().equals(guarantee)).toList();
            if (!points.isEmpty()) {
                advice.add(CommitIntervalAdvice.advise(guarantee, points, RouterBenchReport.p99Target(guarantee),
                        RouterBenchReport.RATIO_TARGET, defaultCommitMs(guarantee), RouterBenchReport.DISTURBED_OTHERS_SHARE));
            }
        }

        List<Latency> diagnostics = new ArrayList<>();
        List<Throughput> diagnosticThroughput = new ArrayList<>();
        List<Profile> profiles = new ArrayList<>();
        if (options.diagnostics()) {
            diagnose(diagnostics, diagnosticThroughput, profiles);
        }

        PunctuatorCost punctuator = punctuatorCost(
                Stream.concat(runs.get(routerAlos).stream(), runs.get(routerEos).stream()).toList());
        machine.put("loadAverageAtEnd", MachineInfo.procLine("/proc/loadavg").orElse("unknown"));
        return new RouterBenchReport(command, machine, setup(), targets(),
                List.of(Comparison.of(plain, alos), Comparison.of(txn, eos)), latency, sweep, advice, diagnostics,
                diagnosticThroughput, profiles, punctuator, (System.nanoTime() - startNanos) / 1e9);
    }

    private long defaultCommitMs(String guarantee) {
        return RouterConfig.defaultCommitIntervalMs(guarantee);
    }

    /**
     * One point per interval; the default interval's point reuses the main measurements (its
     * {@code repeat} runs), the others get {@code sweepRepeat} throughput runs and one latency run.
     * Ratios are against the matching pipe at the default interval.
     */
    private List<SweepPoint> sweep(String guarantee, List<Long> intervals, Throughput pipe, Throughput atDefault,
                                   Latency latencyAtDefault) throws InterruptedException {
        List<SweepPoint> points = new ArrayList<>();
        for (long ms : intervals) {
            Throughput throughput = atDefault;
            Latency latency = latencyAtDefault;
            if (ms != defaultCommitMs(guarantee)) {
                Subject router = Subject.Router.of(guarantee, ms);
                List<ThroughputRun> runs = new ArrayList<>();
                for (int i = 1; i <= options.sweepRepeat(); i++) {
                    runs.add(throughputRun(router, i, options.sweepRepeat()));
                }
                throughput = Throughput.of(router, runs);
                latency = latency(router);
            }
            points.add(new SweepPoint(guarantee, ms, throughput,
                    throughput.medianPerSecond() / pipe.medianPerSecond(), latency));
        }
        points.sort(Comparator.comparingLong(SweepPoint::commitIntervalMs));
        return points;
    }

    /**
     * Runs with one setting changed to show what limits the router, and a JFR profile of one throughput
     * run per guarantee. At-least-once with Kafka Streams' own producer linger (100 ms; the router sets
     * 5 ms, as at 500 jobs/s no batch fills and each routed job would wait out the linger): what the
     * router's 5 ms buys, in latency and in throughput. Each guarantee with the wall-clock punctuator
     * switched off: what the punctuator, which reads only the due timers, costs the hop.
     */
    private void diagnose(List<Latency> latencies, List<Throughput> throughputs, List<Profile> profiles)
            throws Exception {
        Subject streamsLinger = new Subject.Router(StreamsConfig.AT_LEAST_ONCE, alosCommitMs,
                Map.of("kafka." + ProducerConfig.LINGER_MS_CONFIG, STREAMS_LINGER_MS), "linger" + STREAMS_LINGER_MS);
        Subject alosNoScan = new Subject.Router(StreamsConfig.AT_LEAST_ONCE, alosCommitMs,
                Map.of(RouterConfig.SCAN_INTERVAL_MS, SCAN_OFF_MS), "noscan");
        Subject eosNoScan = new Subject.Router(StreamsConfig.EXACTLY_ONCE_V2, eosCommitMs,
                Map.of(RouterConfig.SCAN_INTERVAL_MS, SCAN_OFF_MS), "noscan");
        for (Subject subject : List.of(streamsLinger, alosNoScan, eosNoScan)) {
            latencies.add(latency(subject));
        }
        List<ThroughputRun> lingerRuns = new ArrayList<>();
        for (int i = 1; i <= options.sweepRepeat(); i++) {
            lingerRuns.add(throughputRun(streamsLinger, i, options.sweepRepeat()));
        }
        throughputs.add(Throughput.of(streamsLinger, lingerRuns));
        for (Subject router : List.of(routerAlos, routerEos)) {
            List<ThroughputRun> run = new ArrayList<>();
            StreamThreadProfile.Result result = StreamThreadProfile.profile(
                    () -> run.add(runner.throughput(router, options.records())));
            LOG.info("profiled {}: {} stream-thread samples", router.label(), result.samples());
            profiles.add(new Profile(router.label(), router.guarantee(), run.get(0).recordsPerSecond(),
                    run.get(0).othersCpuShare(), result.samples(), result.shares()));
        }
    }

    /**
     * The longest punctuation Streams measured in the router's throughput runs. Each run waits for one
     * more punctuation after its last output, when every task stores all the jobs of its partition
     * (none finish, none expire), so the longest one covers a punctuation over the full store.
     */
    private PunctuatorCost punctuatorCost(List<ThroughputRun> routerRuns) {
        return PunctuatorCost.of(routerRuns, options.records(), options.partitions(),
                new RouterConfig(Map.of()).getLong(RouterConfig.SCAN_INTERVAL_MS));
    }

    private ThroughputRun throughputRun(Subject subject, int run, int of) throws InterruptedException {
        ThroughputRun result;
        try {
            result = runner.throughput(subject, options.records());
        } catch (RuntimeException e) {
            // One transient failure (a starved machine, a client time-out) should not cost the whole run.
            LOG.warn("throughput {} run {}/{} failed ({}); running it again", subject.label(), run, of, e.toString());
            result = runner.throughput(subject, options.records());
        }
        LOG.info("throughput {} run {}/{}: {} records/s (others' CPU {})", subject.label(), run, of,
                perSecond(result.recordsPerSecond()), percent(result.othersCpuShare()));
        return result;
    }

    private Latency latency(Subject subject) throws InterruptedException {
        Latency l;
        try {
            l = runner.latency(subject);
        } catch (RuntimeException e) {
            LOG.warn("latency {} failed ({}); running it again", subject.label(), e.toString());
            l = runner.latency(subject);
        }
        LOG.info("latency {}: p50 {} ms, p99 {} ms, max {} ms{} (others' CPU {})", l.label(),
                ms(l.fromSchedule().p50Ms()), ms(l.fromSchedule().p99Ms()), ms(l.fromSchedule().maxMs()),
                l.missing() > 0 ? ", " + l.missing() + " missing" : "", percent(l.othersCpuShare()));
        return l;
    }

    private Map<String, Object> setup() {
        Instant now = Instant.now();
        InferenceRequest request = jobs.request("size-probe-0", 0, now);
        RoutedJob routed = jobs.routedWithoutRouter(request, now);
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("records", options.records());
        setup.put("repeat", options.repeat());
        setup.put("sweepRepeat", options.sweepRepeat());
        setup.put("warmupRecords", options.warmupRecords());
        setup.put("partitions", options.partitions());
        setup.put("ratePerSecond", options.ratePerSecond());
        setup.put("latencyWarmupSeconds", options.latencyWarmup().toSeconds());
        setup.put("latencyMeasuredSeconds", options.latencyMeasured().toSeconds());
        setup.put(RouterBenchReport.COMMIT_MS_AT_LEAST_ONCE, alosCommitMs);
        setup.put(RouterBenchReport.COMMIT_MS_EXACTLY_ONCE, eosCommitMs);
        // What both the routers and the pipes of each guarantee run their clients with.
        Map<String, Object> clients = new LinkedHashMap<>();
        for (String guarantee : List.of(StreamsConfig.AT_LEAST_ONCE, StreamsConfig.EXACTLY_ONCE_V2)) {
            clients.put(guarantee, RouterClientSettings.of(Map.of(RouterConfig.BOOTSTRAP_SERVERS,
                    kafka.bootstrapServers(), RouterConfig.PROCESSING_GUARANTEE, guarantee), kafka.serdes()).asMap());
        }
        setup.put(RouterBenchReport.CLIENT_SETTINGS, clients);
        setup.put("sweepExactlyOnce", options.sweepExactlyOnce());
        setup.put("sweepAtLeastOnce", options.sweepAtLeastOnce());
        setup.put("brokerDir", options.brokerDir() == null ? "system temporary directory"
                : options.brokerDir().toString());
        setup.put("promptChars", request.getPrompt().length());
        setup.put("requestBytes", kafka.serdes().valueSerde(InferenceRequest.class).serializer()
                .serialize("size-probe", request).length);
        setup.put("routedJobBytes", kafka.serdes().valueSerde(RoutedJob.class).serializer()
                .serialize("size-probe-routed", routed).length);
        setup.put("throughputMeasuredAs", "records / (last output visible to read_committed - subject ready)");
        setup.put("latencyMeasuredFrom", "scheduled send time on an absolute schedule (fromSend: the send() call)");
        return setup;
    }

    private static Map<String, Object> targets() {
        Map<String, Object> targets = new LinkedHashMap<>();
        targets.put("routerToPipeRatio", RouterBenchReport.RATIO_TARGET);
        targets.put("atLeastOnceP99Ms", RouterBenchReport.ALOS_P99_TARGET_MS);
        targets.put("exactlyOnceP99Ms", RouterBenchReport.EOS_P99_TARGET_MS);
        return targets;
    }

    private static String perSecond(double rate) {
        return String.format(Locale.ROOT, "%,.0f", rate);
    }

    private static String ms(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    private static String percent(double share) {
        return Double.isFinite(share) ? String.format(Locale.ROOT, "%.0f %%", share * 100) : "n/a";
    }
}
