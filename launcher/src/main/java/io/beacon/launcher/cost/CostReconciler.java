package io.beacon.launcher.cost;

import io.beacon.schemas.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sets what the pipeline accounted (the cost ledger its workers wrote) beside what the providers invoice
 * (the simulators' running invoices), cut at the same instant.
 *
 * <p>The invoices are read first, at instant T; then the reconciler waits until every deployment's heartbeat
 * says its ledger is complete up to T, reads the ledger to its end and cuts it at T. Both sides then cover
 * the same time, whatever is still running: Golem leases and warm containers keep billing after T on both.
 */
public final class CostReconciler implements AutoCloseable {

    private final CostLedgerReader ledger;
    private final List<URI> invoiceUrls;
    private final Set<String> deploymentIds;

    /**
     * @param workerIds     the workers whose ledger entries count
     * @param invoiceUrls   each simulated deployment's {@code /__sim/stats}
     * @param deploymentIds the deployments those invoices are for
     */
    public CostReconciler(String bootstrapServers, Map<String, Object> clientPassthrough, Topics topics,
                          Set<String> workerIds, List<URI> invoiceUrls, Set<String> deploymentIds) {
        this.ledger = new CostLedgerReader(bootstrapServers, clientPassthrough, topics,
                CostLedgerReader.byWorkers(workerIds));
        this.invoiceUrls = List.copyOf(invoiceUrls);
        this.deploymentIds = Set.copyOf(deploymentIds);
    }

    /** Reads ledger entries that have arrived, without waiting. */
    public void poll() {
        ledger.poll(Duration.ZERO);
    }

    /** Money in the ledger entries read so far. */
    public double accountedSoFarUsd() {
        return ledger.totalUsd();
    }

    /**
     * Reads the invoices now and the ledger up to the same instant.
     *
     * @param timeout how long to wait for the workers' ledgers to cover that instant
     */
    public CostReconciliation reconcile(Duration timeout) throws IOException, InterruptedException {
        Invoices invoices = Invoices.read(invoiceUrls);
        Instant at = invoices.readAt();
        Set<String> behind = ledger.awaitAccountedThrough(at, deploymentIds, timeout);
        return new CostReconciliation(at, invoices, ledger.accountedAt(at), behind);
    }

    @Override
    public void close() {
        ledger.close();
    }
}
