package io.beacon.lab.report;

import io.beacon.lab.engine.PolicyResult;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** The lab's results as a person reads them: one table per scenario. */
public final class ResultTable {

    private static final String ROW = "%-20s %8s %9s %13s %9s %9s %9s %10s%n";

    private ResultTable() {
    }

    public static void print(List<ScenarioResult> scenarios, PrintWriter out) {
        for (ScenarioResult scenario : scenarios) {
            out.println(scenario.name() + ": " + scenario.description());
            out.printf(Locale.ROOT, ROW, "policy", "jobs", "success", "$/inference", "p50 ms", "p99 ms", "baseline",
                    "misses");
            for (PolicyResult p : scenario.policies()) {
                out.printf(Locale.ROOT, ROW, p.policy(), p.jobs(),
                        String.format(Locale.ROOT, "%.2f%%", 100 * p.successRate()),
                        Double.isNaN(p.costPerInferenceUsd()) ? "-"
                                : String.format(Locale.ROOT, "%.6f", p.costPerInferenceUsd()),
                        p.p50Ms(), p.p99Ms(), String.format(Locale.ROOT, "%.1f%%", 100 * p.baselineShare()),
                        p.deadlineMisses());
            }
            out.println();
        }
        out.flush();
    }
}
