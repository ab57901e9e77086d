package io.beacon.lab.engine;

import io.beacon.router.policy.ProviderBacklog;
import io.beacon.schemas.avro.ProviderKind;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The router's backlog rule's input in the lab: a provider kind is behind when its worker group lags more than
 * {@code router.backlog.max.lag.seconds}, judged at each lag poll as the router's lag monitor does. The lag of a
 * group is how long ago the oldest job its worker has not answered was produced (its committed offset stays
 * below that job), which is what the monitor's lag in seconds measures.
 */
final class LabBacklog implements ProviderBacklog {

    private final double maxLagSeconds;
    private Map<ProviderKind, String> behind = Map.of();

    LabBacklog(double maxLagSeconds) {
        this.maxLagSeconds = maxLagSeconds;
    }

    void poll(Collection<LabWorker> workers) {
        Map<ProviderKind, String> next = new EnumMap<>(ProviderKind.class);
        for (LabWorker w : workers) {
            double lag = w.lagSeconds();
            if (lag > maxLagSeconds) {
                next.put(w.kind(), "group beacon-worker-" + w.kind().name().toLowerCase(Locale.ROOT) + " WARNING, "
                        + w.unacknowledged() + " jobs, " + Math.round(lag) + " s behind");
            }
        }
        behind = next.isEmpty() ? Map.of() : next;
    }

    @Override
    public Optional<String> behind(ProviderKind kind) {
        return Optional.ofNullable(behind.get(kind));
    }
}
