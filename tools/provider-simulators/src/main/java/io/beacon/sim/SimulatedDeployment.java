package io.beacon.sim;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One deployment Beacon can route to, as the simulator serves it.
 *
 * @param id                 unique id; also RunPod's endpoint id in {@code /v2/{id}}, so URL-safe
 * @param provider           which protocol the deployment speaks
 * @param region             free-form region label, e.g. {@code eu-central}
 * @param models             models served, e.g. {@code llama3.2:1b}; the first is the default where a protocol
 *                           lets the client omit the model
 * @param pricePerSecondUsd  price of one billed second
 * @param capacity           requests served concurrently (Ollama's parallel slots, Modal containers x inputs,
 *                           RunPod max workers)
 * @param queueLimit         requests allowed to wait beyond {@code capacity}; beyond that Ollama answers 503,
 *                           Modal and RunPod 429
 * @param latency            time one request takes on a warm worker
 * @param coldStart          extra time paid by the first request after {@code idleTimeout} without traffic
 *                           (zero for Golem nodes, which are always warm)
 * @param idleTimeout        time a serverless unit stays up (and billed) after its last call: Modal's
 *                           {@code scaledown_window}, RunPod's idle timeout; unused for Golem leases
 * @param startFeeUsd        Golem only: the lease's start fee, billed once when the lease starts
 * @param slotsPerUnit       calls one billed unit serves at once: a Golem node's parallel slots (always
 *                           {@code capacity}: a node is one unit), a Modal container's concurrent inputs
 *                           ({@code max_inputs}), a RunPod worker's concurrent jobs
 * @param activeUnits        RunPod only: ACTIVE (always-on) workers, counted in {@link #maxUnits()}
 * @param activePricePerSecondUsd RunPod only: the price of one second of one active worker
 * @param maxModelLen        the model's context window in tokens (vLLM's {@code max_model_len}): Modal and RunPod
 *                           refuse a request that does not fit, as vLLM does
 */
public record SimulatedDeployment(
        String id,
        SimProvider provider,
        String region,
        List<String> models,
        double pricePerSecondUsd,
        int capacity,
        int queueLimit,
        LatencyModel latency,
        Duration coldStart,
        Duration idleTimeout,
        double startFeeUsd,
        int slotsPerUnit,
        int activeUnits,
        double activePricePerSecondUsd,
        int maxModelLen) {

    /** Default {@link #maxModelLen}: a context window the demo's prompts and answers fit in many times over. */
    public static final int DEFAULT_MAX_MODEL_LEN = 8192;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public SimulatedDeployment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(coldStart, "coldStart");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id must be URL-safe ([A-Za-z0-9._-], not starting with . _ -): " + id);
        }
        models = List.copyOf(models);
        if (models.isEmpty() || models.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("deployment " + id + " must serve at least one named model: " + models);
        }
        if (!(pricePerSecondUsd >= 0.0) || Double.isInfinite(pricePerSecondUsd)) {
            throw new IllegalArgumentException("pricePerSecondUsd must be a finite number >= 0: " + pricePerSecondUsd);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        }
        if (queueLimit < 0) {
            throw new IllegalArgumentException("queueLimit must be >= 0: " + queueLimit);
        }
        if (coldStart.isNegative()) {
            throw new IllegalArgumentException("coldStart must not be negative: " + coldStart);
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
        }
        requireFiniteNonNegative("startFeeUsd", startFeeUsd);
        requireFiniteNonNegative("activePricePerSecondUsd", activePricePerSecondUsd);
        if (slotsPerUnit < 1) {
            throw new IllegalArgumentException("slotsPerUnit must be >= 1: " + slotsPerUnit);
        }
        if (provider == SimProvider.GOLEM && slotsPerUnit != capacity) {
            throw new IllegalArgumentException("a Golem node is one leased unit: slotsPerUnit (" + slotsPerUnit
                    + ") must equal capacity (" + capacity + ")");
        }
        if (activeUnits < 0) {
            throw new IllegalArgumentException("activeUnits must be >= 0: " + activeUnits);
        }
        int maxUnits = (capacity + slotsPerUnit - 1) / slotsPerUnit;
        if (activeUnits > maxUnits) {
            throw new IllegalArgumentException("activeUnits (" + activeUnits + ") must be <= maxUnits = ceil(capacity "
                    + capacity + " / slotsPerUnit " + slotsPerUnit + ") = " + maxUnits);
        }
        if (activeUnits > 0 && provider != SimProvider.RUNPOD) {
            throw new IllegalArgumentException("activeUnits are RunPod active workers; " + provider
                    + " deployments have none: " + activeUnits);
        }
        if (startFeeUsd > 0.0 && provider != SimProvider.GOLEM) {
            throw new IllegalArgumentException("startFeeUsd is a Golem lease start fee; " + provider
                    + " deployments have none: " + startFeeUsd);
        }
        if (maxModelLen < 1) {
            throw new IllegalArgumentException("maxModelLen must be >= 1: " + maxModelLen);
        }
    }

    /** The deployment with the default context window ({@link #DEFAULT_MAX_MODEL_LEN}). */
    public SimulatedDeployment(String id, SimProvider provider, String region, List<String> models,
                               double pricePerSecondUsd, int capacity, int queueLimit, LatencyModel latency,
                               Duration coldStart, Duration idleTimeout, double startFeeUsd, int slotsPerUnit,
                               int activeUnits, double activePricePerSecondUsd) {
        this(id, provider, region, models, pricePerSecondUsd, capacity, queueLimit, latency, coldStart, idleTimeout,
                startFeeUsd, slotsPerUnit, activeUnits, activePricePerSecondUsd, DEFAULT_MAX_MODEL_LEN);
    }

    /**
     * The deployment as it was before billing units (components up to {@code idleTimeout}): no start fee, no
     * active workers, and the provider's default slots per unit (Golem: capacity, Modal and RunPod: 1).
     */
    public SimulatedDeployment(String id, SimProvider provider, String region, List<String> models,
                               double pricePerSecondUsd, int capacity, int queueLimit, LatencyModel latency,
                               Duration coldStart, Duration idleTimeout) {
        this(id, provider, region, models, pricePerSecondUsd, capacity, queueLimit, latency, coldStart, idleTimeout,
                0.0, defaultSlotsPerUnit(provider, capacity), 0, 0.0, DEFAULT_MAX_MODEL_LEN);
    }

    /** Billed units the deployment can have up at once: {@code ceil(capacity / slotsPerUnit)}. */
    public int maxUnits() {
        return (capacity + slotsPerUnit - 1) / slotsPerUnit;
    }

    /** How the provider bills this deployment. */
    public BillingModel billingModel() {
        return switch (provider) {
            case GOLEM -> BillingModel.LEASE;
            case MODAL -> BillingModel.CONTAINER;
            case RUNPOD -> BillingModel.WORKER;
        };
    }

    private static int defaultSlotsPerUnit(SimProvider provider, int capacity) {
        return provider == SimProvider.GOLEM ? capacity : 1;
    }

    private static void requireFiniteNonNegative(String field, double value) {
        if (!(value >= 0.0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be a finite number >= 0: " + value);
        }
    }

    /** Whether this deployment serves {@code model}. */
    public boolean serves(String model) {
        return models.contains(model);
    }

    /**
     * The model used when a request names none (where the protocol allows that); the one model a RunPod
     * worker-vllm endpoint serves, whatever the request names.
     */
    public String defaultModel() {
        return models.get(0);
    }

    /**
     * A builder with defaults typical of the provider: Golem ~$0.0001/s, capacity 4, queue 8, ~1.2 s, no cold
     * start; Modal T4 $0.000164/s, capacity 8, queue 16, ~0.8 s, 3 s cold start after 30 s idle; RunPod flex
     * 16 GB $0.00016/s, capacity 8, queue 16, ~0.9 s, 2 s cold start after RunPod's default 5 s idle timeout.
     * All serve {@code llama3.2:1b} in region {@code local}.
     */
    public static Builder builder(String id, SimProvider provider) {
        return new Builder(id, provider);
    }

    /** A builder pre-filled with this deployment's values. */
    public Builder toBuilder() {
        return new Builder(id, provider)
                .region(region)
                .models(models)
                .pricePerSecondUsd(pricePerSecondUsd)
                .capacity(capacity)
                .queueLimit(queueLimit)
                .latency(latency)
                .coldStart(coldStart)
                .idleTimeout(idleTimeout)
                .startFeeUsd(startFeeUsd)
                // A Golem node's slots follow its capacity; only serverless units have their own setting.
                .slotsPerUnit(provider == SimProvider.GOLEM ? null : slotsPerUnit)
                .activeUnits(activeUnits)
                .activePricePerSecondUsd(activePricePerSecondUsd)
                .maxModelLen(maxModelLen);
    }

    /** Builds a {@link SimulatedDeployment}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final String id;
        private final SimProvider provider;
        private String region = "local";
        private List<String> models = List.of("llama3.2:1b");
        private double pricePerSecondUsd;
        private int capacity;
        private int queueLimit;
        private LatencyModel latency;
        private Duration coldStart;
        private Duration idleTimeout;
        private double startFeeUsd;
        private Integer slotsPerUnit;
        private int activeUnits;
        private double activePricePerSecondUsd;
        private int maxModelLen = DEFAULT_MAX_MODEL_LEN;

        private Builder(String id, SimProvider provider) {
            this.id = Objects.requireNonNull(id, "id");
            this.provider = Objects.requireNonNull(provider, "provider");
            switch (provider) {
                case GOLEM -> {
                    pricePerSecondUsd = 0.0001;
                    capacity = 4;
                    queueLimit = 8;
                    latency = new LatencyModel(Duration.ofMillis(900), 0.35, Duration.ofMillis(4));
                    coldStart = Duration.ZERO;
                    idleTimeout = Duration.ofMinutes(5);
                }
                case MODAL -> {
                    pricePerSecondUsd = 0.000164;
                    capacity = 8;
                    queueLimit = 16;
                    latency = new LatencyModel(Duration.ofMillis(500), 0.3, Duration.ofMillis(4));
                    coldStart = Duration.ofSeconds(3);
                    idleTimeout = Duration.ofSeconds(30);
                }
                case RUNPOD -> {
                    pricePerSecondUsd = 0.00016;
                    capacity = 8;
                    queueLimit = 16;
                    latency = new LatencyModel(Duration.ofMillis(600), 0.3, Duration.ofMillis(4));
                    coldStart = Duration.ofSeconds(2);
                    idleTimeout = Duration.ofSeconds(5);
                }
                default -> throw new IllegalArgumentException("unknown provider " + provider);
            }
        }

        public Builder region(String region) {
            this.region = region;
            return this;
        }

        public Builder models(List<String> models) {
            this.models = models;
            return this;
        }

        public Builder models(String... models) {
            this.models = Arrays.asList(models);
            return this;
        }

        public Builder pricePerSecondUsd(double pricePerSecondUsd) {
            this.pricePerSecondUsd = pricePerSecondUsd;
            return this;
        }

        public Builder capacity(int capacity) {
            this.capacity = capacity;
            return this;
        }

        public Builder queueLimit(int queueLimit) {
            this.queueLimit = queueLimit;
            return this;
        }

        public Builder latency(LatencyModel latency) {
            this.latency = latency;
            return this;
        }

        public Builder coldStart(Duration coldStart) {
            this.coldStart = coldStart;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** Golem: the lease's start fee in USD, billed once when the lease starts (default 0). */
        public Builder startFeeUsd(double startFeeUsd) {
            this.startFeeUsd = startFeeUsd;
            return this;
        }

        /**
         * Calls one billed unit serves at once (default: Golem {@code capacity}, Modal 1, RunPod 1); null restores
         * the default.
         */
        public Builder slotsPerUnit(Integer slotsPerUnit) {
            this.slotsPerUnit = slotsPerUnit;
            return this;
        }

        /** RunPod: always-on ACTIVE workers, billed continuously from the first request (default 0). */
        public Builder activeUnits(int activeUnits) {
            this.activeUnits = activeUnits;
            return this;
        }

        /** RunPod: price of one active worker second (default 0). */
        public Builder activePricePerSecondUsd(double activePricePerSecondUsd) {
            this.activePricePerSecondUsd = activePricePerSecondUsd;
            return this;
        }

        /** The model's context window in tokens (vLLM's {@code max_model_len}; default 8192). */
        public Builder maxModelLen(int maxModelLen) {
            this.maxModelLen = maxModelLen;
            return this;
        }

        public SimulatedDeployment build() {
            int slots = slotsPerUnit != null ? slotsPerUnit : defaultSlotsPerUnit(provider, capacity);
            return new SimulatedDeployment(id, provider, region, models, pricePerSecondUsd, capacity, queueLimit,
                    latency, coldStart, idleTimeout, startFeeUsd, slots, activeUnits, activePricePerSecondUsd,
                    maxModelLen);
        }
    }
}
