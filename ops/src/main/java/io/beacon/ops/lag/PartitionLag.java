package io.beacon.ops.lag;

/**
 * One partition of a group, as of one poll.
 *
 * @param committedOffset      the group's committed offset (the next record it will read); for a partition
 *                             the group never committed on ({@code committed} false), the log start offset
 *                             its member started from
 * @param endOffset            the log end offset (high watermark), as {@code kafka-consumer-groups} reads it
 * @param lag                  {@code max(0, endOffset - committedOffset)}
 * @param lagSeconds           how long ago the log end stood at the committed offset
 * @param lagSecondsLowerBound true when {@code lagSeconds} is only a lower bound (the committed offset is
 *                             older than the remembered end-offset history)
 * @param status               this partition's status over the sliding window
 * @param committed            false for a partition assigned to a member that has not committed on it yet
 *                             ({@code kafka-consumer-groups} shows "-" there)
 */
public record PartitionLag(String topic, int partition, long committedOffset, long endOffset, long lag,
                           double lagSeconds, boolean lagSecondsLowerBound, LagStatus status, boolean committed) {

    /** A partition the group has committed on. */
    public PartitionLag(String topic, int partition, long committedOffset, long endOffset, long lag,
                        double lagSeconds, boolean lagSecondsLowerBound, LagStatus status) {
        this(topic, partition, committedOffset, endOffset, lag, lagSeconds, lagSecondsLowerBound, status, true);
    }
}
