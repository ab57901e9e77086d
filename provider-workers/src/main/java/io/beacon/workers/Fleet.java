package io.beacon.workers;

import io.beacon.schemas.avro.DeploymentSpec;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.cost.CostLedger;
import io.beacon.workers.delivery.DeploymentLane;
import io.beacon.workers.health.HealthMonitor;
import io.beacon.workers.health.HeartbeatPublisher;
import io.beacon.workers.membership.SpecResolver;
import io.beacon.workers.resilience.CircuitSettings;
import io.beacon.workers.resilience.DeploymentCircuit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployments a worker serves, and how they change while it runs. The deployments of its environment are the
 * base; records of the {@code deployments} topic add deployments, change them (same id) or retire them, and a
 * tombstone brings back the base entry of that id, if any.
 *
 * <p>Joining: a lane, a circuit, a health entry (probed at once), a cost-ledger account and metrics series.
 * Changing: the lane is resized, a misconfiguration is cleared (the new entry is judged afresh), the health entry
 * starts again with the same circuit, the ledger keeps or reopens the account ({@link CostLedger#change}); jobs queued or arriving later call the new entry. Leaving: no new job
 * is taken (one arriving gets a retryable attempt saying the deployment is retired, so the router fails it over),
 * jobs queued in its lane are failed over the same way without a call, calls in flight finish and publish their
 * attempts; its heartbeats say RETIRED until its lane is empty and a RETIRED heartbeat has gone out, then a
 * tombstone removes it from {@code provider-status} and the worker forgets it. The ledger closes its lease.
 *
 * <p>Threads: changes are queued from any thread ({@link #offer}) and applied on the poll thread
 * ({@link #applyPending}); the maps readers see are replaced, never changed in place.
 */
final class Fleet {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderWorker.class);

    /** One queued change: a spec, or null for a tombstone. */
    private record Change(String deploymentId, DeploymentSpec spec) {
    }

    /** A retired deployment still draining: its lane, and when it may be forgotten at the earliest. */
    private record Draining(String deploymentId, DeploymentLane lane, Instant notBefore) {
    }

    private final ProviderKind kind;
    private final Map<String, DeploymentEndpoint> base;
    private final Map<String, DeploymentCircuit> circuits;
    private final HealthMonitor health;
    private final CostLedger ledger;
    private final HeartbeatPublisher heartbeats;
    private final CircuitSettings circuitSettings;
    private final Clock clock;
    private final Duration heartbeatInterval;
    private final Consumer<DeploymentEndpoint> onJoined;
    private final ConcurrentLinkedQueue<Change> pending = new ConcurrentLinkedQueue<>();
    /** Why each retired deployment left, for the attempts of jobs that still name it. */
    private final Map<String, String> retiredReasons = new ConcurrentHashMap<>();
    private final List<Draining> draining = new ArrayList<>();
    private volatile SpecResolver resolver = SpecResolver.NONE;

    // Copy-on-write: replaced on the poll thread, read anywhere.
    private volatile Map<String, DeploymentEndpoint> serving;
    private volatile Map<String, DeploymentLane> lanes;

    /**
     * @param circuits the circuit of every base deployment; the fleet adds and removes entries (a concurrent map,
     *                 read by the caller on HTTP threads)
     * @param onJoined told of each deployment that joins or changes (the worker's metrics)
     */
    Fleet(ProviderKind kind, List<DeploymentEndpoint> base, Map<String, DeploymentCircuit> circuits,
          HealthMonitor health, CostLedger ledger, HeartbeatPublisher heartbeats, CircuitSettings circuitSettings,
          Clock clock, Duration heartbeatInterval, Consumer<DeploymentEndpoint> onJoined) {
        this.kind = kind;
        this.circuits = circuits;
        this.health = health;
        this.ledger = ledger;
        this.heartbeats = heartbeats;
        this.circuitSettings = circuitSettings;
        this.clock = clock;
        this.heartbeatInterval = heartbeatInterval;
        this.onJoined = onJoined;
        Map<String, DeploymentEndpoint> endpoints = new LinkedHashMap<>();
        Map<String, DeploymentLane> initialLanes = new LinkedHashMap<>();
        for (DeploymentEndpoint d : base) {
            endpoints.put(d.id(), d);
            initialLanes.put(d.id(), new DeploymentLane(d.id(), d.capacity()));
        }
        this.base = Collections.unmodifiableMap(new LinkedHashMap<>(endpoints));
        this.serving = Collections.unmodifiableMap(endpoints);
        this.lanes = Collections.unmodifiableMap(initialLanes);
    }

    void resolveWith(SpecResolver resolver) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** Queues a record of the deployments topic (spec null: a tombstone). Any thread. */
    void offer(String deploymentId, DeploymentSpec spec) {
        pending.add(new Change(Objects.requireNonNull(deploymentId, "deploymentId"), spec));
    }

    /** The deployment of that id if it serves (takes new jobs), else null. Any thread. */
    DeploymentEndpoint serving(String deploymentId) {
        return serving.get(deploymentId);
    }

    /** Why {@code deploymentId} left the fleet, or null when it did not (or never was in it). Any thread. */
    String retiredReason(String deploymentId) {
        return serving.containsKey(deploymentId) ? null : retiredReasons.get(deploymentId);
    }

    /** Deployments that take new jobs. */
    Map<String, DeploymentEndpoint> servingNow() {
        return serving;
    }

    /** Every lane, those of retired deployments still draining included. */
    Map<String, DeploymentLane> lanes() {
        return lanes;
    }

    /** Applies queued changes and forgets retired deployments that have drained. Poll thread. */
    void applyPending() {
        Change change;
        while ((change = pending.poll()) != null) {
            apply(change);
        }
        forgetDrained();
    }

    private void apply(Change change) {
        String id = change.deploymentId();
        DeploymentSpec spec = change.spec();
        DeploymentEndpoint wanted;
        String leaveReason;
        if (spec == null) {
            wanted = base.get(id);
            leaveReason = "retired: its deployments-topic record was deleted and the worker's environment does not"
                    + " list it";
        } else if (spec.getRetired()) {
            wanted = null;
            leaveReason = "retired by the deployments topic at " + spec.getUpdatedAt()
                    + (spec.getUpdatedBy() == null ? "" : " (" + spec.getUpdatedBy() + ")");
        } else {
            try {
                wanted = resolver.resolve(spec);
            } catch (IllegalArgumentException e) {
                LOG.error("deployment {} from the deployments topic refused, the worker keeps {}: {}", id,
                        serving.containsKey(id) ? "its current entry" : "without it", e.getMessage());
                return;
            }
            if (!wanted.id().equals(id) || wanted.provider() != kind) {
                LOG.error("deployment {} from the deployments topic refused: its entry describes {} deployment {}", id,
                        wanted.provider(), wanted.id());
                return;
            }
            leaveReason = null;
        }
        DeploymentEndpoint current = serving.get(id);
        if (wanted == null) {
            if (current != null) {
                retire(id, leaveReason);
            }
        } else if (current == null) {
            join(wanted);
        } else if (!current.equals(wanted)) {
            change(current, wanted);
        }
    }

    private void join(DeploymentEndpoint d) {
        Instant now = clock.instant();
        retiredReasons.remove(d.id());
        DeploymentLane lane = lanes.get(d.id());
        boolean revived = lane != null;
        if (revived) {
            // Back before its lane drained: the lane serves again, the old account closes with its calls.
            draining.removeIf(x -> x.deploymentId().equals(d.id()));
            lane.resize(d.capacity());
        } else {
            lane = new DeploymentLane(d.id(), d.capacity());
        }
        DeploymentCircuit circuit = circuits.computeIfAbsent(d.id(),
                id -> new DeploymentCircuit(id, circuitSettings, clock, heartbeats::requestNow));
        ledger.add(d, now);
        health.add(d, circuit);
        Map<String, DeploymentLane> newLanes = new LinkedHashMap<>(lanes);
        newLanes.put(d.id(), lane);
        lanes = Collections.unmodifiableMap(newLanes);
        Map<String, DeploymentEndpoint> newServing = new LinkedHashMap<>(serving);
        newServing.put(d.id(), d);
        serving = Collections.unmodifiableMap(newServing);
        onJoined.accept(d);
        heartbeats.requestNow();
        LOG.info("deployment {} joined{}: {} capacity={} region={}", d.id(), revived ? " again" : "",
                d.baseUrl(), d.capacity(), d.region());
    }

    private void change(DeploymentEndpoint from, DeploymentEndpoint to) {
        boolean reopened = ledger.change(to, clock.instant());
        lanes.get(to.id()).resize(to.capacity());
        DeploymentCircuit circuit = circuits.get(to.id());
        if (circuit != null) {
            // A misconfiguration is a verdict on the old entry: the changed one is judged afresh.
            circuit.misconfiguration().reconfigured();
        }
        health.replace(to);
        Map<String, DeploymentEndpoint> newServing = new LinkedHashMap<>(serving);
        newServing.put(to.id(), to);
        serving = Collections.unmodifiableMap(newServing);
        onJoined.accept(to);
        heartbeats.requestNow();
        LOG.info("deployment {} changed: {} capacity={} region={} price={}{}", to.id(), to.baseUrl(), to.capacity(),
                to.region(), to.pricePerSecondUsd(), reopened ? " (billing terms changed: a new account)" : "");
    }

    private void retire(String id, String reason) {
        Instant now = clock.instant();
        retiredReasons.put(id, reason);
        Map<String, DeploymentEndpoint> newServing = new LinkedHashMap<>(serving);
        newServing.remove(id);
        serving = Collections.unmodifiableMap(newServing);
        health.retire(id, reason);
        ledger.retire(id, now);
        DeploymentLane lane = lanes.get(id);
        // Jobs that waited for a slot: each finds the deployment retired and is failed over without a call.
        List<Supplier<CompletableFuture<?>>> waiting = lane.takeWaiting();
        for (Supplier<CompletableFuture<?>> call : waiting) {
            call.get();
        }
        // Forgotten once drained and after at least one RETIRED heartbeat (requested now) has gone out.
        draining.add(new Draining(id, lane, now.plus(heartbeatInterval.multipliedBy(2))));
        heartbeats.requestNow();
        LOG.info("deployment {} {}; {} calls in flight finish there, {} queued jobs fail over", id, reason,
                lane.inFlight(), waiting.size());
    }

    private void forgetDrained() {
        if (draining.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        List<Draining> done = new ArrayList<>();
        for (Draining d : draining) {
            if (!now.isBefore(d.notBefore()) && d.lane().inFlight() == 0 && d.lane().queued() == 0) {
                done.add(d);
            }
        }
        if (done.isEmpty()) {
            return;
        }
        Map<String, DeploymentLane> newLanes = new LinkedHashMap<>(lanes);
        for (Draining d : done) {
            draining.remove(d);
            newLanes.remove(d.deploymentId());
            health.remove(d.deploymentId());
            circuits.remove(d.deploymentId());
            heartbeats.publishTombstone(d.deploymentId());
            LOG.info("deployment {} left the fleet: its calls are done and its status is deleted", d.deploymentId());
        }
        lanes = Collections.unmodifiableMap(newLanes);
    }
}
