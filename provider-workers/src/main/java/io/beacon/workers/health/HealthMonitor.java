package io.beacon.workers.health;

import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.DeploymentCondition;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.workers.cost.CostLedger;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.DeploymentModels;
import io.beacon.workers.core.KnownModels;
import io.beacon.workers.core.ModelCatalogue;
import io.beacon.workers.client.CallOutcome;
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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes each deployment on a fixed interval, as its provider's {@link ProbePolicy} allows (a Modal deployment
 * is probed only as its circuit's recovery trial or to show a misconfiguration fixed: a probe reaches, and may
 * start, a billed container) (asynchronously, one probe per deployment at a time) and
 * turns probes, circuit states and lane load into {@link ProviderStatus} heartbeats. A probe of a deployment
 * whose circuit is not closed doubles as a trial call of the circuit (see {@link DeploymentCircuit}). It does
 * no Kafka I/O: the worker's poll thread asks it for statuses and sends them.
 *
 * <p>Heartbeats carry the model catalogue ({@link ModelCatalogue}): the runner's names of the models each
 * deployment serves and the provider's name of each. Model lists are learned as {@link ModelDiscoverer} says:
 * from Golem's probe as it comes, from Modal only while a container is warm.
 *
 * <p>Deployments join ({@link #add}), change ({@link #replace}) and leave ({@link #retire}, then {@link #remove})
 * while the worker runs, on the poll thread; a retired deployment is no longer probed and its heartbeats say
 * {@code condition=RETIRED}, {@code healthy=false}, with the reason in {@code error}. The deployment map is
 * replaced, never changed in place, so {@link #snapshot} may read it from any thread.
 */
public final class HealthMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    private final ProviderClient client;
    private final Clock clock;
    private final Duration probeInterval;
    private final String workerId;
    private final Duration fresh;
    /** Copy-on-write: replaced by the poll thread when deployments join or leave. */
    private volatile Map<String, DeploymentHealth> health = Map.of();
    /** Retired deployments still reported (RETIRED) until removed, with the reason. */
    private final Map<String, String> retired = new ConcurrentHashMap<>();
    private final CostLedger ledger;
    private final ModelDiscoverer models;
    private boolean started;
    private volatile Runnable onVerdictChange = () -> { };
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
        this(deployments, circuits, client, clock, probeInterval, probeTimeout, workerId, ledger,
                new ModelCatalogue(), ModelDiscovery.defaults());
    }

    /**
     * The same, with the worker's model catalogue (which the heartbeats report and the calls name models by)
     * and when to ask scale-to-zero deployments for their model list.
     */
    public HealthMonitor(List<DeploymentEndpoint> deployments, Map<String, DeploymentCircuit> circuits,
                         ProviderClient client, Clock clock, Duration probeInterval, Duration probeTimeout,
                         String workerId, CostLedger ledger, ModelCatalogue catalogue, ModelDiscovery discovery) {
        this.ledger = ledger;
        this.models = new ModelDiscoverer(catalogue, client, clock, discovery);
        this.client = client;
        this.clock = clock;
        this.probeInterval = probeInterval;
        this.workerId = workerId;
        // Fresh for two intervals plus the time-out: one slow probe must not flap a healthy deployment.
        this.fresh = probeInterval.multipliedBy(2).plus(probeTimeout);
        Map<String, DeploymentHealth> initial = new LinkedHashMap<>();
        for (DeploymentEndpoint d : deployments) {
            DeploymentCircuit circuit = circuits.get(d.id());
            if (circuit == null) {
                throw new IllegalArgumentException("no circuit for deployment " + d.id());
            }
            initial.put(d.id(), new DeploymentHealth(d, circuit, fresh));
        }
        this.health = initial;
    }

    /**
     * Told (on an HTTP thread) when a probe's verdict differs from the deployment's previous one: the router
     * should hear of a node that just became healthy (a new one's first probe) or unhealthy without waiting for
     * the next heartbeat interval.
     */
    public void onVerdictChange(Runnable listener) {
        this.onVerdictChange = listener;
    }

    /** A deployment joins: probed on the next {@link #maybeProbe}, reported from the next heartbeat. Poll thread. */
    public void add(DeploymentEndpoint d, DeploymentCircuit circuit) {
        retired.remove(d.id());
        update(map -> {
            map.put(d.id(), new DeploymentHealth(d, circuit, fresh));
            return map;
        });
        nextProbe = Instant.MIN;
    }

    /** A deployment's entry changed: its circuit stays, its probe history starts again (it may be another node). */
    public void replace(DeploymentEndpoint d) {
        DeploymentHealth old = health.get(d.id());
        if (old == null) {
            throw new IllegalArgumentException("unknown deployment " + d.id());
        }
        add(d, old.circuit());
    }

    /** A deployment leaves: no more probes; heartbeats say RETIRED with {@code reason} until {@link #remove}. */
    public void retire(String deploymentId, String reason) {
        if (health.containsKey(deploymentId)) {
            retired.put(deploymentId, reason);
        }
    }

    /** Stops reporting a retired deployment. Poll thread. */
    public void remove(String deploymentId) {
        update(map -> {
            map.remove(deploymentId);
            return map;
        });
        retired.remove(deploymentId);
    }

    private void update(UnaryOperator<Map<String, DeploymentHealth>> change) {
        health = change.apply(new LinkedHashMap<>(health));
    }

    /** Starts a probe of every deployment when the interval has passed; never blocks. */
    public void maybeProbe() {
        Instant now = clock.instant();
        if (now.isBefore(nextProbe)) {
            return;
        }
        nextProbe = now.plus(probeInterval);
        if (!started) {
            started = true;
            health.values().forEach(h -> models.atStart(h.deployment()));
        }
        for (DeploymentHealth h : health.values()) {
            if (retired.containsKey(h.deployment().id())) {
                continue;
            }
            boolean recoveryOnly = h.policy() == ProbePolicy.RECOVERY_TRIALS_ONLY;
            Misconfiguration misconfiguration = h.circuit().misconfiguration();
            boolean misconfigured = misconfiguration.isSet();
            if (recoveryOnly && misconfigured) {
                // A misconfigured deployment gets no calls, so only a probe can show it fixed: it is allowed
                // (billed like a call when a container answers it) when its hold is over, backing off while it fails.
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
                boolean changed = h.probed(inRunnerNames(d, result), backOff);
                models.probed(d, result);
                if (trial != null) {
                    trial.finish(result.healthy(), result.latency(), result.error());
                }
                if (changed) {
                    LOG.info("deployment={} probe {}{}", d.id(), result.healthy() ? "healthy" : "unhealthy",
                            result.healthy() ? "" : ": " + result.error());
                    onVerdictChange.run();
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

    private static String listed(List<String> providerNames) {
        return providerNames.isEmpty() ? " is empty" : ": " + String.join(", ", providerNames);
    }

    /**
     * The probe as the deployment's health and misconfiguration read it: a listing names models as the provider
     * does (a Hugging Face id on vLLM), while a misconfiguration remembers the runner's name of the job that
     * struck, so a listed model counts under every runner name the catalogue maps to it.
     */
    private ProbeOutcome inRunnerNames(DeploymentEndpoint d, ProbeOutcome result) {
        if (!result.healthy() || !result.modelsListed()) {
            return result;
        }
        DeploymentModels known = models.catalogue().of(d);
        List<String> runnerNames = new ArrayList<>(result.models());
        List<String> candidates = new ArrayList<>(d.models());
        KnownModels.all().forEach(model -> candidates.add(model.runnerName()));
        for (String runner : candidates) {
            if (!runnerNames.contains(runner) && known.listedIn(runner, result.models())) {
                runnerNames.add(runner);
            }
        }
        return new ProbeOutcome(true, result.latency(), null, result.observedAt(), runnerNames, true, null);
    }

    /**
     * Told of every call's outcome (on the thread that finished it): a call a container answered is the moment
     * to learn a scale-to-zero deployment's model list cheaply.
     */
    public void afterCall(DeploymentEndpoint d, CallOutcome outcome) {
        models.afterCall(d, outcome);
    }

    /** The worker's model catalogue. */
    public ModelCatalogue catalogue() {
        return models.catalogue();
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
        Map<String, DeploymentHealth> current = health;
        List<ProviderStatus> out = new ArrayList<>(current.size());
        for (DeploymentHealth h : current.values()) {
            DeploymentEndpoint d = h.deployment();
            DeploymentHealth.Snapshot s = h.snapshot(now);
            DeploymentLane lane = lanes.get(d.id());
            DeploymentModels served = models.catalogue().of(d);
            String retiredReason = retired.get(d.id());
            boolean metered = ledger != null && ledger.knows(d.id());
            ProviderStatus.Builder status = ProviderStatus.newBuilder()
                    .setDeploymentId(d.id())
                    .setProvider(d.provider())
                    .setRegion(d.region())
                    .setModels(served.served())
                    .setProviderModels(served.providerNames())
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
                    .setWarmSlots(metered ? ledger.warmSlots(d.id(), now) : 0)
                    .setAccountedThrough(metered ? ledger.accountedThrough(d.id()) : null)
                    .setObservedAt(now)
                    .setWorkerId(workerId);
            List<String> missing = served.missing();
            if (retiredReason != null) {
                // Out of the fleet: the router must send nothing new, whatever the last probe said.
                status.setHealthy(false).setError(retiredReason).setCondition(DeploymentCondition.RETIRED);
            } else if (!missing.isEmpty() && s.condition() == DeploymentCondition.SERVING) {
                // Set up for models its provider does not list: jobs for those go elsewhere (the heartbeat's models
                // leave them out); with none of its models left the deployment is misconfigured as a whole.
                String why = "model" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing)
                        + " not on this deployment (its " + d.provider().name().toLowerCase(Locale.ROOT) + " list"
                        + listed(served.listing().orElseThrow().providerNames()) + ")";
                status.setError(why);
                if (served.served().isEmpty()) {
                    status.setHealthy(false).setCondition(DeploymentCondition.MISCONFIGURED);
                }
            }
            out.add(status.build());
        }
        return out;
    }
}
