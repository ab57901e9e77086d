package io.beacon.workers.health;

import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.resilience.DeploymentCircuit;
import io.beacon.workers.resilience.Misconfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the worker knows about one deployment's health, from probes and from its circuit breaker.
 * Thread-safe: probes report from HTTP threads, the poll thread reads snapshots.
 *
 * <p>Healthy means: the deployment is not misconfigured, the last probe succeeded and is fresh, and the circuit
 * is not open. A half-open circuit counts as healthy when the probe does: the router may then send the trial
 * calls that close it again. The condition a heartbeat reports follows: MISCONFIGURED (its set-up is wrong:
 * credentials refused, model missing; the reason is the error) before anything else, else SERVING when healthy,
 * else UNHEALTHY.
 */
public final class DeploymentHealth {

    /**
     * One observation, for a heartbeat.
     *
     * @param healthy        see the class comment
     * @param error          why not healthy, null when healthy
     * @param probeLatencyMs round trip of the last probe, null when it failed or none ran yet
     * @param probedModels   models the last successful probe reported
     * @param circuitState   the deployment's circuit breaker state
     * @param condition      SERVING, UNHEALTHY or MISCONFIGURED (see the class comment)
     */
    public record Snapshot(boolean healthy, String error, Long probeLatencyMs, List<String> probedModels,
                           CircuitState circuitState, DeploymentCondition condition) {
    }

    private final DeploymentEndpoint deployment;
    private final DeploymentCircuit circuit;
    private final Duration probeFreshFor;
    private final ProbePolicy policy;

    private ProbeOutcome lastProbe;
    private Instant lastProbeOkAt;
    private List<String> probedModels = List.of();
    private boolean probing;

    /** @param probeFreshFor how long a successful probe vouches for the deployment */
    public DeploymentHealth(DeploymentEndpoint deployment, DeploymentCircuit circuit, Duration probeFreshFor) {
        this.deployment = deployment;
        this.circuit = circuit;
        this.probeFreshFor = probeFreshFor;
        this.policy = ProbePolicy.of(deployment.provider());
    }

    public ProbePolicy policy() {
        return policy;
    }

    /** Gives back the right claimed by {@link #tryStartProbe()} when no probe is made after all. */
    public synchronized void cancelProbe() {
        probing = false;
    }

    public DeploymentEndpoint deployment() {
        return deployment;
    }

    public DeploymentCircuit circuit() {
        return circuit;
    }

    /** Claims the right to run the next probe; false while one is still running. */
    public synchronized boolean tryStartProbe() {
        if (probing) {
            return false;
        }
        probing = true;
        return true;
    }

    /** Takes a probe's result; true when it differs from the previous probe's verdict (or is the first). */
    public boolean probed(ProbeOutcome outcome) {
        return probed(outcome, false);
    }

    /**
     * Takes a probe's result, also as the check of a misconfiguration: a probe that shows the set-up fixed
     * clears it ({@link Misconfiguration#checked}); a probe refused for the set-up's sake (401, 403, 404) marks
     * the deployment misconfigured.
     *
     * @param backOff a failed check of a misconfiguration doubles the wait for the next (billed probes)
     * @return true when it differs from the previous probe's verdict (or is the first)
     */
    public boolean probed(ProbeOutcome outcome, boolean backOff) {
        Misconfiguration misconfiguration = circuit.misconfiguration();
        if (misconfiguration.isSet()) {
            misconfiguration.checked(outcome, backOff);
        } else if (!outcome.healthy() && outcome.blame() == FailureBlame.MISCONFIGURED) {
            misconfiguration.strike(outcome.error(), null);
        }
        return record(outcome);
    }

    private synchronized boolean record(ProbeOutcome outcome) {
        boolean changed = lastProbe == null || lastProbe.healthy() != outcome.healthy();
        probing = false;
        lastProbe = outcome;
        if (outcome.healthy()) {
            lastProbeOkAt = outcome.observedAt();
            if (!outcome.models().isEmpty()) {
                probedModels = outcome.models();
            }
        }
        return changed;
    }

    public synchronized Snapshot snapshot(Instant now) {
        Long latency = lastProbe != null && lastProbe.healthy() && lastProbe.latency() != null
                ? lastProbe.latency().toMillis() : null;
        CircuitState state = circuit.state();
        String misconfigured = circuit.misconfiguration().reason();
        if (misconfigured != null) {
            return new Snapshot(false, misconfigured, latency, probedModels, state, DeploymentCondition.MISCONFIGURED);
        }
        String error = null;
        if (state == CircuitState.OPEN) {
            error = circuit.openReason();
        } else if (policy == ProbePolicy.RECOVERY_TRIALS_ONLY) {
            // Not probed: health judged from real calls (the circuit), so a deployment nobody called yet is
            // healthy and the router can send it work.
            error = null;
        } else if (lastProbe == null) {
            error = "not probed yet";
        } else if (!lastProbe.healthy()) {
            error = lastProbe.error();
        } else if (lastProbeOkAt.plus(probeFreshFor).isBefore(now)) {
            error = "no successful probe since " + lastProbeOkAt;
        }
        return new Snapshot(error == null, error, latency, probedModels, state,
                error == null ? DeploymentCondition.SERVING : DeploymentCondition.UNHEALTHY);
    }
}
