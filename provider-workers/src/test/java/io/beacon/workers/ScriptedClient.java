package io.beacon.workers;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.testsupport.MutableClock;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A provider client whose calls finish when the test says so; it counts the probes and model lists each
 * deployment gets, and lists the models the test gives it.
 */
public final class ScriptedClient implements ProviderClient {

    private final ProviderKind kind;
    private final Map<String, CompletableFuture<CallOutcome>> calls = new ConcurrentHashMap<>();
    private final List<String> started = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
    private volatile boolean probeHealthy = true;
    private volatile MutableClock probeClock;
    private volatile Duration probeTime = Duration.ofMillis(3);
    private final Map<String, AtomicInteger> listings = new ConcurrentHashMap<>();
    private volatile List<String> probeModels = List.of();
    private volatile List<String> listedModels;
    private volatile Function<Instant, ProbeOutcome> probeAnswer;

    public ScriptedClient(ProviderKind kind) {
        this.kind = kind;
    }

    @Override
    public ProviderKind kind() {
        return kind;
    }

    private final Map<String, List<String>> sentModels = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        started.add(job.getJobId());
        sentModels.computeIfAbsent(job.getJobId(), id -> new CopyOnWriteArrayList<>()).add(job.getRequest().getModel());
        return calls.computeIfAbsent(job.getJobId(), id -> new CompletableFuture<>());
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d) {
        probes.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
        MutableClock clock = probeClock;
        if (clock != null) {
            clock.advance(probeTime);
        }
        Instant now = clock != null ? clock.instant() : Instant.now();
        Function<Instant, ProbeOutcome> answer = probeAnswer;
        if (answer != null) {
            return CompletableFuture.completedFuture(answer.apply(now));
        }
        return CompletableFuture.completedFuture(probeHealthy
                ? ProbeOutcome.healthy(probeTime, now, probeModels)
                : ProbeOutcome.unhealthy(null, "probe failed", now));
    }

    @Override
    public boolean listsModels() {
        return listedModels != null;
    }

    @Override
    public CompletableFuture<ProbeOutcome> listModels(DeploymentEndpoint d) {
        listings.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
        MutableClock clock = probeClock;
        if (clock != null) {
            clock.advance(probeTime);
        }
        Instant now = clock != null ? clock.instant() : Instant.now();
        return CompletableFuture.completedFuture(ProbeOutcome.healthy(probeTime, now, listedModels));
    }

    /** Probes report {@code models} (as Ollama's /api/tags does). */
    public ScriptedClient probesList(List<String> models) {
        this.probeModels = List.copyOf(models);
        return this;
    }

    /** The client lists models by a call ({@link #listModels}), answering {@code models}. */
    public ScriptedClient listsModels(List<String> models) {
        this.listedModels = List.copyOf(models);
        return this;
    }

    /** How many model lists {@code deploymentId} was asked for. */
    public int listings(String deploymentId) {
        AtomicInteger count = listings.get(deploymentId);
        return count == null ? 0 : count.get();
    }

    /** Each probe takes {@code time} on {@code clock} (the test's clock moves on as a real probe's would). */
    public ScriptedClient probesTake(Duration time, MutableClock clock) {
        this.probeTime = time;
        this.probeClock = clock;
        return this;
    }

    /** Every probe from now on answers what {@code answer} makes of the instant it finishes. */
    public ScriptedClient probesAnswer(Function<Instant, ProbeOutcome> answer) {
        this.probeAnswer = answer;
        return this;
    }

    /** How many probes {@code deploymentId} got. */
    public int probes(String deploymentId) {
        AtomicInteger count = probes.get(deploymentId);
        return count == null ? 0 : count.get();
    }

    void probeHealthy(boolean healthy) {
        this.probeHealthy = healthy;
    }

    /** Jobs whose call has started, in order. */
    public List<String> started() {
        return started;
    }

    public void succeed(String jobId) {
        Instant now = Instant.now();
        calls.computeIfAbsent(jobId, id -> new CompletableFuture<>()).complete(CallOutcome.builder(now.minusMillis(40), now)
                .succeeded("text of " + jobId).billedSeconds(1.0).pricePerSecondUsd(0.0002).tokens(3, 5).build());
    }

    void fail(String jobId, AttemptOutcome outcome, String error) {
        Instant now = Instant.now();
        calls.computeIfAbsent(jobId, id -> new CompletableFuture<>())
                .complete(CallOutcome.builder(now.minusMillis(10), now).failed(outcome, error).build());
    }

    /** Ends the job's call with an HTTP error answer of {@code status}. */
    public void failWithStatus(String jobId, int status, AttemptOutcome outcome, String error) {
        Instant now = Instant.now();
        calls.computeIfAbsent(jobId, id -> new CompletableFuture<>()).complete(CallOutcome.builder(now.minusMillis(10),
                now).httpStatus(status, null).failed(outcome, error).build());
    }

    /** The model each call of {@code jobId} was sent with (the provider's name). */
    public List<String> modelsSent(String jobId) {
        return sentModels.getOrDefault(jobId, List.of());
    }

    @Override
    public void close() {
        closed.set(true);
    }

    boolean closed() {
        return closed.get();
    }
}
