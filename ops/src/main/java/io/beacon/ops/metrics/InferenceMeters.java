package io.beacon.ops.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inference meters. Names are chosen so Prometheus shows exactly the integration guide's
 * {@code hybrid_requests_total{provider,region,status}}, {@code hybrid_request_duration_seconds{provider,region}}
 * (a histogram) and {@code hybrid_cost_total{provider,region}} (USD), plus the router's and workers' own
 * {@code beacon_*} meters.
 *
 * <p>Cost is money billed where it was spent, from the cost ledger ({@link #recordCost}): every attempt
 * (failed, timed-out and late duplicate ones too), health probes that reach billed capacity, idle capacity
 * and fees. {@code hybrid_cost_total{provider,region}} counts all of it; {@code beacon_cost_usd_total{provider,
 * region,kind}} splits the same money by {@code kind} (attempt, probe, idle, fee), so the two sum alike. Cost
 * per inference is {@code sum(increase(hybrid_cost_total)) / sum(increase(hybrid_requests_total{status="success"}))}.
 *
 * <p>Labels are kept low-cardinality: provider names lower-cased, an empty region becomes {@code unknown},
 * reasons are short codes. Safe to call from any thread.
 */
public final class InferenceMeters {

    public static final String REQUESTS = "hybrid.requests";
    public static final String REQUEST_DURATION = "hybrid.request.duration";
    public static final String COST = "hybrid.cost";
    /** Prometheus {@code beacon_cost_usd_total{provider,region,kind}}: ledger money by what it paid for. */
    public static final String COST_BY_KIND = "beacon.cost.usd";
    public static final String ROUTING_DECISIONS = "beacon.routing.decisions";
    public static final String FAILOVERS = "beacon.failovers";
    public static final String DLQ_RECORDS = "beacon.dlq.records";
    public static final String DEPLOYMENT_IN_FLIGHT = "beacon.deployment.in.flight";
    /** Jobs the router holds for the baseline tier now ({@code beacon_jobs_held}). */
    public static final String JOBS_HELD = "beacon.jobs.held";
    public static final String DEPLOYMENT_CIRCUIT_STATE = "beacon.deployment.circuit.state";
    /** Prometheus {@code beacon_deployment_condition{deployment,provider,condition}}: 1 for the current one, else 0. */
    public static final String DEPLOYMENT_CONDITION = "beacon.deployment.condition";
    /** Prometheus {@code beacon_attempt_failures_total{provider,blame}}: failed attempts by whose fault they were. */
    public static final String ATTEMPT_FAILURES = "beacon.attempt.failures";

    /** The conditions a deployment's heartbeat reports, as {@code beacon_deployment_condition}'s label values. */
    public static final List<String> CONDITIONS = List.of("unknown", "serving", "unhealthy", "misconfigured", "retired");

    /** Values of {@code beacon_deployment_circuit_state}. */
    public static final int CIRCUIT_UNKNOWN = -1;
    public static final int CIRCUIT_CLOSED = 0;
    public static final int CIRCUIT_HALF_OPEN = 1;
    public static final int CIRCUIT_OPEN = 2;

    static final String UNKNOWN = "unknown";

    /** Bucket bounds that matter for LLM calls, from a fast cached answer to the 120 s ceiling. */
    private static final Duration[] DURATION_SLOS = {
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};

    private record Where(String provider, String region) {
    }

    private record Deployment(String deployment, String provider) {
    }

    private record ResultMeters(Counter success, Counter failure, Timer duration, Counter costUsd) {
    }

    private record Gauged(AtomicInteger value, Meter meter) {
    }

    private final MeterRegistry registry;
    private final Map<Where, ResultMeters> results = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> costByKind = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> decisions = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> failovers = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Map<Deployment, Gauged> inFlight = new ConcurrentHashMap<>();
    private final Map<Deployment, Gauged> circuits = new ConcurrentHashMap<>();
    private final Map<Deployment, Map<String, Gauged>> conditions = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> attemptFailures = new ConcurrentHashMap<>();
    private final AtomicInteger held = new AtomicInteger();
    private volatile boolean heldRegistered;

    public InferenceMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Sets {@code beacon_jobs_held}: the jobs this instance holds for the baseline tier now. */
    public void setJobsHeld(int jobs) {
        if (!heldRegistered) {
            synchronized (held) {
                if (!heldRegistered) {
                    Gauge.builder(JOBS_HELD, held, AtomicInteger::get)
                            .description("Jobs held in the router for the baseline tier (Golem) until it can take them")
                            .register(registry);
                    heldRegistered = true;
                }
            }
        }
        held.set(jobs);
    }

    /**
     * One finished job: counts it under {@code status=success|failure} and records its end-to-end duration
     * (skipped when null). Its money is counted from the ledger by {@link #recordCost}.
     */
    public void recordResult(String provider, String region, boolean success, Duration duration) {
        recordResult(provider, region, success, duration, 0);
    }

    /**
     * One cost-ledger entry: adds {@code amountUsd} to {@code hybrid_cost_total{provider,region}} and to
     * {@code beacon_cost_usd_total{provider,region,kind}} (kind lower-cased: attempt, probe, idle, fee).
     * Negative, zero or NaN amounts are not added (the counters are still registered).
     */
    public void recordCost(String provider, String region, String kind, double amountUsd) {
        Where where = new Where(provider(provider), label(region));
        ResultMeters meters = results.computeIfAbsent(where, this::resultMeters);
        Counter byKind = costByKind.computeIfAbsent(List.of(where.provider(), where.region(),
                label(kind).toLowerCase(Locale.ROOT)), key -> Counter.builder(COST_BY_KIND)
                .description("Money billed in USD from the cost ledger, by what it paid for: attempt, probe, idle, fee")
                .tags("provider", key.get(0), "region", key.get(1), "kind", key.get(2)).register(registry));
        if (Double.isFinite(amountUsd) && amountUsd > 0) {
            meters.costUsd().increment(amountUsd);
            byKind.increment(amountUsd);
        }
    }

    /**
     * One finished job with a cost to add directly (negative or NaN costs are not added). Components that
     * read the cost ledger count money with {@link #recordCost} instead and pass 0 here.
     */
    public void recordResult(String provider, String region, boolean success, Duration duration, double costUsd) {
        ResultMeters meters = results.computeIfAbsent(new Where(provider(provider), label(region)), this::resultMeters);
        (success ? meters.success() : meters.failure()).increment();
        if (duration != null && !duration.isNegative()) {
            meters.duration().record(duration);
        }
        if (costUsd > 0) {
            meters.costUsd().increment(costUsd);
        }
    }

    /** One routing decision for {@code provider}, with a short reason code (baseline, burst_overflow, ...). */
    public void recordDecision(String provider, String reasonCode) {
        String reason = label(reasonCode).toLowerCase(Locale.ROOT);
        decisions.computeIfAbsent(List.of(provider(provider), reason), key -> Counter
                .builder(ROUTING_DECISIONS).description("Routing decisions by chosen provider and reason")
                .tags("provider", key.get(0), "reason", key.get(1)).register(registry)).increment();
    }

    /** A job moved from one provider to another after a failed attempt. */
    public void recordFailover(String fromProvider, String toProvider) {
        failovers.computeIfAbsent(List.of(provider(fromProvider), provider(toProvider)), key -> Counter
                .builder(FAILOVERS).description("Jobs retried on another provider after a failed attempt")
                .tags("from_provider", key.get(0), "to_provider", key.get(1)).register(registry)).increment();
    }

    /** A record written to the dead-letter topic {@code topic}. */
    public void recordDeadLetter(String topic) {
        deadLetters.computeIfAbsent(label(topic), key -> Counter.builder(DLQ_RECORDS)
                .description("Records written to a dead-letter topic").tags("topic", key).register(registry))
                .increment();
    }

    /** Jobs a deployment is running now. */
    public void setInFlight(String deployment, String provider, int jobs) {
        gauge(inFlight, DEPLOYMENT_IN_FLIGHT, "Jobs a deployment is running now", deployment, provider).set(jobs);
    }

    /**
     * A deployment's circuit breaker: {@link #CIRCUIT_CLOSED}, {@link #CIRCUIT_HALF_OPEN}, {@link #CIRCUIT_OPEN},
     * or {@link #CIRCUIT_UNKNOWN}.
     */
    public void setCircuitState(String deployment, String provider, int state) {
        if (state < CIRCUIT_UNKNOWN || state > CIRCUIT_OPEN) {
            throw new IllegalArgumentException("circuit state must be -1 (unknown), 0 (closed), 1 (half open) or"
                    + " 2 (open), was " + state);
        }
        gauge(circuits, DEPLOYMENT_CIRCUIT_STATE, "Circuit breaker of a deployment: 0 closed, 1 half open, 2 open,"
                + " -1 unknown", deployment, provider).set(state);
    }

    /** The same, from a state's name: CLOSED, HALF_OPEN, OPEN; anything else is unknown. */
    public void setCircuitState(String deployment, String provider, String stateName) {
        String name = stateName == null ? "" : stateName.trim().toUpperCase(Locale.ROOT);
        int state = switch (name) {
            case "CLOSED" -> CIRCUIT_CLOSED;
            case "HALF_OPEN" -> CIRCUIT_HALF_OPEN;
            case "OPEN" -> CIRCUIT_OPEN;
            default -> CIRCUIT_UNKNOWN;
        };
        setCircuitState(deployment, provider, state);
    }

    /**
     * A deployment's condition as its heartbeat reports it (serving, unhealthy, misconfigured, retired, unknown;
     * any case): {@code beacon_deployment_condition{deployment,provider,condition}} is 1 for it and 0 for the
     * others, so {@code beacon_deployment_condition{condition="misconfigured"} == 1} lists the deployments out
     * of service for their set-up.
     */
    public void setDeploymentCondition(String deployment, String provider, String condition) {
        String current = label(condition).toLowerCase(Locale.ROOT);
        String known = CONDITIONS.contains(current) ? current : "unknown";
        Map<String, Gauged> series = conditions.computeIfAbsent(new Deployment(label(deployment), provider(provider)),
                key -> {
                    Map<String, Gauged> all = new ConcurrentHashMap<>();
                    for (String c : CONDITIONS) {
                        AtomicInteger value = new AtomicInteger();
                        Meter meter = Gauge.builder(DEPLOYMENT_CONDITION, value, AtomicInteger::get)
                                .description("A deployment's condition as its heartbeat reports it: 1 for the"
                                        + " current one (serving, unhealthy, misconfigured, retired), else 0")
                                .tags("deployment", key.deployment(), "provider", key.provider(), "condition", c)
                                .strongReference(true).register(registry);
                        all.put(c, new Gauged(value, meter));
                    }
                    return all;
                });
        series.forEach((c, gauged) -> gauged.value().set(c.equals(known) ? 1 : 0));
    }

    /**
     * One failed attempt, by whose fault it was: {@code blame} request, misconfigured, unhealthy or unknown (an
     * attempt that does not say). {@code beacon_attempt_failures_total{provider,blame}}.
     */
    public void recordAttemptFailure(String provider, String blame) {
        attemptFailures.computeIfAbsent(List.of(provider(provider), label(blame).toLowerCase(Locale.ROOT)),
                key -> Counter.builder(ATTEMPT_FAILURES)
                        .description("Failed attempts by provider and whose fault: request (ends the job),"
                                + " misconfigured or unhealthy (the deployment's; the job fails over), unknown")
                        .tags("provider", key.get(0), "blame", key.get(1)).register(registry)).increment();
    }

    /** Drops a deployment's gauges (it was removed), so it stops being reported. */
    public void removeDeployment(String deployment, String provider) {
        Deployment key = new Deployment(label(deployment), provider(provider));
        Gauged gone = inFlight.remove(key);
        if (gone != null) {
            registry.remove(gone.meter());
        }
        gone = circuits.remove(key);
        if (gone != null) {
            registry.remove(gone.meter());
        }
        Map<String, Gauged> condition = conditions.remove(key);
        if (condition != null) {
            condition.values().forEach(g -> registry.remove(g.meter()));
        }
    }

    private ResultMeters resultMeters(Where where) {
        Tags tags = Tags.of("provider", where.provider(), "region", where.region());
        return new ResultMeters(
                requests(tags, "success"),
                requests(tags, "failure"),
                Timer.builder(REQUEST_DURATION).description("End-to-end duration of inference jobs").tags(tags)
                        .publishPercentileHistogram()
                        .serviceLevelObjectives(DURATION_SLOS)
                        .minimumExpectedValue(DURATION_SLOS[0])
                        .maximumExpectedValue(DURATION_SLOS[DURATION_SLOS.length - 1])
                        .register(registry),
                Counter.builder(COST).description("Money billed in USD (cost ledger: attempts, probes, idle, fees)").tags(tags).register(registry));
    }

    private Counter requests(Tags tags, String status) {
        return Counter.builder(REQUESTS).description("Finished inference jobs by provider, region and outcome")
                .tags(tags).tag("status", status).register(registry);
    }

    private AtomicInteger gauge(Map<Deployment, Gauged> gauges, String name, String description, String deployment,
            String provider) {
        return gauges.computeIfAbsent(new Deployment(label(deployment), provider(provider)), key -> {
            AtomicInteger value = new AtomicInteger();
            Meter meter = Gauge.builder(name, value, AtomicInteger::get).description(description)
                    .tags("deployment", key.deployment(), "provider", key.provider())
                    .strongReference(true).register(registry);
            return new Gauged(value, meter);
        }).value();
    }

    private static String provider(String provider) {
        return label(provider).toLowerCase(Locale.ROOT);
    }

    private static String label(String value) {
        return value == null || value.isBlank() ? UNKNOWN : value.trim();
    }
}
