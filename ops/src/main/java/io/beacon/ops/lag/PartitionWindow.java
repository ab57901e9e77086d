package io.beacon.ops.lag;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The last N observations of one group's partition (committed offset and lag at each poll) and the
 * Burrow-style status they show. The Admin API does not give commit times, so an observation is a poll,
 * not a commit; "the offset did not move across the window" stands in for Burrow's "no new commits".
 *
 * <p>The rules, first match wins:
 * <ol>
 *   <li>lag is 0 now: OK;</li>
 *   <li>the group has no members: STOPPED (nobody will commit);</li>
 *   <li>lag was 0 at some observation in the window: OK (Burrow's rule: caught up recently);</li>
 *   <li>the window is not full yet: OK (not enough evidence);</li>
 *   <li>the committed offset is the same in every observation: STALLED;</li>
 *   <li>the committed offset moved, the lag never fell from one observation to the next and ended above
 *       where it started: WARNING (the consumer works but falls behind);</li>
 *   <li>otherwise OK (lag shrinking or holding while the consumer progresses).</li>
 * </ol>
 */
final class PartitionWindow {

    record Observation(Instant at, long committedOffset, long lag) {
    }

    private final int size;
    private final Deque<Observation> observations = new ArrayDeque<>();

    PartitionWindow(int size) {
        if (size < 2) {
            throw new IllegalArgumentException("a status window needs at least 2 observations, was " + size);
        }
        this.size = size;
    }

    void add(Observation observation) {
        observations.addLast(observation);
        while (observations.size() > size) {
            observations.removeFirst();
        }
    }

    LagStatus status(GroupMembership membership) {
        if (observations.isEmpty()) {
            return LagStatus.UNKNOWN;
        }
        Observation first = observations.getFirst();
        Observation last = observations.getLast();
        if (last.lag() == 0) {
            return LagStatus.OK;
        }
        if (membership == GroupMembership.EMPTY) {
            return LagStatus.STOPPED;
        }
        if (observations.stream().anyMatch(o -> o.lag() == 0) || observations.size() < size) {
            return LagStatus.OK;
        }
        if (observations.stream().allMatch(o -> o.committedOffset() == first.committedOffset())) {
            return LagStatus.STALLED;
        }
        if (lagNeverFell() && last.lag() > first.lag()) {
            return LagStatus.WARNING;
        }
        return LagStatus.OK;
    }

    private boolean lagNeverFell() {
        Iterator<Observation> it = observations.iterator();
        long previous = it.next().lag();
        while (it.hasNext()) {
            long lag = it.next().lag();
            if (lag < previous) {
                return false;
            }
            previous = lag;
        }
        return true;
    }
}
