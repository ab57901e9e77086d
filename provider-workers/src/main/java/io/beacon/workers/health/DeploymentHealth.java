package io.beacon.workers.health;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.workers.DeploymentEndpoint;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the worker knows about one deployment's health, from probes and from real calls. Thread-safe:
 * probes and calls report from HTTP threads, the poll thread reads snapshots.
 *
 * <p>Healthy means: the last probe succeeded and is fresh, and the deployment has not just failed
 * {@code unhealthyAfterFailures} calls in a row. A failure streak stops counting once it is older than
 * {@code failureMemory}: the router stops sending work to an unhealthy deployment, so without that a
 * deployment whose probe answers again could never prove itself (the circuit breaker planned for later
 * will replace this with a proper half-open state).
 */
public final class DeploymentHealth {

    /**
     * One observation, for a heartbeat.
     *
     * @param healthy        see the class comment
     * @param error          why not healthy, null when healthy
     * @param probeLatencyMs round trip of the last probe, null when it failed or none ran yet
     * @param probedModels   models the last successful probe reported
     */
    public record Snapshot(boolean healthy, String error, Long probeLatencyMs, List<String> probedModels) {
    }

    private final DeploymentEndpoint deployment;
    private final int unhealthyAfterFailures;
    private final Duration probeFreshFor;
    private final Duration failureMemory;

    private ProbeOutcome lastProbe;
    private Instant lastProbeOkAt;
    private List<String> probedModels = List.of();
    private boolean probing;
    private int consecutiveFailures;
    private String lastFailure;
    private Instant lastFailureAt;

    /**
     * @param probeFreshFor how long a successful probe vouches for the deployment
     * @param failureMemory how long a failure streak keeps the deployment unhealthy without new failures
     */
    public DeploymentHealth(DeploymentEndpoint deployment, int unhealthyAfterFailures, Duration probeFreshFor,
                            Duration failureMemory) {
        this.deployment = deployment;
        this.unhealthyAfterFailures = unhealthyAfterFailures;
        this.probeFreshFor = probeFreshFor;
        this.failureMemory = failureMemory;
    }

    public DeploymentEndpoint deployment() {
        return deployment;
    }

    /** Claims the right to run the next probe; false while one is still running. */
    public synchronized boolean tryStartProbe() {
        if (probing) {
            return false;
        }
        probing = true;
        return true;
    }

    public synchronized void probed(ProbeOutcome outcome) {
        probing = false;
        lastProbe = outcome;
        if (outcome.healthy()) {
            lastProbeOkAt = outcome.observedAt();
            if (!outcome.models().isEmpty()) {
                probedModels = outcome.models();
            }
        }
    }

    /** Counts a finished call: a retryable failure extends the streak, a success ends it. */
    public synchronized void called(CallOutcome outcome) {
        if (outcome.outcome() == AttemptOutcome.SUCCEEDED) {
            consecutiveFailures = 0;
            lastFailure = null;
        } else if (outcome.outcome() == AttemptOutcome.RETRYABLE_FAILURE) {
            consecutiveFailures++;
            lastFailure = outcome.error();
            lastFailureAt = outcome.finishedAt();
        }
        // A permanent failure is the request's fault (bad model name, bad input), not the deployment's.
    }

    public synchronized Snapshot snapshot(Instant now) {
        Long latency = lastProbe != null && lastProbe.healthy() && lastProbe.latency() != null
                ? lastProbe.latency().toMillis() : null;
        String error = null;
        if (lastProbe == null) {
            error = "not probed yet";
        } else if (!lastProbe.healthy()) {
            error = lastProbe.error();
        } else if (lastProbeOkAt.plus(probeFreshFor).isBefore(now)) {
            error = "no successful probe since " + lastProbeOkAt;
        } else if (consecutiveFailures >= unhealthyAfterFailures && lastFailureAt != null
                && !lastFailureAt.plus(failureMemory).isBefore(now)) {
            error = consecutiveFailures + " calls in a row failed; last: " + lastFailure;
        }
        return new Snapshot(error == null, error, latency, probedModels);
    }

    public synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }
}
