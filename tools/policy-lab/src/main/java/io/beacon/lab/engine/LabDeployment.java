package io.beacon.lab.engine;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.sim.VirtualDeployment;
import io.beacon.workers.WorkerSettings;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.cost.CostLedger;
import io.beacon.workers.cost.MeteredClient;
import io.beacon.workers.delivery.DeploymentLane;
import io.beacon.workers.health.HealthMonitor;
import io.beacon.workers.resilience.DeploymentCircuit;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * One deployment as its worker holds it, made of the worker's production parts: the lane that bounds calls in
 * flight, the circuit breaker, the health monitor that probes and writes heartbeats, the cost ledger behind a
 * metered client; and, where the worker would make HTTP calls, the simulators' engine in virtual time.
 */
final class LabDeployment {

    /** The demo's workers give every attempt 60 s. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    final SimulatedDeployment spec;
    final DeploymentEndpoint endpoint;
    final VirtualDeployment sim;
    final SimClient simClient;
    final DeploymentLane lane;
    final DeploymentCircuit circuit;
    final CostLedger ledger;
    final MeteredClient client;
    final HealthMonitor health;
    /** The worker's price list over the configured price (a price change the workers were told of). */
    double priceFactor = 1.0;

    LabDeployment(SimulatedDeployment spec, EventQueue events, WorkerSettings settings, long seed,
                  ToIntFunction<String> outputTokens, Runnable circuitChanged) {
        this.spec = spec;
        VirtualClock clock = events.clock();
        this.endpoint = endpoint(spec);
        this.sim = new VirtualDeployment(spec, clock, clock::nanos, seed);
        this.simClient = new SimClient(endpoint.provider(), sim, events, settings.probeTimeout(), outputTokens);
        this.lane = new DeploymentLane(spec.id(), spec.capacity());
        this.circuit = new DeploymentCircuit(spec.id(), settings.circuit(), clock, circuitChanged);
        this.ledger = new CostLedger(List.of(endpoint), settings.workerId());
        this.client = new MeteredClient(simClient, ledger, clock);
        this.health = new HealthMonitor(List.of(endpoint), Map.of(spec.id(), circuit), client, clock,
                settings.probeInterval(), settings.probeTimeout(), settings.workerId(), ledger);
    }

    String id() {
        return spec.id();
    }

    static ProviderKind kind(SimProvider provider) {
        return WorkerEntry.kind(provider);
    }

    /** The deployment as its worker is configured with it (see {@link WorkerEntry}). */
    static DeploymentEndpoint endpoint(SimulatedDeployment d) {
        return WorkerEntry.of(d, URI.create("http://lab.invalid/" + d.id()), REQUEST_TIMEOUT);
    }
}
