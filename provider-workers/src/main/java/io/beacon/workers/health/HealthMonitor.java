package io.beacon.workers.health;

import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.workers.DeploymentEndpoint;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.delivery.DeploymentLane;
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
 * Probes each deployment on a fixed interval (asynchronously, one probe per deployment at a time) and
 * turns probes, call outcomes and lane load into {@link ProviderStatus} heartbeats. It does no Kafka I/O:
 * the worker's poll thread asks it for statuses and sends them.
 */
public final class HealthMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    private final ProviderClient client;
    private final Clock clock;
    private final Duration probeInterval;
    private final String workerId;
    private final Map<String, DeploymentHealth> health = new LinkedHashMap<>();
    private Instant nextProbe = Instant.MIN;

    /**
     * @param probeTimeout           the probe's own time-out; a probe result is fresh for one interval plus it
     * @param unhealthyAfterFailures consecutive retryable call failures that make a deployment unhealthy
     */
    public HealthMonitor(List<DeploymentEndpoint> deployments, ProviderClient client, Clock clock,
                         Duration probeInterval, Duration probeTimeout, int unhealthyAfterFailures, String workerId) {
        this.client = client;
        this.clock = clock;
        this.probeInterval = probeInterval;
        this.workerId = workerId;
        // Fresh for two intervals plus the time-out: one slow probe must not flap a healthy deployment.
        Duration fresh = probeInterval.multipliedBy(2).plus(probeTimeout);
        Duration failureMemory = probeInterval.multipliedBy(5);
        deployments.forEach(d -> health.put(d.id(), new DeploymentHealth(d, unhealthyAfterFailures, fresh, failureMemory)));
    }

    /** Starts a probe of every deployment when the interval has passed; never blocks. */
    public void maybeProbe() {
        Instant now = clock.instant();
        if (now.isBefore(nextProbe)) {
            return;
        }
        nextProbe = now.plus(probeInterval);
        for (DeploymentHealth h : health.values()) {
            if (!h.tryStartProbe()) {
                continue;
            }
            DeploymentEndpoint d = h.deployment();
            try {
                client.probe(d).whenComplete((outcome, thrown) -> {
                    ProbeOutcome result = outcome != null ? outcome
                            : ProbeOutcome.unhealthy(null, "probe failed: " + thrown.getClass().getSimpleName(),
                            clock.instant());
                    boolean was = h.snapshot(clock.instant()).healthy();
                    h.probed(result);
                    if (was != result.healthy()) {
                        LOG.info("deployment={} probe {}{}", d.id(), result.healthy() ? "healthy" : "unhealthy",
                                result.healthy() ? "" : ": " + result.error());
                    }
                });
            } catch (RuntimeException e) {
                h.probed(ProbeOutcome.unhealthy(null, "probe could not start: " + e.getClass().getSimpleName(), now));
            }
        }
    }

    /** Records a finished call of deployment {@code deploymentId}. */
    public void called(String deploymentId, CallOutcome outcome) {
        DeploymentHealth h = health.get(deploymentId);
        if (h != null) {
            h.called(outcome);
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
                    // No circuit breaker yet: the circuit is always closed; `healthy` carries the verdict.
                    .setCircuitState(CircuitState.CLOSED)
                    .setProbeLatencyMs(s.probeLatencyMs())
                    .setError(s.error())
                    .setObservedAt(now)
                    .setWorkerId(workerId)
                    .build());
        }
        return out;
    }
}
