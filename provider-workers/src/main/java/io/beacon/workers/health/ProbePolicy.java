package io.beacon.workers.health;

import io.beacon.schemas.avro.ProviderKind;

/**
 * When a deployment is probed. Health checks never wake a scale-to-zero deployment: a probe that reaches
 * billed capacity (Modal's GET /health reaches a container and may start one, which then stays up for its
 * scale-down window) runs only as the circuit breaker's recovery trial, or to show a misconfigured deployment
 * fixed (it gets no calls, so nothing else could), after its hold and backing off while it still fails.
 */
public enum ProbePolicy {
    /** Every probe interval: the probe bills nothing extra (Golem's lease is billed anyway; RunPod /health is control plane). */
    EVERY_INTERVAL,
    /**
     * Only as the recovery trial of an open / half-open circuit, or as the check of a misconfiguration; while the
     * circuit is closed and the set-up sound the deployment's health is judged from real calls ("not probed:
     * health judged from real calls") and counts as healthy.
     */
    RECOVERY_TRIALS_ONLY;

    public static ProbePolicy of(ProviderKind kind) {
        return kind == ProviderKind.MODAL ? RECOVERY_TRIALS_ONLY : EVERY_INTERVAL;
    }
}
