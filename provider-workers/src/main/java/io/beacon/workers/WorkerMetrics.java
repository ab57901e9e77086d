package io.beacon.workers;

import io.beacon.ops.metrics.InferenceMeters;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.workers.core.DeploymentEndpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.workers.cost.CostLedger;
import java.util.concurrent.atomic.AtomicInteger;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A worker's own meters, fed by what it reports ({@link WorkerObserver}), so they agree with the records the
 * router acts on:
 * <ul>
 *   <li>{@code beacon_deployment_in_flight{deployment,provider}} and
 *       {@code beacon_deployment_circuit_state{deployment,provider}} (0 closed, 1 half open, 2 open, -1 not
 *       reported yet) from each heartbeat;</li>
 *   <li>{@code beacon_attempts_total{provider,deployment,outcome}} per attempt the broker acknowledged, outcome
 *       {@code succeeded}, {@code retryable_failure} or {@code permanent_failure};</li>
 *   <li>{@code beacon_attempt_duration_seconds{provider,deployment}}: the provider time of attempts that reached
 *       the deployment. Refusals without a call (circuit open, deadline passed, unknown deployment) are counted
 *       but not timed: their zero would hide the deployment's real latency.</li>
 * </ul>
 * Every deployment's series exist from the start (at zero), so a rate over them is defined before the first
 * job. Thread-safe.
 */
public final class WorkerMetrics implements WorkerObserver {

    public static final String ATTEMPTS = "beacon.attempts";
    public static final String ATTEMPT_DURATION = "beacon.attempt.duration";
    /** Prometheus: {@code beacon_worker_cost_usd_total{provider,deployment,kind}}. */
    public static final String COST = "beacon.worker.cost.usd";
    /** Prometheus: {@code beacon_worker_units_up{provider,deployment}}. */
    public static final String UNITS_UP = "beacon.worker.units.up";

    /** Bucket bounds from a fast local model to the 120 s request time-out. */
    private static final Duration[] DURATION_BUCKETS = {
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};

    private static final List<AttemptOutcome> COUNTED = List.of(AttemptOutcome.SUCCEEDED,
            AttemptOutcome.RETRYABLE_FAILURE, AttemptOutcome.PERMANENT_FAILURE);

    private record Series(String provider, String deployment) {
    }

    private record Counted(Series series, String outcome) {
    }

    private final MeterRegistry registry;
    private final InferenceMeters meters;
    private final Map<Counted, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<Series, Timer> durations = new ConcurrentHashMap<>();
    private final Map<Counted, Counter> costs = new ConcurrentHashMap<>();
    private final Map<Series, AtomicInteger> unitsUp = new ConcurrentHashMap<>();
    private final String provider;

    /** Meters on {@code registry}, with the series of {@code deployments} (all of {@code kind}) at zero. */
    public WorkerMetrics(MeterRegistry registry, ProviderKind kind, Collection<DeploymentEndpoint> deployments) {
        this.registry = registry;
        this.meters = new InferenceMeters(registry);
        String provider = label(kind);
        this.provider = provider;
        for (DeploymentEndpoint d : deployments) {
            register(d);
        }
    }

    /** A deployment that joined while the worker runs gets its series at zero, like those of the start. */
    @Override
    public void deploymentJoined(DeploymentEndpoint d) {
        if (!durations.containsKey(new Series(provider, d.id()))) {
            register(d);
        }
    }

    private void register(DeploymentEndpoint d) {
        meters.setInFlight(d.id(), provider, 0);
        meters.setCircuitState(d.id(), provider, InferenceMeters.CIRCUIT_UNKNOWN);
        Series series = new Series(provider, d.id());
        COUNTED.forEach(outcome -> counter(new Counted(series, label(outcome))));
        timer(series);
        units(series);
        for (CostKind k : List.of(CostKind.ATTEMPT, CostKind.PROBE, CostKind.IDLE, CostKind.FEE)) {
            cost(new Counted(series, label(k)));
        }
    }

    @Override
    public void statusPublished(ProviderStatus status) {
        String provider = label(status.getProvider());
        meters.setInFlight(status.getDeploymentId(), provider, status.getInFlight());
        meters.setCircuitState(status.getDeploymentId(), provider, circuitValue(status.getCircuitState()));
    }

    @Override
    public void attemptWritten(JobAttempt attempt) {
        Series series = new Series(label(attempt.getProvider()), attempt.getDeploymentId());
        counter(new Counted(series, label(attempt.getOutcome()))).increment();
        if (reachedProvider(attempt)) {
            timer(series).record(Duration.ofMillis(attempt.getProviderTimeMs()));
        }
    }

    @Override
    public void costEntryWritten(CostEntry entry) {
        Series series = new Series(label(entry.getProvider()), entry.getDeploymentId());
        cost(new Counted(series, label(entry.getKind()))).increment(Math.max(0.0, entry.getAmountUsd()));
    }

    @Override
    public void ledgerSnapshot(CostLedger.Snapshot snapshot) {
        units(new Series(provider, snapshot.deploymentId())).set(snapshot.unitsUp());
    }

    private Counter cost(Counted key) {
        return costs.computeIfAbsent(key, k -> Counter.builder(COST)
                .description("Money the worker put in the cost ledger, by deployment and kind")
                .tags("provider", k.series().provider(), "deployment", k.series().deployment(), "kind", k.outcome())
                .register(registry));
    }

    private AtomicInteger units(Series key) {
        return unitsUp.computeIfAbsent(key, k -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder(UNITS_UP, value, AtomicInteger::get)
                    .description("Billed units (lease, containers, workers) up per the worker's cost ledger")
                    .tags("provider", k.provider(), "deployment", k.deployment())
                    .register(registry);
            return value;
        });
    }

    /** {@code beacon_deployment_circuit_state}'s value for a heartbeat's {@link CircuitState}. */
    public static int circuitValue(CircuitState state) {
        if (state == null) {
            return InferenceMeters.CIRCUIT_UNKNOWN;
        }
        return switch (state) {
            case CLOSED -> InferenceMeters.CIRCUIT_CLOSED;
            case HALF_OPEN -> InferenceMeters.CIRCUIT_HALF_OPEN;
            case OPEN -> InferenceMeters.CIRCUIT_OPEN;
            default -> InferenceMeters.CIRCUIT_UNKNOWN;
        };
    }

    /**
     * A refusal without a call starts and finishes at the same instant and reports no provider time; any call,
     * even one that failed, took some.
     */
    private static boolean reachedProvider(JobAttempt attempt) {
        return attempt.getProviderTimeMs() > 0 || attempt.getFinishedAt().isAfter(attempt.getStartedAt());
    }

    private Counter counter(Counted key) {
        return attempts.computeIfAbsent(key, k -> Counter.builder(ATTEMPTS)
                .description("Attempts the broker acknowledged, by deployment and outcome")
                .tags("provider", k.series().provider(), "deployment", k.series().deployment(), "outcome", k.outcome())
                .register(registry));
    }

    private Timer timer(Series key) {
        return durations.computeIfAbsent(key, k -> Timer.builder(ATTEMPT_DURATION)
                .description("Provider time of attempts that reached the deployment")
                .tags("provider", k.provider(), "deployment", k.deployment())
                .serviceLevelObjectives(DURATION_BUCKETS)
                .register(registry));
    }

    private static String label(Enum<?> value) {
        return value == null ? "unknown" : value.name().toLowerCase(Locale.ROOT);
    }
}
