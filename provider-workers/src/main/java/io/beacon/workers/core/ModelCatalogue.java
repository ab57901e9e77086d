package io.beacon.workers.core;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.RoutedJob;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The worker's model catalogue: for every deployment, the runner's model names it serves and the name its
 * provider knows each by ({@link DeploymentModels}). One per worker, shared by the heartbeats (which report
 * it), the health checks (which feed it the provider's model lists) and the calls (which send the provider's
 * name). Thread-safe.
 *
 * <p>Entries are made on first use from the deployment's configuration, and made afresh when a deployment
 * with the same id comes with another model configuration, so deployments added or changed while the worker
 * runs need nothing else.
 */
public final class ModelCatalogue {

    private final ConcurrentMap<String, DeploymentModels> byDeployment = new ConcurrentHashMap<>();

    /** The models of {@code d}. */
    public DeploymentModels of(DeploymentEndpoint d) {
        DeploymentModels current = byDeployment.get(d.id());
        if (current != null && current.configuredAs(d)) {
            return current;
        }
        return byDeployment.compute(d.id(), (id, existing) ->
                existing != null && existing.configuredAs(d) ? existing : new DeploymentModels(d));
    }

    /** The models of the deployment with {@code deploymentId}, if it has been seen. */
    public Optional<DeploymentModels> find(String deploymentId) {
        return Optional.ofNullable(byDeployment.get(deploymentId));
    }

    /**
     * {@code job} as {@code d}'s provider must receive it: the same job with the model named as that provider
     * knows it (the job itself, when the names agree). The attempt the worker publishes is about the original.
     */
    public RoutedJob forProvider(RoutedJob job, DeploymentEndpoint d) {
        String runnerName = job.getRequest().getModel();
        String providerName = of(d).providerName(runnerName);
        if (providerName.equals(runnerName)) {
            return job;
        }
        InferenceRequest request = InferenceRequest.newBuilder(job.getRequest()).setModel(providerName).build();
        return RoutedJob.newBuilder(job).setRequest(request).build();
    }
}
