package io.beacon.launcher.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.ProviderKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a demo run produced: counts, share per provider, blended cost, end-to-end latency percentiles
 * and failovers. Blended cost is the cost of every attempt (failed ones too) divided by the successful
 * inferences: what one useful answer cost.
 */
public final class DemoSummary {

    private static final List<ProviderKind> KINDS = List.of(ProviderKind.GOLEM, ProviderKind.MODAL, ProviderKind.RUNPOD);

    private final String scenario;
    private final int jobs;
    private final double ratePerSecond;
    private final int results;
    private final int succeeded;
    private final int duplicates;
    private final int failovers;
    private final double totalCostUsd;
    private final double wallSeconds;
    private final Map<ProviderKind, Integer> byProvider;
    private final List<Long> latenciesMs;
    private final Map<String, Integer> errors;

    DemoSummary(String scenario, int jobs, double ratePerSecond, Map<String, InferenceResult> finalResults,
                Map<String, Long> latencyMsByJob, int duplicates, double wallSeconds) {
        this.scenario = scenario;
        this.jobs = jobs;
        this.ratePerSecond = ratePerSecond;
        this.results = finalResults.size();
        this.duplicates = duplicates;
        this.wallSeconds = wallSeconds;
        int ok = 0;
        int reroutes = 0;
        double cost = 0;
        Map<ProviderKind, Integer> counts = new EnumMap<>(ProviderKind.class);
        KINDS.forEach(k -> counts.put(k, 0));
        Map<String, Integer> errorCounts = new LinkedHashMap<>();
        for (InferenceResult result : finalResults.values()) {
            cost += result.getCostEstimate();
            reroutes += Math.max(0, result.getAttempts() - 1);
            if (result.getSuccess()) {
                ok++;
                counts.merge(result.getProvider(), 1, Integer::sum);
            } else {
                errorCounts.merge(shorten(result.getError()), 1, Integer::sum);
            }
        }
        this.succeeded = ok;
        this.failovers = reroutes;
        this.totalCostUsd = cost;
        this.byProvider = counts;
        this.errors = errorCounts;
        List<Long> latencies = new ArrayList<>(latencyMsByJob.values());
        Collections.sort(latencies);
        this.latenciesMs = latencies;
    }

    public int jobs() {
        return jobs;
    }

    public int results() {
        return results;
    }

    public int duplicates() {
        return duplicates;
    }

    public double blendedCostPerInferenceUsd() {
        return succeeded == 0 ? 0 : totalCostUsd / succeeded;
    }

    public long latencyPercentileMs(double percentile) {
        if (latenciesMs.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * latenciesMs.size());
        return latenciesMs.get(Math.max(0, Math.min(latenciesMs.size() - 1, rank - 1)));
    }

    public void printTable(PrintWriter out) {
        out.println();
        out.printf(Locale.ROOT, "Beacon demo summary - scenario %s, %d jobs at %.0f jobs/s, %.1f s%n",
                scenario, jobs, ratePerSecond, wallSeconds);
        out.println("  ----------------------------------------------------");
        out.printf(Locale.ROOT, "  %-22s %d%n", "jobs", jobs);
        out.printf(Locale.ROOT, "  %-22s %d%n", "results", results);
        out.printf(Locale.ROOT, "  %-22s %d (%.1f%%)%n", "succeeded", succeeded, results == 0 ? 0 : 100.0 * succeeded / results);
        out.printf(Locale.ROOT, "  %-22s %d%n", "failed", results - succeeded);
        out.printf(Locale.ROOT, "  %-22s %d%n", "duplicates", duplicates);
        out.printf(Locale.ROOT, "  %-22s %d%n", "failovers", failovers);
        out.printf(Locale.ROOT, "  %-22s %d / %d / %d ms%n", "latency p50/p95/p99", latencyPercentileMs(50),
                latencyPercentileMs(95), latencyPercentileMs(99));
        out.printf(Locale.ROOT, "  %-22s $%.6f per inference (total $%.4f)%n", "blended cost",
                blendedCostPerInferenceUsd(), totalCostUsd);
        out.println("  ----------------------------------------------------");
        out.printf(Locale.ROOT, "  %-10s %8s %8s%n", "provider", "jobs", "share");
        for (ProviderKind kind : KINDS) {
            int count = byProvider.get(kind);
            out.printf(Locale.ROOT, "  %-10s %8d %7.1f%%%n", kind.name().toLowerCase(Locale.ROOT), count,
                    succeeded == 0 ? 0 : 100.0 * count / succeeded);
        }
        if (!errors.isEmpty()) {
            out.println("  errors:");
            errors.forEach((error, count) -> out.printf(Locale.ROOT, "    %4d x %s%n", count, error));
        }
        out.println();
        out.flush();
    }

    public void writeJson(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("scenario", scenario);
        root.put("jobs", jobs);
        root.put("results", results);
        root.put("succeeded", succeeded);
        root.put("failed", results - succeeded);
        root.put("duplicates", duplicates);
        ObjectNode providers = root.putObject("by_provider");
        KINDS.forEach(k -> providers.put(k.name().toLowerCase(Locale.ROOT), byProvider.get(k)));
        root.put("blended_cost_per_inference_usd", blendedCostPerInferenceUsd());
        root.put("total_cost_usd", totalCostUsd);
        ObjectNode latency = root.putObject("latency_ms");
        latency.put("p50", latencyPercentileMs(50));
        latency.put("p95", latencyPercentileMs(95));
        latency.put("p99", latencyPercentileMs(99));
        root.put("failovers", failovers);
        root.put("rate_per_second", ratePerSecond);
        root.put("wall_seconds", wallSeconds);
        ObjectNode errorNode = root.putObject("errors");
        errors.forEach(errorNode::put);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        json.writeValue(file.toFile(), root);
    }

    private static String shorten(String error) {
        if (error == null) {
            return "(no error text)";
        }
        return error.length() > 120 ? error.substring(0, 117) + "..." : error;
    }
}
