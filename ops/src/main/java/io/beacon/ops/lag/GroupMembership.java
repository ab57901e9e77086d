package io.beacon.ops.lag;

/** Whether anyone is consuming for a group, as far as the cluster says. */
public enum GroupMembership {
    /** The group has members (stable or rebalancing). */
    ACTIVE,
    /** The group exists with no members: nobody consumes, committed offsets stay where they are. */
    EMPTY,
    /** The cluster did not say (the group could not be described, or is not a classic/consumer group). */
    UNKNOWN
}
