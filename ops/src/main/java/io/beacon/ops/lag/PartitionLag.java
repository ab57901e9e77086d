package io.beacon.ops.lag;

/**
 * One partition a group has committed on, as of one poll.
 *
 * @param committedOffset      the group's committed offset (the next record it will read)
 * @param endOffset            the log end offset (high watermark), as {@code kafka-consumer-groups} reads it
 * @param lag                  {@code max(0, endOffset - committedOffset)}
 * @param lagSeconds           how long ago the log end stood at the committed offset
 * @param lagSecondsLowerBound true when {@code lagSeconds} is only a lower bound (the committed offset is
 *                             older than the remembered end-offset history)
 * @param status               this partition's status over the sliding window
 */
public record PartitionLag(String topic, int partition, long committedOffset, long endOffset, long lag,
                           double lagSeconds, boolean lagSecondsLowerBound, LagStatus status) {
}
