/**
 * The operators' HTTP endpoints: {@code /metrics}, {@code /lag}, {@code /health} as handlers
 * ({@link io.beacon.ops.http.OpsEndpoints}) and as a small server ({@link io.beacon.ops.http.OpsHttpServer}).
 */
package io.beacon.ops.http;
