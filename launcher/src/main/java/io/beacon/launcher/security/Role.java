package io.beacon.launcher.security;

import io.beacon.schemas.avro.ProviderKind;
import java.util.List;
import java.util.Locale;

/**
 * The parts of Beacon that talk to Kafka, each of which runs as a principal of its own on a secured cluster: a
 * leaked runner password can then submit jobs and read results, and nothing else.
 */
public enum Role {
    /** Beacon's runner: writes jobs, reads their results with its own consumer group. */
    RUNNER("runner"),
    /** The Kafka Streams router and its HTTP facade: owns its internal topics, group and transactional ids. */
    ROUTER("router"),
    /** The Golem worker: reads its jobs topic, writes attempts, heartbeats and cost entries. */
    WORKER_GOLEM("worker-golem"),
    WORKER_MODAL("worker-modal"),
    WORKER_RUNPOD("worker-runpod"),
    /** Monitoring (the router's lag monitor and dashboard, Prometheus, an operator's lag tools): offsets only. */
    OPS("ops"),
    /** Creates topics and applies ACLs: a super user, bound by no ACL. */
    ADMIN("admin");

    /** The three provider kinds that have a worker. */
    public static final List<ProviderKind> WORKER_KINDS = List.of(ProviderKind.GOLEM, ProviderKind.MODAL,
            ProviderKind.RUNPOD);

    private final String defaultUser;

    Role(String defaultUser) {
        this.defaultUser = defaultUser;
    }

    /** The user name this role logs in as unless told otherwise (SCRAM user, registry user, file name). */
    public String defaultUser() {
        return defaultUser;
    }

    /** The worker role of a provider kind. */
    public static Role worker(ProviderKind kind) {
        return switch (kind) {
            case GOLEM -> WORKER_GOLEM;
            case MODAL -> WORKER_MODAL;
            case RUNPOD -> WORKER_RUNPOD;
            default -> throw new IllegalArgumentException("no worker role for provider kind " + kind);
        };
    }

    /** The provider kind of a worker role. */
    public ProviderKind providerKind() {
        return switch (this) {
            case WORKER_GOLEM -> ProviderKind.GOLEM;
            case WORKER_MODAL -> ProviderKind.MODAL;
            case WORKER_RUNPOD -> ProviderKind.RUNPOD;
            default -> throw new IllegalStateException(this + " is not a worker role");
        };
    }

    public boolean isWorker() {
        return this == WORKER_GOLEM || this == WORKER_MODAL || this == WORKER_RUNPOD;
    }

    /** The option that names this role's principal in {@code beacon acls}, e.g. {@code --worker-golem}. */
    public String option() {
        return "--" + defaultUser;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
