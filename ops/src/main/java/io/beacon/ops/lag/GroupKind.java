package io.beacon.ops.lag;

/**
 * The kinds of group whose lag the monitor reads. Both commit offsets the same way (so one offset fetch
 * serves both), but their membership is described through different Admin calls.
 */
public enum GroupKind {
    /** A consumer group on the classic or the consumer (KIP-848) rebalance protocol. */
    CONSUMER,
    /** A Kafka Streams application on the streams rebalance protocol (KIP-1071). */
    STREAMS
}
