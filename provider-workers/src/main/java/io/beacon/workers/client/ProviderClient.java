package io.beacon.workers.client;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Calls one kind of provider. Both methods are asynchronous and their futures never complete
 * exceptionally: every failure (HTTP status, connection error, time-out, unreadable answer) is classified
 * into the returned outcome, because the worker must publish an attempt for every job it took.
 */
public interface ProviderClient extends AutoCloseable {

    /** The provider kind this client speaks to. */
    ProviderKind kind();

    /** Runs {@code job} on deployment {@code d}, bounded by the job's deadline and the deployment's timeout. */
    CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d);

    /** A cheap liveness check of {@code d} with a short time-out. */
    CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d);

    /** Whether {@link #listModels} asks the provider (Ollama {@code /api/tags}, vLLM {@code /v1/models}). */
    default boolean listsModels() {
        return false;
    }

    /**
     * Asks {@code d} which models it serves, by the provider's own names: a healthy outcome carries them,
     * an unhealthy one says why not. Unlike {@link #probe}, this may reach billed capacity (on Modal it is a
     * request to a container): the caller decides when it is worth it.
     */
    default CompletableFuture<ProbeOutcome> listModels(DeploymentEndpoint d) {
        return CompletableFuture.completedFuture(ProbeOutcome.unhealthy(null,
                kind() + " deployments do not list their models", Instant.now()));
    }

    /** Releases what the client owns (its HTTP executor); calls still running may fail afterwards. */
    @Override
    default void close() {
    }
}
