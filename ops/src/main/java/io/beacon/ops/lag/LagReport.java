package io.beacon.ops.lag;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An immutable snapshot of every watched group.
 *
 * @param generatedAt  when the figures were read (the last successful poll)
 * @param stale        true when the latest poll failed (or none has succeeded yet): the figures are older
 *                     than one poll interval
 * @param pollInterval how often the monitor polls
 * @param groups       sorted by group id
 */
public record LagReport(Instant generatedAt, boolean stale, Duration pollInterval, List<GroupLag> groups) {

    public LagReport {
        groups = List.copyOf(groups);
    }

    public Optional<GroupLag> group(String groupId) {
        return groups.stream().filter(g -> g.group().equals(groupId)).findFirst();
    }

    LagReport markedStale() {
        return stale ? this : new LagReport(generatedAt, true, pollInterval, groups);
    }
}
