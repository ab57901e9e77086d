package io.beacon.workers.cost;

import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Puts every HTTP call of a {@link ProviderClient} in the {@link CostLedger}: a call is opened when it starts and
 * closed at its outcome's {@code finishedAt} (answers, failures, time-outs and RunPod cancels alike), and the
 * outcome's {@code billedSeconds} / {@code costEstimateUsd} become the ledger's apportioned charge, the one
 * source of cost. Probes: a Modal probe reaches a container, so it is a {@link CallKind#PROBE} call (its share
 * becomes a PROBE ledger entry); a Golem probe and RunPod's control-plane {@code /health} only
 * {@link CostLedger#touch touch} the deployment (first contact starts a lease and RunPod's active workers). A
 * call the provider's front door refused for its credentials ({@link CallOutcome#refusedAtTheDoor()}) reached
 * no unit: the ledger takes back a container or flex worker it had started for it ({@link CostLedger.Call#refused}).
 */
public final class MeteredClient implements ProviderClient {

    private final ProviderClient inner;
    private final CostLedger ledger;
    private final Clock clock;

    public MeteredClient(ProviderClient inner, CostLedger ledger, Clock clock) {
        this.inner = inner;
        this.ledger = ledger;
        this.clock = clock;
    }

    @Override
    public ProviderKind kind() {
        return inner.kind();
    }

    @Override
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        if (!ledger.knows(d.id())) {
            return inner.call(job, d);
        }
        CostLedger.Call metered = ledger.open(d.id(), CallKind.ATTEMPT, clock.instant());
        CompletableFuture<CallOutcome> call;
        try {
            call = inner.call(job, d);
        } catch (RuntimeException e) {
            metered.close(clock.instant());
            throw e;
        }
        return call.handle((outcome, thrown) -> {
            Instant end = outcome != null ? outcome.finishedAt() : clock.instant();
            Charge charge = outcome != null && outcome.refusedAtTheDoor() ? metered.refused(end) : metered.close(end);
            if (outcome == null) {
                throw thrown instanceof RuntimeException r ? r : new IllegalStateException(thrown);
            }
            return outcome.withCharge(charge.unitSeconds(), charge.amountUsd());
        });
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d) {
        if (!ledger.knows(d.id())) {
            return inner.probe(d);
        }
        if (d.provider() != ProviderKind.MODAL) {
            ledger.touch(d.id(), clock.instant());
            return inner.probe(d);
        }
        CostLedger.Call metered = ledger.open(d.id(), CallKind.PROBE, clock.instant());
        CompletableFuture<ProbeOutcome> probe;
        try {
            probe = inner.probe(d);
        } catch (RuntimeException e) {
            metered.close(clock.instant());
            throw e;
        }
        return probe.whenComplete((outcome, thrown) -> settle(metered, outcome));
    }

    /**
     * Closes a Modal probe's call: one refused for its set-up (credentials, no app at that address: Modal's proxy
     * answers 401, 403 or 404 itself) reached no container.
     */
    private void settle(CostLedger.Call metered, ProbeOutcome outcome) {
        if (outcome == null) {
            metered.close(clock.instant());
        } else if (!outcome.healthy() && outcome.blame() == FailureBlame.MISCONFIGURED) {
            metered.refused(outcome.observedAt());
        } else {
            metered.close(outcome.observedAt());
        }
    }

    @Override
    public boolean listsModels() {
        return inner.listsModels();
    }

    /**
     * A model list is metered like a probe: on Modal {@code GET /v1/models} is a request to a container (a
     * PROBE call in the ledger, which may start a unit when none is warm); elsewhere it only touches the
     * deployment (Ollama's {@code /api/tags} is served by the leased node).
     */
    @Override
    public CompletableFuture<ProbeOutcome> listModels(DeploymentEndpoint d) {
        if (!ledger.knows(d.id()) || !inner.listsModels()) {
            return inner.listModels(d);
        }
        if (d.provider() != ProviderKind.MODAL) {
            ledger.touch(d.id(), clock.instant());
            return inner.listModels(d);
        }
        CostLedger.Call metered = ledger.open(d.id(), CallKind.PROBE, clock.instant());
        CompletableFuture<ProbeOutcome> listing;
        try {
            listing = inner.listModels(d);
        } catch (RuntimeException e) {
            metered.close(clock.instant());
            throw e;
        }
        return listing.whenComplete((outcome, thrown) -> settle(metered, outcome));
    }

    @Override
    public void close() {
        inner.close();
    }
}
