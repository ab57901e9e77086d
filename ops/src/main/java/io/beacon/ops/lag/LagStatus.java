package io.beacon.ops.lag;

/**
 * How a consumer group (or one of its partitions) keeps up, after Burrow's evaluation rules. The
 * {@link #code()} is the value of the {@code beacon_consumer_group_status} gauge; {@link #severity()}
 * orders the statuses so a group takes the worst of its partitions.
 */
public enum LagStatus {

    /** Caught up at some point in the window, or consuming at least as fast as the log grows. */
    OK(0, 1),
    /** Committing, but the lag grew across the whole window: the consumer is slower than its producers. */
    WARNING(1, 2),
    /** Members are present but the committed offset did not move across the window while lag stayed above zero. */
    STALLED(2, 3),
    /** Lag above zero and the group has no members: nobody is consuming. */
    STOPPED(3, 4),
    /** The group has no committed offsets (not created yet, or never committed). */
    UNKNOWN(-1, 0);

    private final int code;
    private final int severity;

    LagStatus(int code, int severity) {
        this.code = code;
        this.severity = severity;
    }

    /** The gauge value: 0 OK, 1 WARNING, 2 STALLED, 3 STOPPED, -1 UNKNOWN. */
    public int code() {
        return code;
    }

    /** Ordering for "worst of": UNKNOWN below OK, then WARNING, STALLED, STOPPED. */
    public int severity() {
        return severity;
    }

    /** The more severe of this and {@code other}. */
    public LagStatus worse(LagStatus other) {
        return other.severity > severity ? other : this;
    }

    /** True for WARNING, STALLED and STOPPED: the group is behind in a way an operator should see. */
    public boolean isBehind() {
        return severity > OK.severity;
    }
}
