package io.beacon.workers.client;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.DeploymentEndpoint;
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

    /** Releases what the client owns (its HTTP executor); calls still running may fail afterwards. */
    @Override
    default void close() {
    }
}
