package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's books against the providers' invoices where it matters most: while every Golem node fails
 * and jobs fail over, failed calls, serverless wake-ups and idle leases are all billed. (The steady scenario
 * is checked by {@link DemoCommandIT}.)
 */
class CostReconciliationIT {

    @Test
    void shouldAccountWithinTwoPercentOfTheInvoicesThroughAGolemOutage(@TempDir Path dir) throws Exception {
        Path summary = dir.resolve("outage.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = BeaconCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "demo", "--jobs", "120",
                "--rate", "20", "--scenario", "golem-outage", "--broker-port", "0", "--controller-port", "0",
                "--registry-port", "0", "--http-port", "0", "--sim-port", "0", "--summary-json", summary.toString());

        assertThat(exit).as(out + "\n" + err).isZero();
        JsonNode json = new ObjectMapper().readTree(Files.readString(summary));
        assertThat(json.get("results").asInt()).isEqualTo(120);
        assertThat(json.get("failovers").asInt()).as("the outage made jobs fail over").isPositive();
        double invoiced = json.get("invoiced_cost_usd").asDouble();
        assertThat(invoiced).isPositive();
        assertThat(json.get("cost_reconciliation_error").asDouble()).as(json.toPrettyString())
                .isLessThanOrEqualTo(0.02);
        // Golem's failed calls and idle leases are money spent on Golem, not on the provider that answered
        JsonNode byKind = json.get("cost_by_kind_usd");
        assertThat(byKind.get("idle").asDouble()).isPositive();
        assertThat(byKind.get("attempt").asDouble()).isPositive();
        assertThat(json.get("cost_by_provider_usd").get("golem").asDouble()).isPositive();
        assertThat(json.has("ledger_behind")).as(json.toPrettyString()).isFalse();
    }
}
