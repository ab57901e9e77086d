package io.beacon.launcher;

import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.launcher.console.ConsoleProgress;
import io.beacon.launcher.console.LogFile;
import io.beacon.launcher.console.ProgressReporter;
import io.beacon.launcher.cost.CostReconciler;
import io.beacon.launcher.demo.DemoDriver;
import io.beacon.launcher.demo.DemoSchedule;
import io.beacon.launcher.demo.DemoSummary;
import io.beacon.launcher.demo.FaultLog;
import io.beacon.launcher.demo.Reliability;
import io.beacon.launcher.stack.DemoFleet;
import io.beacon.launcher.stack.EmbeddedStack;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.launcher.stack.SecondInstances;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs a job mix through the whole pipeline on the embedded default (or a configured cluster) and
 * prints a summary: the one command that shows Beacon working.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run a job mix through broker, router, workers and provider simulators; print a summary.")
final class DemoCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--jobs", description = "Jobs to send (default 300; chaos: 2000).")
    Integer jobsOption;

    /** About what the demo fleet's Golem nodes absorb, so the baseline carries roughly 70% and bursts take the rest. */
    @Option(names = "--rate", description = "Jobs per second (default 15; chaos: 10).")
    Double rateOption;

    @Option(names = "--brokers", defaultValue = "1",
            description = "Embedded Kafka nodes: 1 (in this JVM, default) or 3 (a KRaft cluster, each node its own JVM on"
                    + " --broker-port, +2, +4 with controllers on the next ports; topics at replication factor 3,"
                    + " min.insync.replicas 2).")
    int brokers;

    @Option(names = "--secure",
            description = "Secure the embedded broker(s): SASL_SSL listeners (SCRAM-SHA-512 over TLS, a CA made at start),"
                    + " one principal per role (runner, router, worker-golem/-modal/-runpod, ops, admin) with"
                    + " least-privilege ACLs, the registry behind basic auth; each role's client properties are written"
                    + " to a directory printed at start.")
    boolean secure;

    int jobs;
    double rate;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the job mix (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--scenario", defaultValue = "steady",
            description = "What happens during the run: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Scenario scenario;

    @Option(names = "--summary-json", paramLabel = "FILE", description = "Also write the summary as JSON here.")
    Path summaryJson;

    @Option(names = "--serve", description = "Keep everything running afterwards (Ctrl-C stops) and print the addresses.")
    boolean serve;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of the job topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "3",
            description = "Replication of created topics on a configured cluster (default ${DEFAULT-VALUE}; embedded: 1).")
    short replicationFactor;

    @Option(names = "--guarantee", description = "Router processing guarantee: exactly_once_v2 (default) or at_least_once.")
    String guarantee;

    @Option(names = "--broker-port", defaultValue = "" + EmbeddedKafkaBroker.DEFAULT_BROKER_PORT,
            description = "Embedded broker port (default ${DEFAULT-VALUE}; controller uses --controller-port).")
    int brokerPort;

    @Option(names = "--controller-port", defaultValue = "" + EmbeddedKafkaBroker.DEFAULT_CONTROLLER_PORT,
            description = "Embedded KRaft controller port (default ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--registry-port", defaultValue = "" + EmbeddedStack.DEFAULT_REGISTRY_PORT,
            description = "Embedded schema registry port (default ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--http-port", defaultValue = "8080", description = "Router HTTP port (default ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--sim-port", defaultValue = "" + DemoFleet.FIRST_PORT,
            description = "First port of the provider simulators (default ${DEFAULT-VALUE}).")
    int simPort;

    @Mixin
    LogOptions logs = new LogOptions();

    @Option(names = "--results-group", defaultValue = DemoDriver.DEFAULT_RESULTS_GROUP,
            description = "Consumer group of the demo's results reader, shown by GET /lag (default ${DEFAULT-VALUE};"
                    + " give each demo sharing a cluster its own).")
    String resultsGroup;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        jobs = jobsOption != null ? jobsOption : scenario.defaultJobs();
        rate = rateOption != null ? rateOption : scenario.defaultRate();
        if (jobs < 1 || rate <= 0) {
            throw new IllegalArgumentException("--jobs must be at least 1 and --rate positive");
        }
        if (brokers != 1 && brokers != 3) {
            throw new IllegalArgumentException("--brokers must be 1 or 3, not " + brokers);
        }
        if (secure && scenario == Scenario.CHAOS) {
            // Its second router and workers are `beacon router`/`beacon worker` JVMs that create the topics as they
            // start, which no least-privilege principal may do.
            throw new IllegalArgumentException("--secure does not combine with --scenario chaos (yet): its second"
                    + " router creates topics at start, which the router principal may not; use --secure --brokers 3");
        }
        if (scenario == Scenario.CHAOS && brokers != 3) {
            throw new IllegalArgumentException("--scenario chaos kills a broker: it needs --brokers 3");
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> extra = new java.util.LinkedHashMap<>();
        extra.put(RouterConfig.HTTP_PORT, Integer.toString(httpPort));
        if (guarantee != null) {
            extra.put(RouterConfig.PROCESSING_GUARANTEE, guarantee);
        }
        Map<String, String> settings = ConfigLoader.merge(RouterConfig.DEFINITION, config.file(), System.getenv(),
                config.overrides(extra));
        out.println("Starting Beacon (broker, registry, simulators, router, workers)...");
        // Logs go to a file from here on (start-up errors still reach the console as the command's message).
        try (LogFile logFile = logs.open("demo")) {
            out.println(logFile == null ? "Logs: on the console (--verbose)"
                    : "Logs: " + logFile.path() + "  (--verbose shows them here)");
            out.flush();
            return run(out, settings);
        }
    }

    /** The chaos scenario's recovery target per fault. */
    static final double MAX_RECOVERY_SECONDS = 30;

    /** What of the chaos targets (0 lost, 0 duplicates, >= 99.5% success, recovery <= 30 s) a run missed; empty if none. */
    static String chaosTargetsMissed(DemoSummary summary, ChaosPlayer chaos) {
        java.util.List<String> missed = new java.util.ArrayList<>();
        if (summary.lost() > 0) {
            missed.add(summary.lost() + " lost");
        }
        if (summary.duplicates() > 0) {
            missed.add(summary.duplicates() + " duplicates");
        }
        if (summary.successRate() < 0.995) {
            missed.add(String.format(java.util.Locale.ROOT, "success %.2f%%", 100 * summary.successRate()));
        }
        for (Reliability.FaultRecovery fault : summary.reliability().faults()) {
            if (fault.recoveredSeconds() == null || fault.recoveredSeconds() > MAX_RECOVERY_SECONDS) {
                missed.add(fault.name() + " recovered " + (fault.recoveredSeconds() == null ? "never"
                        : "in " + fault.recoveredSeconds() + " s"));
            }
        }
        if (chaos.skipped() > 0) {
            missed.add(chaos.skipped() + " fault(s) skipped (send more jobs)");
        }
        if (chaos.failure() != null) {
            missed.add("a chaos step failed: " + chaos.failure().getMessage());
        }
        return String.join("; ", missed);
    }

    private int run(PrintWriter out, Map<String, String> settings) throws Exception {
        LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Options(settings, brokerPort, controllerPort,
                registryPort, simPort, partitions, replicationFactor, brokers, secure, resultsGroup));
        if (scenario == Scenario.CHAOS && pipeline.cluster() == null) {
            pipeline.close();
            throw new IllegalArgumentException("--scenario chaos needs the embedded cluster (--brokers 3 and no"
                    + " bootstrap.servers configured)");
        }
        SecondInstances second = null;
        Thread hook = new Thread(pipeline::close, "beacon-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            pipeline.awaitReady(Duration.ofSeconds(60));
            pipeline.printAddresses(out, serve);
            if (scenario == Scenario.CHAOS) {
                Path chaosLogs = Files.createTempDirectory("beacon-chaos-");
                out.println("Starting a second router and a second worker per provider, each its own JVM (logs in "
                        + chaosLogs + ")...");
                out.flush();
                second = SecondInstances.start(pipeline, partitions, chaosLogs);
                pipeline.addWorkerIds(SecondInstances.workerIds());
                out.println("  router-2 HTTP       " + (pipeline.settings().getOrDefault(RouterConfig.HTTP_PORT, "8080")
                        .equals("0") ? "(free port)" : "http://127.0.0.1:" + (httpPort + 2))
                        + "   workers-2 metrics on 9404 golem, 9405 modal, 9406 runpod");
            }
            out.printf("Sending %d jobs at %.0f jobs/s (scenario %s)...%n", jobs, rate, scenario.label());
            out.flush();
            // The runner's own login on a secure pipeline: it may write jobs and read results, nothing else.
            DemoDriver driver = new DemoDriver(pipeline.bootstrapServers(), pipeline.runnerPassthrough(),
                    pipeline.runnerTopics(), resultsGroup, out);
            DemoSummary summary;
            ChaosPlayer chaos;
            // In place on a terminal, unless logs share the console: their lines would tear the redrawn one.
            try (ProgressReporter progress = ConsoleProgress.open(ConsoleProgress.Target.STDOUT, out, !logs.verbose);
                 CostReconciler costs = pipeline.costReconciler()) {
                java.util.function.Consumer<String> notices = notice -> progress.above(() -> {
                    out.println(notice);
                    out.flush();
                });
                FaultLog faults = new FaultLog();
                ScenarioPlayer player = new ScenarioPlayer(scenario, pipeline.fleet(), jobs / rate, notices);
                chaos = second == null ? null : new ChaosPlayer(pipeline, second, faults, jobs / rate, notices);
                try {
                    DemoSchedule schedule = scenario == Scenario.BENCHMARK_BATCH
                            ? DemoSchedule.benchmarkRuns(seed, jobs, rate) : DemoSchedule.steady(seed, jobs, rate);
                    summary = driver.run(scenario.label(), jobs, rate, schedule, Duration.ofSeconds(150),
                            chaos != null ? chaos : player, progress, costs, faults);
                } finally {
                    player.finish();
                    if (chaos != null) {
                        chaos.finish();
                    }
                }
            }
            if (!serve && second != null) {
                second.close();
            }
            if (!serve) {
                // Stopped before the summary is printed: with --verbose, the shutdown logs come first and the
                // summary stays the last thing on the screen.
                pipeline.close();
            }
            summary.printTable(out);
            if (summaryJson != null) {
                summary.writeJson(summaryJson);
                out.println("Summary written to " + summaryJson.toAbsolutePath());
            }
            boolean complete = summary.results() == summary.jobs() && summary.duplicates() == 0;
            if (!complete) {
                out.printf("Incomplete run: %d results for %d jobs, %d duplicates%n", summary.results(),
                        summary.jobs(), summary.duplicates());
            }
            if (chaos != null) {
                String missed = chaosTargetsMissed(summary, chaos);
                out.println(missed.isEmpty() ? "Chaos targets met: 0 lost, 0 duplicates, success >= 99.5%,"
                        + " every fault recovered within " + MAX_RECOVERY_SECONDS + " s"
                        : "Chaos targets missed: " + missed);
                complete &= missed.isEmpty();
            }
            out.flush();
            if (serve) {
                out.println("Serving until Ctrl-C.");
                pipeline.printAddresses(out, true);
                new CountDownLatch(1).await();
            }
            return complete ? 0 : 1;
        } finally {
            if (second != null) {
                second.close();
            }
            pipeline.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting through the hook.
            }
        }
    }
}
