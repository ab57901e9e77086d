package io.beacon.launcher;

import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.launcher.console.ConsoleProgress;
import io.beacon.launcher.console.LogFile;
import io.beacon.launcher.console.ProgressReporter;
import io.beacon.launcher.cost.CostReconciler;
import io.beacon.launcher.demo.DemoDriver;
import io.beacon.launcher.demo.DemoSchedule;
import io.beacon.launcher.demo.DemoSummary;
import io.beacon.launcher.stack.DemoFleet;
import io.beacon.launcher.stack.EmbeddedStack;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.config.ConfigLoader;
import java.io.PrintWriter;
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

    @Option(names = "--jobs", defaultValue = "300", description = "Jobs to send (default ${DEFAULT-VALUE}).")
    int jobs;

    /** About what the demo fleet's Golem nodes absorb, so the baseline carries roughly 70% and bursts take the rest. */
    @Option(names = "--rate", defaultValue = "15", description = "Jobs per second (default ${DEFAULT-VALUE}).")
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
        if (jobs < 1 || rate <= 0) {
            throw new IllegalArgumentException("--jobs must be at least 1 and --rate positive");
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

    private int run(PrintWriter out, Map<String, String> settings) throws Exception {
        LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Options(settings, brokerPort, controllerPort,
                registryPort, simPort, partitions, replicationFactor));
        Thread hook = new Thread(pipeline::close, "beacon-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            pipeline.awaitReady(Duration.ofSeconds(60));
            pipeline.printAddresses(out, serve);
            out.printf("Sending %d jobs at %.0f jobs/s (scenario %s)...%n", jobs, rate, scenario.label());
            out.flush();
            DemoDriver driver = new DemoDriver(pipeline.bootstrapServers(), pipeline.clientPassthrough(),
                    pipeline.topics(), resultsGroup, out);
            DemoSummary summary;
            // In place on a terminal, unless logs share the console: their lines would tear the redrawn one.
            try (ProgressReporter progress = ConsoleProgress.open(ConsoleProgress.Target.STDOUT, out, !logs.verbose);
                 CostReconciler costs = pipeline.costReconciler()) {
                ScenarioPlayer player = new ScenarioPlayer(scenario, pipeline.fleet(), jobs / rate,
                        notice -> progress.above(() -> {
                            out.println(notice);
                            out.flush();
                        }));
                try {
                    DemoSchedule schedule = scenario == Scenario.BENCHMARK_BATCH
                            ? DemoSchedule.benchmarkRuns(seed, jobs, rate) : DemoSchedule.steady(seed, jobs, rate);
                    summary = driver.run(scenario.label(), jobs, rate, schedule, Duration.ofSeconds(150), player,
                            progress, costs);
                } finally {
                    player.finish();
                }
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
            out.flush();
            if (serve) {
                out.println("Serving until Ctrl-C.");
                pipeline.printAddresses(out, true);
                new CountDownLatch(1).await();
            }
            return complete ? 0 : 1;
        } finally {
            pipeline.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting through the hook.
            }
        }
    }
}
