package io.beacon.launcher.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.launcher.cost.CostReconciliation;
import io.beacon.schemas.avro.CostKind;
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
 * What a demo run produced: counts, share per provider, cost, end-to-end latency percentiles and failovers.
 *
 * <p>Cost per inference has one definition: all that was billed (every attempt whatever its outcome, idle
 * capacity, probes, fees) divided by the successful inferences. The summary gives it twice: from the
 * pipeline's cost ledger ({@code total_cost_usd}) and from the providers' invoices
 * ({@code invoiced_cost_usd}), cut at the same instant, with {@code cost_reconciliation_error} =
 * |accounted - invoiced| / invoiced.
 */
public final class DemoSummary {

    private static final List<ProviderKind> KINDS = List.of(ProviderKind.GOLEM, ProviderKind.MODAL, ProviderKind.RUNPOD);

    private final String scenario;
    private final int jobs;
    private final double ratePerSecond;
    private final int results;
    private final int succeeded;
    private final int duplicates;
    /** Jobs that failed, or whose result came after the deadline they were sent with. */
    private final int deadlineMisses;
    private final int failovers;
    private final double totalCostUsd;
    private final double wallSeconds;
    private final Map<ProviderKind, Integer> byProvider;
    private final List<Long> latenciesMs;
    private final Map<String, Integer> errors;
    /** Null when no invoices were read: then the cost is the attempts' shares from the results only. */
    private final CostReconciliation books;
    /** Lost jobs, duplicates and each injected fault's recovery. */
    private final Reliability reliability;

    DemoSummary(String scenario, int jobs, double ratePerSecond, Map<String, InferenceResult> finalResults,
                Map<String, Long> latencyMsByJob, int duplicates, int deadlineMisses, double wallSeconds,
                CostReconciliation books, Reliability reliability) {
        this.books = books;
        this.reliability = reliability;
        this.deadlineMisses = deadlineMisses;
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
        this.totalCostUsd = books != null ? books.accountedUsd() : cost;
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

    /** Jobs that got no final result: those never sent count too. */
    public int lost() {
        return Math.max(jobs - results, reliability.lost());
    }

    public int succeeded() {
        return succeeded;
    }

    /** Successful final results over jobs. */
    public double successRate() {
        return jobs == 0 ? 0 : (double) succeeded / jobs;
    }

    public Reliability reliability() {
        return reliability;
    }

    public double blendedCostPerInferenceUsd() {
        return succeeded == 0 ? 0 : totalCostUsd / succeeded;
    }

    /** The invoices' total divided by successful inferences; NaN when no invoices were read. */
    public double invoicedCostPerInferenceUsd() {
        if (books == null) {
            return Double.NaN;
        }
        return succeeded == 0 ? 0 : books.invoicedUsd() / succeeded;
    }

    /** |accounted - invoiced| / invoiced; NaN when no invoices were read. */
    public double costReconciliationError() {
        return books == null ? Double.NaN : books.error();
    }

    public double totalCostUsd() {
        return totalCostUsd;
    }

    public double invoicedCostUsd() {
        return books == null ? Double.NaN : books.invoicedUsd();
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
        out.printf(Locale.ROOT, "  %-22s %d%n", "lost", lost());
        out.printf(Locale.ROOT, "  %-22s %d%n", "failovers", failovers);
        out.printf(Locale.ROOT, "  %-22s %d%n", "deadline misses", deadlineMisses);
        out.printf(Locale.ROOT, "  %-22s %d / %d / %d ms%n", "latency p50/p95/p99", latencyPercentileMs(50),
                latencyPercentileMs(95), latencyPercentileMs(99));
        out.printf(Locale.ROOT, "  %-22s $%.6f per inference (total $%.4f)%n", "blended cost",
                blendedCostPerInferenceUsd(), totalCostUsd);
        if (books != null) {
            out.printf(Locale.ROOT, "  %-22s $%.6f per inference (total $%.4f); reconciliation error %.2f%%%s%n",
                    "invoiced", invoicedCostPerInferenceUsd(), books.invoicedUsd(), 100 * books.error(),
                    books.behind().isEmpty() ? "" : " (ledger short for " + books.behind() + ")");
            out.printf(Locale.ROOT, "  %-22s attempts $%.4f, idle $%.4f, probes $%.4f, fees $%.4f%n", "where it went",
                    books.accounted().usd(CostKind.ATTEMPT), books.accounted().usd(CostKind.IDLE),
                    books.accounted().usd(CostKind.PROBE), books.accounted().usd(CostKind.FEE));
        } else {
            out.printf(Locale.ROOT, "  %-22s attempts only: no invoices read, idle capacity not included%n", "");
        }
        out.println("  ----------------------------------------------------");
        out.printf(Locale.ROOT, "  %-10s %8s %8s %10s %14s%n", "provider", "jobs", "share", "billed", "per inference");
        for (ProviderKind kind : KINDS) {
            int count = byProvider.get(kind);
            double billed = books == null ? Double.NaN : books.accounted().usd(kind);
            out.printf(Locale.ROOT, "  %-10s %8d %7.1f%% %10s %14s%n", kind.name().toLowerCase(Locale.ROOT), count,
                    succeeded == 0 ? 0 : 100.0 * count / succeeded, books == null ? "-" : String.format(Locale.ROOT,
                            "$%.4f", billed), books == null || count == 0 ? "-" : String.format(Locale.ROOT,
                            "$%.6f", billed / count));
        }
        if (!reliability.faults().isEmpty()) {
            out.println("  ----------------------------------------------------");
            out.printf(Locale.ROOT, "  %-52s %8s %11s%n", "fault", "at", "recovered");
            for (Reliability.FaultRecovery fault : reliability.faults()) {
                out.printf(Locale.ROOT, "  %-52s %7.1fs %11s%n", fault.name(), fault.atSeconds(),
                        fault.recoveredSeconds() == null ? "never" : String.format(Locale.ROOT, "in %.1f s",
                                fault.recoveredSeconds()));
            }
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
        root.put("lost", lost());
        root.put("success_rate", successRate());
        ArrayNode faultNodes = root.putArray("faults");
        for (Reliability.FaultRecovery fault : reliability.faults()) {
            ObjectNode node = faultNodes.addObject();
            node.put("name", fault.name());
            node.put("at_s", fault.atSeconds());
            if (fault.recoveredSeconds() == null) {
                node.putNull("recovered_s");
            } else {
                node.put("recovered_s", fault.recoveredSeconds());
            }
        }
        ObjectNode providers = root.putObject("by_provider");
        KINDS.forEach(k -> providers.put(k.name().toLowerCase(Locale.ROOT), byProvider.get(k)));
        root.put("blended_cost_per_inference_usd", blendedCostPerInferenceUsd());
        root.put("total_cost_usd", totalCostUsd);
        if (books != null) {
            root.put("invoiced_cost_usd", books.invoicedUsd());
            root.put("invoiced_cost_per_inference_usd", invoicedCostPerInferenceUsd());
            root.put("cost_reconciliation_error", books.error());
            root.put("cost_reconciled_at", books.at().toString());
            ObjectNode spent = root.putObject("cost_by_kind_usd");
            for (CostKind kind : List.of(CostKind.ATTEMPT, CostKind.IDLE, CostKind.PROBE, CostKind.FEE)) {
                spent.put(kind.name().toLowerCase(Locale.ROOT), books.accounted().usd(kind));
            }
            ObjectNode byProviderCost = root.putObject("cost_by_provider_usd");
            KINDS.forEach(k -> byProviderCost.put(k.name().toLowerCase(Locale.ROOT), books.accounted().usd(k)));
            ObjectNode invoices = root.putObject("invoices_usd");
            books.invoices().byDeployment().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> invoices.put(e.getKey(), e.getValue()));
            if (!books.behind().isEmpty()) {
                root.putArray("ledger_behind").addAll(books.behind().stream().sorted()
                        .map(root::textNode).toList());
            }
        }
        ObjectNode latency = root.putObject("latency_ms");
        latency.put("p50", latencyPercentileMs(50));
        latency.put("p95", latencyPercentileMs(95));
        latency.put("p99", latencyPercentileMs(99));
        root.put("failovers", failovers);
        root.put("deadline_misses", deadlineMisses);
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
