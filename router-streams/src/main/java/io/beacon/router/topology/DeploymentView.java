package io.beacon.router.topology;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells the routing tasks when the global deployment stores changed, so that they decode the stores
 * again only then and not for every job (decoding every heartbeat per request cost a tenth of the
 * stream thread's time in the router benchmark). One per topology: the global thread bumps it, the
 * stream threads of the same instance read it. It holds no state of its own; every instance has the
 * same global stores.
 */
final class DeploymentView {

    private final AtomicLong version = new AtomicLong();

    void changed() {
        version.incrementAndGet();
    }

    long version() {
        return version.get();
    }
}
