package io.beacon.lab.engine;

import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;

/**
 * The router under test, fed what it reads from its input topics at the current virtual instant. Two engines:
 * {@link DirectRouter} drives the topology's processors itself (fast: the lab's default), {@link TopologyRouter}
 * runs the real topology under Kafka Streams' TopologyTestDriver (every record serialised, RocksDB stores;
 * slow, the reference). With no Kafka hop between the router's own topics they give the same results, which
 * {@code PolicyRunFidelityTest} checks.
 */
public interface RouterEngine extends AutoCloseable {

    /** Which engine a lab run uses. */
    enum Kind {
        DIRECT, TOPOLOGY
    }

    /** Where the router's output goes. */
    interface Outputs {
        /** A job was written to its provider's jobs topic. */
        void routed(RoutedJob job);

        /** A job's one final result was written. */
        void result(InferenceResult result);
    }

    /** A request read from {@code inference-requests}. */
    void request(InferenceRequest request);

    /** An attempt read from {@code job-attempts}, in the partition its routed job named. */
    void attempt(JobAttempt attempt, int partition);

    /** A heartbeat read from {@code provider-status}. */
    void heartbeat(ProviderStatus status);

    /** A ledger entry read from {@code cost-ledger}. */
    void cost(CostEntry entry);

    /**
     * Moves the router's wall clock to the current virtual instant; the wall-clock punctuations that fall due
     * (the lifecycle's scan: time-outs, waits, forgetting finished jobs) run. Every input does this first.
     */
    void advance();

    @Override
    void close();
}
