package io.beacon.router.monitoring;

import io.beacon.ops.lag.GroupLag;
import io.beacon.ops.lag.LagMonitor;
import io.beacon.ops.lag.LagReport;
import io.beacon.ops.lag.LagStatus;
import io.beacon.router.policy.ProviderBacklog;
import io.beacon.schemas.avro.ProviderKind;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A provider's job queue is behind when its worker group has STALLED (members, no progress) or STOPPED
 * (no members, lag left), or lags more seconds than the threshold. Heartbeats cannot tell this: a worker
 * whose consumer is wedged may still report itself healthy. Every router instance reads the same
 * offsets from Kafka, so every instance reaches the same view within one poll.
 */
public final class LagBacklog implements ProviderBacklog {

    private final String groupPrefix;
    private final double maxLagSeconds;
    /** Why each provider kind is behind, as of the monitor's latest report; replaced whole on each poll. */
    private volatile Map<ProviderKind, String> behind = Map.of();

    /**
     * @param groupPrefix   the worker groups are this prefix plus the provider kind in lower case
     * @param maxLagSeconds lag beyond which a provider counts as behind whatever its status
     */
    public LagBacklog(LagMonitor monitor, String groupPrefix, double maxLagSeconds) {
        this.groupPrefix = groupPrefix;
        this.maxLagSeconds = maxLagSeconds;
        // Judged once per lag poll, not on every routing decision (which asks once per candidate).
        update(monitor.report());
        monitor.addListener(this::update);
    }

    public String groupOf(ProviderKind kind) {
        return groupPrefix + kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Optional<String> behind(ProviderKind kind) {
        return Optional.ofNullable(behind.get(kind));
    }

    private void update(LagReport report) {
        Map<ProviderKind, String> next = new EnumMap<>(ProviderKind.class);
        for (ProviderKind kind : ProviderKind.values()) {
            report.group(groupOf(kind)).flatMap(this::reason).ifPresent(why -> next.put(kind, why));
        }
        behind = next;
    }

    private Optional<String> reason(GroupLag group) {
        boolean stuck = group.status() == LagStatus.STALLED || group.status() == LagStatus.STOPPED;
        if (!stuck && group.maxLagSeconds() <= maxLagSeconds) {
            return Optional.empty();
        }
        return Optional.of("group " + group.group() + " " + group.status() + ", " + group.totalLag() + " jobs, "
                + Math.round(group.maxLagSeconds()) + " s behind");
    }
}
