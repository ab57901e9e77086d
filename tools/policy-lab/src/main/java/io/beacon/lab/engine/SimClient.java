package io.beacon.lab.engine;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.sim.VirtualDeployment;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntFunction;

/**
 * A provider client whose "HTTP call" is the simulators' engine in virtual time: in place of the Ollama,
 * Modal and RunPod clients, it answers as their simulators would, from the same engine (a slot on a unit,
 * cold start, sampled latency, injected failure, time-out) and completes the call's future at the virtual
 * instant the answer is complete. One per deployment.
 *
 * <p>What it answers: an injected {@code failAll} status at once (429 and 5xx retryable, other 4xx
 * permanent); an unresponsive deployment never, so the call times out; a node that left, a refused
 * connection; otherwise the call runs on a slot and succeeds, or fails halfway when the engine drew an
 * injected failure (or a Golem stream breaks). A call longer than the request time-out or the job's deadline
 * ends then as a time-out. Probes: a Golem node and RunPod's {@code /health} are touched (the first contact
 * starts a lease and RunPod's active workers) and answer at once; a Modal probe runs as a brief call on a
 * container, as Modal bills it.
 */
final class SimClient implements ProviderClient {

    /** How long a refusal (an HTTP error answered at once) takes. */
    static final long REFUSAL_NANOS = 2_000_000L;
    private static final Duration PROBE_ROUND_TRIP = Duration.ofMillis(5);
    private static final String ANSWER = "simulated answer";

    private final ProviderKind kind;
    private final VirtualDeployment sim;
    private final EventQueue events;
    private final Duration probeTimeout;
    private final ToIntFunction<String> outputTokens;
    private final Set<Running> running = new LinkedHashSet<>();

    /** @param outputTokens tokens the model generates for a job id */
    SimClient(ProviderKind kind, VirtualDeployment sim, EventQueue events, Duration probeTimeout,
              ToIntFunction<String> outputTokens) {
        this.kind = kind;
        this.sim = sim;
        this.events = events;
        this.probeTimeout = probeTimeout;
        this.outputTokens = outputTokens;
    }

    @Override
    public ProviderKind kind() {
        return kind;
    }

    @Override
    public CompletableFuture<CallOutcome> call(RoutedJob job, DeploymentEndpoint d) {
        Instant startedAt = events.clock().instant();
        long now = events.now();
        CompletableFuture<CallOutcome> future = new CompletableFuture<>();
        if (sim.ended()) {
            future.complete(failure(startedAt, startedAt, AttemptOutcome.RETRYABLE_FAILURE,
                    "connection refused: " + d.id() + " has left", 0));
            return future;
        }
        long limit = d.requestTimeout().toNanos();
        if (job.getDeadline() != null) {
            limit = Math.min(limit, Math.max(0, VirtualClock.nanosOf(job.getDeadline()) - now));
        }
        long timeout = limit;
        if (sim.unresponsive()) {
            events.after(timeout, () -> future.complete(timedOut(startedAt, timeout)));
            return future;
        }
        int status = sim.refusalStatus();
        if (status != 0) {
            events.after(REFUSAL_NANOS, () -> future.complete(refused(startedAt, status)));
            return future;
        }
        int tokens = outputTokens.applyAsInt(job.getJobId());
        VirtualDeployment.Call call = sim.start(tokens);
        if (call == null) {
            // Every slot is held (by a Modal probe beside the lane's calls): the deployment's queue answers 429.
            events.after(REFUSAL_NANOS, () -> future.complete(refused(startedAt, 429)));
            return future;
        }
        boolean fails = call.failureInjected() || call.brokenStream() && kind == ProviderKind.GOLEM;
        long end = (fails ? call.failureOffset() : call.doneOffset()).toNanos();
        Running run = new Running(call, future);
        running.add(run);
        if (end > timeout) {
            events.after(timeout, () -> run.end(false, timedOut(startedAt, timeout)));
        } else {
            long providerMs = call.doneOffset().toMillis();
            events.after(end, () -> run.end(!fails, fails
                    ? failure(startedAt, events.clock().instant(), AttemptOutcome.RETRYABLE_FAILURE,
                    "HTTP 500: injected failure", 500)
                    : CallOutcome.builder(startedAt, events.clock().instant()).succeeded(ANSWER)
                    .providerTimeMs(providerMs).tokens(16, tokens).build()));
        }
        return future;
    }

    @Override
    public CompletableFuture<ProbeOutcome> probe(DeploymentEndpoint d) {
        Instant now = events.clock().instant();
        CompletableFuture<ProbeOutcome> future = new CompletableFuture<>();
        if (sim.ended()) {
            future.complete(ProbeOutcome.unhealthy(null, "connection refused: " + d.id() + " has left", now));
            return future;
        }
        if (sim.unresponsive()) {
            events.after(probeTimeout.toNanos(), () -> future.complete(ProbeOutcome.unhealthy(null,
                    "probe timed out after " + probeTimeout.toMillis() + " ms", events.clock().instant())));
            return future;
        }
        if (kind == ProviderKind.MODAL) {
            VirtualDeployment.Call call = sim.startProbe();
            if (call == null) {
                future.complete(verdict(PROBE_ROUND_TRIP, now, d));
                return future;
            }
            events.after(call.doneOffset().toNanos(), () -> {
                call.finish(true);
                future.complete(verdict(call.doneOffset(), events.clock().instant(), d));
            });
            return future;
        }
        sim.touch();
        future.complete(verdict(PROBE_ROUND_TRIP, now, d));
        return future;
    }

    /** The node left: calls running on it break now. */
    void breakRunning(String reason) {
        for (Running run : List.copyOf(running)) {
            run.end(false, failure(run.startedAt(), events.clock().instant(), AttemptOutcome.RETRYABLE_FAILURE,
                    reason, 0));
        }
    }

    private ProbeOutcome verdict(Duration latency, Instant at, DeploymentEndpoint d) {
        return sim.healthFailing()
                ? ProbeOutcome.unhealthy(latency, "HTTP " + sim.refusalStatus(), at)
                : ProbeOutcome.healthy(latency, at, d.models());
    }

    private CallOutcome refused(Instant startedAt, int status) {
        AttemptOutcome outcome = status == 429 || status >= 500 ? AttemptOutcome.RETRYABLE_FAILURE
                : AttemptOutcome.PERMANENT_FAILURE;
        return failure(startedAt, events.clock().instant(), outcome, "HTTP " + status, status);
    }

    private CallOutcome timedOut(Instant startedAt, long afterNanos) {
        return failure(startedAt, events.clock().instant(), AttemptOutcome.RETRYABLE_FAILURE,
                "timed out after " + afterNanos / 1_000_000 + " ms", 0);
    }

    private static CallOutcome failure(Instant startedAt, Instant finishedAt, AttemptOutcome outcome, String error,
                                       int status) {
        return CallOutcome.builder(startedAt, finishedAt).failed(outcome, error).httpStatus(status, null).build();
    }

    /** A call holding a slot until it ends, whichever ends it first: its answer, its time-out, or the node leaving. */
    private final class Running {
        private final VirtualDeployment.Call call;
        private final CompletableFuture<CallOutcome> future;
        private final Instant startedAt;
        private boolean ended;

        Running(VirtualDeployment.Call call, CompletableFuture<CallOutcome> future) {
            this.call = call;
            this.future = future;
            this.startedAt = events.clock().instant();
        }

        Instant startedAt() {
            return startedAt;
        }

        void end(boolean success, CallOutcome outcome) {
            if (ended) {
                return;
            }
            ended = true;
            running.remove(this);
            call.finish(success);
            future.complete(outcome);
        }
    }
}
