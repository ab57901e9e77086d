package io.beacon.router.policy;

import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;

/**
 * What the router knows of one deployment at decision time: its latest heartbeat, the jobs this router
 * task has sent it since that heartbeat (which the heartbeat cannot yet show), and what the router has
 * learned from its real outcomes ({@code stats}, null until the first attempt is reported).
 */
public record DeploymentSnapshot(ProviderStatus status, int routedSinceHeartbeat, DeploymentStats stats) {

    /** A deployment the router has no outcomes for yet. */
    public DeploymentSnapshot(ProviderStatus status, int routedSinceHeartbeat) {
        this(status, routedSinceHeartbeat, null);
    }

    public String id() {
        return status.getDeploymentId();
    }

    public ProviderKind provider() {
        return status.getProvider();
    }

    public String region() {
        return status.getRegion();
    }

    /** Jobs in flight or waiting at the worker, plus what was sent since the heartbeat. */
    public int load() {
        return status.getInFlight() + status.getQueued() + routedSinceHeartbeat;
    }

    public int capacity() {
        return Math.max(1, status.getCapacity());
    }

    public boolean hasHeadroom() {
        return load() < capacity();
    }
}
