package io.beacon.workers.health;

import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.workers.cost.CostLedger;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.delivery.DeploymentLane;
import io.beacon.workers.resilience.DeploymentCircuit;
import io.beacon.workers.resilience.Misconfiguration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes each deployment on a fixed interval, as its provider's {@link ProbePolicy} allows (a Modal deployment
 * is probed only as its circuit's recovery trial or to show a misconfiguration fixed: a probe reaches, and may
 * start, a billed container) (asynchronously, one probe per deployment at a time) and
 * turns probes, circuit states and lane load into {@link ProviderStatus} heartbeats. A probe of a deployment
 * whose circuit is not closed doubles as a trial call of the circuit (see {@link DeploymentCircuit}). It does
 * no Kafka I/O: the worker's poll thread asks it for statuses and sends them.
 */
public final class HealthMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    private final ProviderClient client;
    private final Clock clock;
    private final Duration probeInterval;
    private final String workerId;
    private final Map<String, DeploymentHealth> health = new LinkedHashMap<>();
    private final CostLedger ledger;
    private Instant nextProbe = Instant.MIN;

    /**
     * @param circuits     the circuit of every deployment, by deployment id
     * @param probeTimeout the probe's own time-out; a probe result is fresh for two intervals plus it
     */
    public HealthMonitor(List<DeploymentEndpoint> deployments, Map<String, DeploymentCircuit> circuits,
                         ProviderClient client, Clock clock, Duration probeInterval, Duration probeTimeout,
                         String workerId) {
        this(deployments, circuits, client, clock, probeInterval, probeTimeout, workerId, null);
    }

    /** The same, with the cost ledger whose warm slots and accounted-through instant the heartbeats carry. */
    public HealthMonitor(List<DeploymentEndpoint> deployments, Map<String, DeploymentCircuit> circuits,
                         ProviderClient client, Clock clock, Duration probeInterval, Duration probeTimeout,
                         String workerId, CostLedger ledger) {
        this.ledger = ledger;
        this.client = client;
        this.clock = clock;
        this.probeInterval = probeInterval;
        this.workerId = workerId;
        // Fresh for two intervals plus the time-out: one slow probe must not flap a healthy deployment.
        Duration fresh = probeInterval.multipliedBy(2).plus(probeTimeout);
        for (DeploymentEndpoint d : deployments) {
            DeploymentCircuit circuit = circuits.get(d.id());
            if (circuit == null) {
                throw new IllegalArgumentException("no circuit for deployment " + d.id());
            }
            health.put(d.id(), new DeploymentHealth(d, circuit, fresh));
        }
    }

    /** Starts a probe of every deployment when the interval has passed; never blocks. */
    public void maybeProbe() {
        Instant now = clock.instant();
        if (now.isBefore(nextProbe)) {
            return;
        }
        nextProbe = now.plus(probeInterval);
        for (DeploymentHealth h : health.values()) {
            boolean recoveryOnly = h.policy() == ProbePolicy.RECOVERY_TRIALS_ONLY;
            Misconfiguration misconfiguration = h.circuit().misconfiguration();
            boolean misconfigured = misconfiguration.isSet();
            if (recoveryOnly && misconfigured) {
                // A misconfigured deployment gets no calls, so only a probe can show it fixed: it is allowed
                // (and billed like a call) when its hold is over, backing off while it still fails.
                if (!misconfiguration.checkDue(now) || !h.tryStartProbe()) {
                    continue;
                }
                probe(h, null, true, now);
                continue;
            }
            if (recoveryOnly && h.circuit().state() == CircuitState.CLOSED) {
                // Health checks never wake a scale-to-zero deployment: real calls judge a closed circuit.
                continue;
            }
            if (!h.tryStartProbe()) {
                continue;
            }
            DeploymentCircuit.Trial trial = misconfigured ? null : h.circuit().tryStartTrial();
            if (recoveryOnly && trial == null) {
                h.cancelProbe();
                continue;
            }
            probe(h, trial, false, now);
        }
    }

    /**
     * Starts one probe of {@code h}: its result feeds the health, the circuit's trial when it is one, and the
     * check of a misconfiguration ({@code backOff}: a failed check doubles the wait, for billed probes).
     */
    private void probe(DeploymentHealth h, DeploymentCircuit.Trial trial, boolean backOff, Instant now) {
        DeploymentEndpoint d = h.deployment();
        try {
            client.probe(d).whenComplete((outcome, thrown) -> {
                ProbeOutcome result = outcome != null ? outcome
                        : ProbeOutcome.unhealthy(null, "probe failed: " + thrown.getClass().getSimpleName(),
                        clock.instant());
                boolean changed = h.probed(result, backOff);
                if (trial != null) {
                    trial.finish(result.healthy(), result.latency(), result.error());
                }
                if (changed) {
                    LOG.info("deployment={} probe {}{}", d.id(), result.healthy() ? "healthy" : "unhealthy",
                            result.healthy() ? "" : ": " + result.error());
                }
            });
        } catch (RuntimeException e) {
            ProbeOutcome failed = ProbeOutcome.unhealthy(null, "probe could not start: "
                    + e.getClass().getSimpleName(), now);
            h.probed(failed, backOff);
            if (trial != null) {
                trial.finish(false, null, failed.error());
            }
        }
    }

    public DeploymentHealth.Snapshot snapshot(String deploymentId) {
        DeploymentHealth h = health.get(deploymentId);
        if (h == null) {
            throw new IllegalArgumentException("unknown deployment " + deploymentId);
        }
        return h.snapshot(clock.instant());
    }

    /** One heartbeat per deployment, with the lanes' current load. */
    public List<ProviderStatus> statuses(Map<String, DeploymentLane> lanes) {
        Instant now = clock.instant();
        List<ProviderStatus> out = new ArrayList<>(health.size());
        for (DeploymentHealth h : health.values()) {
            DeploymentEndpoint d = h.deployment();
            DeploymentHealth.Snapshot s = h.snapshot(now);
            DeploymentLane lane = lanes.get(d.id());
            out.add(ProviderStatus.newBuilder()
                    .setDeploymentId(d.id())
                    .setProvider(d.provider())
                    .setRegion(d.region())
                    .setModels(d.models().isEmpty() ? s.probedModels() : d.models())
                    .setPricePerSecondUsd(d.pricePerSecondUsd())
                    .setCapacity(d.capacity())
                    .setInFlight(lane == null ? 0 : lane.inFlight())
                    .setQueued(lane == null ? 0 : lane.queued())
                    .setHealthy(s.healthy())
                    .setCondition(s.condition())
                    .setCircuitState(s.circuitState())
                    .setProbeLatencyMs(s.probeLatencyMs())
                    .setError(s.error())
                    .setBillingModel(d.billing().model())
                    .setIdleWindowMs(d.billing().idleWindow().toMillis())
                    .setWarmSlots(ledger == null ? 0 : ledger.warmSlots(d.id(), now))
                    .setAccountedThrough(ledger == null ? null : ledger.accountedThrough(d.id()))
                    .setObservedAt(now)
                    .setWorkerId(workerId)
                    .build());
        }
        return out;
    }
}
