package io.beacon.ops.metrics;

/** A client's metrics bound to the registry; closing it removes them (close it before the client). */
public interface MetricsBinding extends AutoCloseable {

    @Override
    void close();
}
