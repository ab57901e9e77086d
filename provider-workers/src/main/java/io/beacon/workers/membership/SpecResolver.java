package io.beacon.workers.membership;

import io.beacon.schemas.avro.DeploymentSpec;
import io.beacon.workers.core.DeploymentEndpoint;

/**
 * Turns a {@link DeploymentSpec} from the deployments topic into the deployment a worker calls: parses its entry
 * with the worker's defaults and applies the same checks as to the deployments of its environment (transport,
 * credential references readable on this host).
 */
@FunctionalInterface
public interface SpecResolver {

    /**
     * @throws IllegalArgumentException saying why the worker refuses the spec (never quoting a credential)
     */
    DeploymentEndpoint resolve(DeploymentSpec spec);

    /** Refuses every spec: a worker wired without one cannot take deployments from the topic. */
    SpecResolver NONE = spec -> {
        throw new IllegalArgumentException("this worker takes no deployments from the deployments topic");
    };
}
