package io.beacon.workers.cost;

/**
 * What one call was billed: its share of the unit time it occupied.
 *
 * @param unitSeconds capacity seconds apportioned to the call (shared equally with the calls on the same unit)
 * @param amountUsd   money apportioned to the call, in US dollars
 * @param unit        the unit it ran on ({@code lease}, {@code container-0}, {@code worker-1}); null when it
 *                    never got a slot
 */
public record Charge(double unitSeconds, double amountUsd, String unit) {

    /** Nothing billed: the call never ran on a unit. */
    public static final Charge NONE = new Charge(0.0, 0.0, null);
}
