package io.beacon.workers.client;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ModelCatalogue;
import java.util.concurrent.CompletableFuture;

/**
 * Sends each job's model by the name the deployment's provider knows it ({@link ModelCatalogue}): the runner
 * asks for {@code llama3.2:1b}, a vLLM deployment on Modal or RunPod receives
 * {@code meta-llama/Llama-3.2-1B-Instruct}, a Golem node's Ollama the tag. The clients below send whatever
 * model the job they get names; every call of an attempt (retries included) is named afresh, so a model list
 * learned meanwhile is used at once.
 */
public final class ModelNamingClient implements ProviderClient {

    private final ProviderClient inner;
    private final ModelCatalogue catalogue;

    public ModelNamingClient(ProviderClient inner, ModelCatalogue catalogue) {
        this.inner = inner;
        this.catalogue = catalogue;
    }

    @Override
    public ProviderKind kind() {
        return inner.kind();
    }

    @Override
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        return inner.call(catalogue.forProvider(job, d), d);
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d) {
        return inner.probe(d);
    }

    @Override
    public boolean listsModels() {
        return inner.listsModels();
    }

    @Override
    public CompletableFuture<ProbeOutcome> listModels(DeploymentEndpoint d) {
        return inner.listModels(d);
    }

    @Override
    public void close() {
        inner.close();
    }
}
