/**
 * Prometheus metrics through Micrometer: {@link io.beacon.ops.metrics.OpsMetrics} (the registry, JVM and
 * Kafka client metrics) and {@link io.beacon.ops.metrics.InferenceMeters} (the guide's hybrid_* meters and
 * Beacon's own).
 */
package io.beacon.ops.metrics;
