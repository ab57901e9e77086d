package io.beacon.router.topology;

/**
 * Every processor, store and source/sink name of the router topology, in one place. Changelog topics are
 * named after the stores ({@code <application.id>-job-state-store-changelog}), so renaming a store is a
 * migration: the pinned {@code topology.describe()} test makes it a visible decision.
 */
public final class RouterNames {

    public static final String REQUESTS_SOURCE = "inference-requests-source";
    public static final String ATTEMPTS_SOURCE = "job-attempts-source";
    public static final String STATUS_SOURCE = "provider-status-source";

    public static final String TAG_REQUEST = "tag-request";
    public static final String TAG_ATTEMPT = "tag-attempt";
    public static final String JOB_LIFECYCLE = "job-lifecycle";
    public static final String UPDATE_DEPLOYMENT_STATE = "update-deployment-state";

    public static final String ATTEMPTS_BY_DEPLOYMENT_SOURCE = "attempts-by-deployment-source";
    /** The workers' cost ledger, keyed by deployment id like the attempts by deployment. */
    public static final String COST_LEDGER_SOURCE = "cost-ledger-source";
    public static final String AGGREGATE_DEPLOYMENT_STATS = "aggregate-deployment-stats";
    public static final String DEPLOYMENT_STATS_SOURCE = "deployment-stats-source";
    public static final String UPDATE_DEPLOYMENT_STATS = "update-deployment-stats";

    public static final String PROVIDER_JOBS_SINK = "provider-jobs-sink";
    public static final String ATTEMPTS_BY_DEPLOYMENT_SINK = "attempts-by-deployment-sink";
    public static final String DEPLOYMENT_STATS_SINK = "deployment-stats-sink";
    public static final String RESULTS_SINK = "inference-results-sink";
    /** Requests without a value (the deserialization handler writes undecodable bytes there itself). */
    public static final String REQUESTS_DLQ_SINK = "requests-dlq-sink";

    public static final String JOB_STATE_STORE = "job-state-store";
    /**
     * Each job's next wall-clock moment (deadline, end of a back-off, end of retention), keyed so that a
     * range scan finds the due ones: the punctuator reads only those, never the whole job-state store.
     */
    public static final String JOB_TIMER_STORE = "job-timer-store";
    /**
     * The jobs held for the baseline tier, keyed {@code <deadline millis, zero-padded>|<job id>} so that a scan
     * meets them earliest deadline first (local, changelogged, like the job-state store it indexes).
     */
    public static final String JOB_HOLD_STORE = "job-hold-store";
    public static final String DEPLOYMENT_STATE_STORE = "deployment-state-store";
    /** The single writer's running statistics per deployment (local, changelogged). */
    public static final String DEPLOYMENT_STATS_STORE = "deployment-stats-store";
    /** Every instance's read-only copy of the statistics (global, from the deployment-stats topic). */
    public static final String DEPLOYMENT_STATS_VIEW_STORE = "deployment-stats-view-store";

    private RouterNames() {
    }
}
