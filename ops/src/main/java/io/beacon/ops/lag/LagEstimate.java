package io.beacon.ops.lag;

/**
 * A partition's lag in seconds: how long ago the log end stood where the consumer has committed.
 *
 * @param seconds    the estimate; 0 when the consumer is caught up
 * @param lowerBound true when the committed offset is older than the remembered end offsets, so the real
 *                   lag is at least {@code seconds}
 */
public record LagEstimate(double seconds, boolean lowerBound) {

    static final LagEstimate CAUGHT_UP = new LagEstimate(0.0, false);

    public LagEstimate {
        if (!(seconds >= 0.0)) {
            throw new IllegalArgumentException("lag seconds must be zero or more, was " + seconds);
        }
    }
}
