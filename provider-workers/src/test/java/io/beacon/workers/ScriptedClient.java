package io.beacon.workers;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A provider client whose calls finish when the test says so. */
final class ScriptedClient implements ProviderClient {

    private final ProviderKind kind;
    private final Map<String, CompletableFuture<CallOutcome>> calls = new ConcurrentHashMap<>();
    private final List<String> started = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean probeHealthy = true;

    ScriptedClient(ProviderKind kind) {
        this.kind = kind;
    }

    @Override
    public ProviderKind kind() {
        return kind;
    }

    @Override
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        started.add(job.getJobId());
        return calls.computeIfAbsent(job.getJobId(), id -> new CompletableFuture<>());
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d) {
        return CompletableFuture.completedFuture(probeHealthy
                ? ProbeOutcome.healthy(Duration.ofMillis(3), Instant.now(), List.of())
                : ProbeOutcome.unhealthy(null, "probe failed", Instant.now()));
    }

    void probeHealthy(boolean healthy) {
        this.probeHealthy = healthy;
    }

    /** Jobs whose call has started, in order. */
    List<String> started() {
        return started;
    }

    void succeed(String jobId) {
        Instant now = Instant.now();
        calls.computeIfAbsent(jobId, id -> new CompletableFuture<>()).complete(CallOutcome.builder(now.minusMillis(40), now)
                .succeeded("text of " + jobId).billedSeconds(1.0).pricePerSecondUsd(0.0002).tokens(3, 5).build());
    }

    void fail(String jobId, AttemptOutcome outcome, String error) {
        Instant now = Instant.now();
        calls.computeIfAbsent(jobId, id -> new CompletableFuture<>())
                .complete(CallOutcome.builder(now.minusMillis(10), now).failed(outcome, error).build());
    }

    @Override
    public void close() {
        closed.set(true);
    }

    boolean closed() {
        return closed.get();
    }
}
