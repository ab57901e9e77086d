package io.beacon.router.topology;

import io.beacon.router.policy.ProviderBacklog;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.router.policy.RoutingPolicy;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.ProviderStatus;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;

/**
 * The router topology's processors, for whichever runtime runs them: {@link RouterTopology#build} hands them
 * to Kafka Streams, and the policy lab ({@code tools/policy-lab}) drives the very same processors in virtual
 * time, so a simulated run exercises the production lifecycle and policy, not a copy of them.
 *
 * <p>One instance stands for one router instance: its processors share the view that tells the routing
 * tasks when the global deployment stores changed, as the tasks of one Kafka Streams instance do. Each
 * {@code jobLifecycle()} / {@code deploymentStats()} call makes the processor of one more task.
 */
public final class RouterProcessors {

    private final RouterSettings settings;
    private final ProviderBacklog backlog;
    private final RoutingEvents events;
    private final RoutingDecider decider;
    private final DeploymentView view = new DeploymentView();
    private final HeldJobs held = new HeldJobs();

    /** The router as it runs in production: {@link #productionPolicy} decides. */
    public RouterProcessors(RouterSettings settings, ProviderBacklog backlog, RoutingEvents events) {
        this(settings, backlog, events, productionPolicy(settings));
    }

    /**
     * The router with another decision policy (the policy lab's alternatives); everything else, validation,
     * failover, waits, time-outs and learning, stays the router's own.
     */
    public RouterProcessors(RouterSettings settings, ProviderBacklog backlog, RoutingEvents events,
                            RoutingDecider decider) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.backlog = Objects.requireNonNull(backlog, "backlog");
        this.events = Objects.requireNonNull(events, "events");
        this.decider = Objects.requireNonNull(decider, "decider");
    }

    /** The policy every router instance routes with, for {@code settings}. */
    public static RoutingDecider productionPolicy(RouterSettings settings) {
        return new RoutingPolicy(settings.heartbeatStaleness(), settings.expectedInferenceSeconds(), settings.stats(),
                settings.hold(), settings.budget());
    }

    public RouterSettings settings() {
        return settings;
    }

    /**
     * {@code job-lifecycle} of one task: reads {@link JobEvent}s, uses the stores named
     * {@link RouterNames#JOB_STATE_STORE}, {@link RouterNames#JOB_TIMER_STORE},
     * {@link RouterNames#JOB_HOLD_STORE},
     * {@link RouterNames#DEPLOYMENT_STATE_STORE} and {@link RouterNames#DEPLOYMENT_STATS_VIEW_STORE}, forwards to
     * {@link RouterNames#PROVIDER_JOBS_SINK}, {@link RouterNames#RESULTS_SINK} and
     * {@link RouterNames#ATTEMPTS_BY_DEPLOYMENT_SINK}, and schedules its wall-clock scan.
     */
    public Processor<String, JobEvent, String, SpecificRecord> jobLifecycle() {
        return new JobLifecycleProcessor(settings, view, held, backlog, events, decider);
    }

    /**
     * {@code aggregate-deployment-stats} of one task: reads attempts and cost-ledger entries keyed by deployment
     * id, uses {@link RouterNames#DEPLOYMENT_STATS_STORE}, forwards each deployment's new statistics.
     */
    public Processor<String, SpecificRecord, String, DeploymentStats> deploymentStats() {
        return new DeploymentStatsAggregator(settings.stats(), events);
    }

    /** {@code update-deployment-state}: keeps the global {@link RouterNames#DEPLOYMENT_STATE_STORE}. */
    public Processor<String, ProviderStatus, Void, Void> deploymentStateUpdater() {
        return new DeploymentStateUpdater(view, events);
    }

    /** {@code update-deployment-stats}: keeps the global {@link RouterNames#DEPLOYMENT_STATS_VIEW_STORE}. */
    public Processor<String, DeploymentStats, Void, Void> deploymentStatsUpdater() {
        return new RouterTopology.LatestStatsUpdater(view);
    }
}
