package io.beacon.workers.core;

import io.beacon.schemas.avro.BillingModel;
import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.util.Objects;

/**
 * How a provider bills a deployment's capacity, as the worker's cost ledger models it (the billing rule in
 * {@code notes/billing-rule.md}): billed units, each serving up to {@code slotsPerUnit} calls at once, at
 * most {@code ceil(capacity / slotsPerUnit)} of them up.
 *
 * @param model                   LEASE (Golem: one leased node, billed from first contact, never stops),
 *                                CONTAINER (Modal: containers billed from cold start to last call + window) or
 *                                WORKER (RunPod: flex workers rounded up to the second at stop, plus always-on
 *                                active workers)
 * @param startFeeUsd             charged once per unit start (a lease: once, at lease start)
 * @param idleWindow              how long a unit stays up and billed after its last call (Modal's
 *                                scaledown_window, RunPod's idle timeout); zero for a lease
 * @param slotsPerUnit            calls one unit serves at once (Golem: the capacity; Modal: max_inputs)
 * @param activeUnits             RunPod active workers: always up from first contact, at the active price
 * @param activePricePerSecondUsd price per second of an active worker
 */
public record Billing(BillingModel model, double startFeeUsd, Duration idleWindow, int slotsPerUnit,
                      int activeUnits, double activePricePerSecondUsd) {

    /** Modal's default scaledown_window. */
    public static final Duration MODAL_IDLE_WINDOW = Duration.ofSeconds(60);
    /** RunPod's default idle timeout. */
    public static final Duration RUNPOD_IDLE_WINDOW = Duration.ofSeconds(5);
    /** RunPod's published active price for L4 / A5000 / 3090 workers, US dollars per second. */
    public static final double RUNPOD_ACTIVE_PRICE = 0.00013;

    public Billing {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(idleWindow, "idleWindow");
        if (model == BillingModel.UNKNOWN) {
            throw new IllegalArgumentException("billing model must be LEASE, CONTAINER or WORKER");
        }
        if (!Double.isFinite(startFeeUsd) || startFeeUsd < 0) {
            throw new IllegalArgumentException("start fee must be >= 0");
        }
        if (idleWindow.isNegative()) {
            throw new IllegalArgumentException("idle window must not be negative");
        }
        if (slotsPerUnit < 1) {
            throw new IllegalArgumentException("slots per unit must be at least 1");
        }
        if (activeUnits < 0) {
            throw new IllegalArgumentException("active units must be >= 0");
        }
        if (!Double.isFinite(activePricePerSecondUsd) || activePricePerSecondUsd < 0) {
            throw new IllegalArgumentException("active price must be >= 0");
        }
    }

    /** The provider's defaults for a deployment of {@code capacity} concurrent calls. */
    public static Billing defaults(ProviderKind kind, int capacity) {
        return switch (kind) {
            case GOLEM -> new Billing(BillingModel.LEASE, 0.0, Duration.ZERO, Math.max(1, capacity), 0, 0.0);
            case MODAL -> new Billing(BillingModel.CONTAINER, 0.0, MODAL_IDLE_WINDOW, 1, 0, 0.0);
            case RUNPOD -> new Billing(BillingModel.WORKER, 0.0, RUNPOD_IDLE_WINDOW, 1, 0, RUNPOD_ACTIVE_PRICE);
            default -> throw new IllegalArgumentException("no billing for provider kind " + kind);
        };
    }

    /** Most units up at once for {@code capacity} concurrent calls: ceil(capacity / slots). */
    public int maxUnits(int capacity) {
        return Math.max(1, (capacity + slotsPerUnit - 1) / slotsPerUnit);
    }
}
