/**
 * Consumer lag in offsets and seconds with a Burrow-style status per group: {@link io.beacon.ops.lag.LagMonitor}
 * polls an {@link io.beacon.ops.lag.OffsetSource} and publishes immutable {@link io.beacon.ops.lag.LagReport}s.
 */
package io.beacon.ops.lag;
