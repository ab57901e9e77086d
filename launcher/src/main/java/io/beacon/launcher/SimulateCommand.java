package io.beacon.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.beacon.lab.PolicyLab;
import io.beacon.lab.engine.LabOptions;
import io.beacon.lab.engine.PolicyResult;
import io.beacon.lab.engine.RouterEngine;
import io.beacon.lab.policy.LabPolicy;
import io.beacon.lab.report.JsonReport;
import io.beacon.lab.report.ResultTable;
import io.beacon.lab.report.ScenarioResult;
import io.beacon.lab.report.SvgChart;
import io.beacon.lab.scenario.BuiltInScenarios;
import io.beacon.lab.scenario.Scenario;
import io.beacon.launcher.console.LogFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The policy lab: runs the router's own routing (and the field's alternatives through the same job lifecycle)
 * in virtual time against the simulated fleet, scenario by scenario, and prints a table per scenario.
 * See docs/policy-lab.md.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the policy lab: the production router and the field's alternative policies, in virtual"
                + " time, on scenario files (every built-in one by default); a table per scenario on stdout.",
                "Built-in scenarios: steady, diurnal, burst, golem-outage, golem-churn, cold-start-storm,"
                        + " price-change, benchmark-batch. Policies: beacon, beacon-no-deadline, static-70-30,"
                        + " round-robin, cheapest-first, least-busy, latency-based, price-sort-fallback."})
final class SimulateCommand implements Callable<Integer> {

    /** The packages whose per-job lines would swamp a lab run's log (millions of virtual jobs); WARN and up stay. */
    private static final List<String> QUIET = List.of("io.beacon.router", "io.beacon.workers", "io.beacon.sim");

    @Option(names = "--scenario", paramLabel = "NAME|FILE",
            description = "A built-in scenario or a scenario file (repeatable; default: every built-in one).")
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--policy", paramLabel = "NAME", split = ",",
            description = "Policies to run, in table order (repeatable or comma-separated; default: all).")
    List<String> policies = new ArrayList<>();

    @Option(names = "--jobs", paramLabel = "N", description = "Jobs per scenario instead of the file's (e.g. 3000 for a quick look).")
    Integer jobs;

    @Option(names = "--seed", paramLabel = "N", description = "Seed instead of the file's.")
    Long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON here.")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE.svg", description = "Also draw cost against success per policy,"
            + " one panel per scenario, as SVG here.")
    Path chart;

    @Option(names = "--without-preferences", description = "Send every job without its region and provider"
            + " preference (what the policy's choices cost, apart from honouring the runner's preferences).")
    boolean withoutPreferences;

    @Option(names = "--threads", paramLabel = "N", description = "Runs in parallel (default: one per core).")
    int threads;

    @Option(names = "--engine", paramLabel = "direct|topology", defaultValue = "direct",
            description = "direct (default): the router's processors driven in virtual time; topology: the whole"
                    + " topology under TopologyTestDriver, one task, no hop on the router's own topics (the"
                    + " reference; slow).")
    String engine;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "3",
            description = "Partitions of the job topics, so router tasks (direct engine; default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--hop-ms", paramLabel = "MS", defaultValue = "20",
            description = "Delay of every topic between two parts, in ms (direct engine; default ${DEFAULT-VALUE}).")
    long hopMs;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "A router setting for every run, e.g. --set routing.wake.cost=false (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--list", description = "List the built-in scenarios and the policies, and exit.")
    boolean list;

    @Mixin
    LogOptions logs = new LogOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (list) {
            list(out);
            return 0;
        }
        LabOptions options = options();
        List<Scenario> chosen = scenarios();
        List<LabPolicy> chosenPolicies = policies.isEmpty() ? LabPolicy.all() : LabPolicy.named(policies);
        int parallel = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try (LogFile logFile = logs.open("simulate")) {
            Map<String, Level> before = quiet();
            try {
                err.printf(Locale.ROOT, "Policy lab: %d scenario(s) x %d policies on %d thread(s)%s%n", chosen.size(),
                        chosenPolicies.size(), parallel, logFile == null ? "" : "; logs: " + logFile.path());
                err.flush();
                long start = System.nanoTime();
                List<ScenarioResult> results = new PolicyLab(options, parallel).run(chosen, chosenPolicies, line -> {
                    synchronized (err) {
                        err.println("  " + line);
                        err.flush();
                    }
                });
                err.printf(Locale.ROOT, "Done in %.1f s%n%n", (System.nanoTime() - start) / 1e9);
                err.flush();
                ResultTable.print(results, out);
                if (json != null) {
                    JsonReport.write(results, json);
                    out.println("JSON written to " + json.toAbsolutePath());
                }
                if (chart != null) {
                    SvgChart.write(results, chart);
                    out.println("Chart written to " + chart.toAbsolutePath());
                }
                out.flush();
                boolean exact = results.stream().flatMap(s -> s.policies().stream())
                        .allMatch(PolicyResult::exactlyOneResultPerJob);
                return exact ? 0 : 1;
            } finally {
                before.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
            }
        }
    }

    private LabOptions options() {
        if (jobs != null && jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be at least 1");
        }
        if (partitions < 1 || hopMs < 0) {
            throw new IllegalArgumentException("--partitions must be at least 1 and --hop-ms at least 0");
        }
        RouterEngine.Kind kind;
        try {
            kind = RouterEngine.Kind.valueOf(engine.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--engine must be direct or topology, not " + engine);
        }
        LabOptions options = LabOptions.defaults().withRouterSettings(settings).withoutPreferences(withoutPreferences);
        return kind == RouterEngine.Kind.TOPOLOGY
                ? options.withEngine(kind, 1, Duration.ZERO)
                : options.withEngine(kind, partitions, Duration.ofMillis(hopMs));
    }

    private List<Scenario> scenarios() {
        List<Scenario> out = new ArrayList<>();
        for (Scenario s : scenarios.isEmpty() ? BuiltInScenarios.all()
                : scenarios.stream().map(BuiltInScenarios::resolve).toList()) {
            Scenario scenario = jobs == null ? s : s.withJobs(jobs);
            out.add(seed == null ? scenario : scenario.withSeed(seed));
        }
        return out;
    }

    /** The lab's per-job log lines go nowhere; its warnings (circuits opening, ...) still reach the log. */
    private static Map<String, Level> quiet() {
        Map<String, Level> before = new LinkedHashMap<>();
        for (String name : QUIET) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            before.put(name, logger.getLevel());
            logger.setLevel(Level.WARN);
        }
        return before;
    }

    private static void list(PrintWriter out) {
        out.println("Built-in scenarios:");
        for (Scenario s : BuiltInScenarios.all()) {
            out.printf(Locale.ROOT, "  %-18s %s (%d jobs)%n", s.name(), s.description(), s.jobs());
        }
        out.println("Policies:");
        for (LabPolicy p : LabPolicy.all()) {
            out.printf(Locale.ROOT, "  %-20s %s%n", p.name(), p.description());
        }
        out.flush();
    }
}
