package io.beacon.router.policy;

import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.ProviderStatus;

/** Reads a heartbeat's condition the same way everywhere: routing, {@code /providers}, {@code /health}, metrics. */
public final class DeploymentConditions {

    private DeploymentConditions() {
    }

    /**
     * The heartbeat's condition; a worker that predates conditions (UNKNOWN) is judged by {@code healthy}, as the
     * schema says.
     */
    public static DeploymentCondition of(ProviderStatus status) {
        DeploymentCondition condition = status.getCondition();
        if (condition == null || condition == DeploymentCondition.UNKNOWN) {
            return status.getHealthy() ? DeploymentCondition.SERVING : DeploymentCondition.UNHEALTHY;
        }
        return condition;
    }

    /**
     * True when the deployment is out of service until its worker says otherwise: misconfigured (a probe must
     * show it fixed) or retired. An unhealthy one is merely failing and may recover by itself.
     */
    public static boolean outOfService(ProviderStatus status) {
        DeploymentCondition condition = status.getCondition();
        return condition == DeploymentCondition.MISCONFIGURED || condition == DeploymentCondition.RETIRED;
    }
}
