/**
 * What Beacon's integration tests and benchmarks share: {@link io.beacon.testsupport.IsolatedRun} (a run of
 * its own on the shared broker), {@link io.beacon.testsupport.TopicReader} (typed reading until a count or a
 * deadline), {@link io.beacon.testsupport.GroupOffsets} (committed against end offsets),
 * {@link io.beacon.testsupport.MutableClock} and {@link io.beacon.testsupport.PrometheusText}.
 */
package io.beacon.testsupport;
