package io.beacon.workers.cost;

/** What occupies a slot of a billed unit: an attempt's HTTP call, or a health probe that reaches capacity. */
public enum CallKind {
    ATTEMPT,
    PROBE
}
