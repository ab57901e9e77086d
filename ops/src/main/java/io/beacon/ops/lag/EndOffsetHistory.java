package io.beacon.ops.lag;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A partition's recent log end offsets and when they were read, to turn a lag in offsets into a lag in
 * seconds: the time at which the log end stood at the committed offset is interpolated between the two
 * readings around it, and the lag is how long ago that was (the method of kafka-lag-exporter).
 *
 * <p>The history is bounded. While the end offset does not move only the first and the last reading of the
 * run are kept, so an idle topic does not push its useful past out. When the end offset falls (the topic
 * was recreated or truncated) or the clock steps back, the history starts over.
 *
 * <p>Not thread-safe; the monitor uses it from its polling thread only.
 */
final class EndOffsetHistory {

    private record Reading(long endOffset, Instant at) {
    }

    private final int capacity;
    private final List<Reading> readings = new ArrayList<>();

    EndOffsetHistory(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("an end-offset history needs at least 2 points, was " + capacity);
        }
        this.capacity = capacity;
    }

    /** Remembers that the log end was {@code endOffset} at {@code at}. */
    void record(long endOffset, Instant at) {
        if (!readings.isEmpty()) {
            Reading last = readings.get(readings.size() - 1);
            if (endOffset < last.endOffset() || at.isBefore(last.at())) {
                readings.clear();
            } else if (endOffset == last.endOffset() && readings.size() >= 2
                    && readings.get(readings.size() - 2).endOffset() == endOffset) {
                // A flat run: move its end instead of adding a point.
                readings.set(readings.size() - 1, new Reading(endOffset, at));
                return;
            }
        }
        readings.add(new Reading(endOffset, at));
        if (readings.size() > capacity) {
            readings.remove(0);
        }
    }

    /**
     * How long before {@code now} the log end stood at {@code committedOffset}. Zero when the committed
     * offset has reached the newest end offset; a lower bound (now minus the oldest reading) when it is
     * older than every reading.
     */
    LagEstimate estimate(long committedOffset, Instant now) {
        if (readings.isEmpty()) {
            return new LagEstimate(0.0, true);
        }
        Reading newest = readings.get(readings.size() - 1);
        if (committedOffset >= newest.endOffset()) {
            return LagEstimate.CAUGHT_UP;
        }
        Reading oldest = readings.get(0);
        if (committedOffset < oldest.endOffset()) {
            return new LagEstimate(secondsBetween(oldest.at(), now), true);
        }
        // The first reading past the committed offset exists (the newest is), and so does the one before.
        int after = 1;
        while (readings.get(after).endOffset() <= committedOffset) {
            after++;
        }
        Reading before = readings.get(after - 1);
        Reading past = readings.get(after);
        double fraction = (double) (committedOffset - before.endOffset()) / (past.endOffset() - before.endOffset());
        long spanNanos = Duration.between(before.at(), past.at()).toNanos();
        Instant wasThere = before.at().plusNanos(Math.round(fraction * spanNanos));
        return new LagEstimate(secondsBetween(wasThere, now), false);
    }

    int size() {
        return readings.size();
    }

    private static double secondsBetween(Instant from, Instant to) {
        return Math.max(0.0, Duration.between(from, to).toNanos() / 1e9);
    }
}
