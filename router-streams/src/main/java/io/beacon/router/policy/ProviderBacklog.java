package io.beacon.router.policy;

import io.beacon.schemas.avro.ProviderKind;
import java.util.Optional;

/**
 * Whether a provider kind's job queue is falling behind: its worker group lags too far or has stalled.
 * A heartbeat cannot show this (a wedged worker may still send them), the consumer group's commits can.
 */
@FunctionalInterface
public interface ProviderBacklog {

    /** Nothing is known to be behind. */
    ProviderBacklog NONE = kind -> Optional.empty();

    /** Why {@code kind} is behind (for the decision's reason), or empty when its queue flows. */
    Optional<String> behind(ProviderKind kind);
}
