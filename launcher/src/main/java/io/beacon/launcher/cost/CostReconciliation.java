package io.beacon.launcher.cost;

import java.time.Instant;
import java.util.Set;

/**
 * The pipeline's books against the providers' at one instant.
 *
 * @param at        the instant both sides are cut at
 * @param invoices  what each deployment's provider bills up to then
 * @param accounted what the cost ledger holds up to then
 * @param behind    deployments whose ledger did not reach {@code at} in time (their figures are short)
 */
public record CostReconciliation(Instant at, Invoices invoices, CostLedgerReader.CostTotals accounted,
                                 Set<String> behind) {

    public CostReconciliation {
        behind = Set.copyOf(behind);
    }

    public double invoicedUsd() {
        return invoices.totalUsd();
    }

    public double accountedUsd() {
        return accounted.totalUsd();
    }

    /** |accounted - invoiced| / invoiced; 0 when both are 0, infinite when only the invoice is 0. */
    public double error() {
        double invoiced = invoicedUsd();
        double diff = Math.abs(accountedUsd() - invoiced);
        if (invoiced == 0) {
            return diff == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return diff / invoiced;
    }
}
