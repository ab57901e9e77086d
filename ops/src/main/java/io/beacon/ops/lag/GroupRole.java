package io.beacon.ops.lag;

import java.util.Locale;

/**
 * What a watched group is to the pipeline, so {@code GET /lag} and the dashboard can show the router's
 * group, the worker groups and everybody else's (a runner's results consumer, say) apart. A hint only: the
 * monitor treats every group alike.
 */
public final class GroupRole {

    /** The router's Kafka Streams application. */
    public static final String ROUTER = "router";
    /** Any group the pipeline did not name: discovered on the cluster. */
    public static final String OTHER = "other";

    private static final String WORKER_PREFIX = "worker:";

    private GroupRole() {
    }

    /** The role of the worker group of {@code provider}: {@code worker:golem}, say. */
    public static String worker(String provider) {
        if (provider == null || provider.isBlank()) {
            throw new IllegalArgumentException("a worker role needs a provider");
        }
        return WORKER_PREFIX + provider.toLowerCase(Locale.ROOT);
    }
}
