package io.beacon.ops.lag;

import java.time.Instant;

/** One point of a group's recent history, for charts: its total lag and worst lag in seconds at a poll. */
public record LagPoint(Instant at, long totalLag, double maxLagSeconds) {
}
