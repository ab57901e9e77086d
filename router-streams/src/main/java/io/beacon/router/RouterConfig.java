package io.beacon.router;

import io.beacon.ops.lag.GroupFilter;
import io.beacon.router.http.HttpSettings;
import io.beacon.router.policy.BudgetSettings;
import io.beacon.router.policy.HoldSettings;
import io.beacon.router.policy.StatsSettings;
import io.beacon.router.topology.RouterSettings;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/** Settings of the router app: the shared ones plus routing limits, Streams tuning and the HTTP port. */
public final class RouterConfig extends CommonConfig {

    public static final String APPLICATION_ID = "application.id";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String STATE_DIR = "state.dir";
    public static final String MAX_ATTEMPTS = "router.max.attempts";
    public static final String DEFAULT_DEADLINE_MS = "router.default.deadline.ms";
    public static final String HEARTBEAT_STALENESS_MS = "router.heartbeat.staleness.ms";
    public static final String EXPECTED_SECONDS = "router.expected.inference.seconds";
    public static final String MAX_PROMPT_CHARS = "router.max.prompt.chars";
    public static final String MAX_TOKENS_LIMIT = "router.max.tokens.limit";
    public static final String WAIT_INITIAL_MS = "router.wait.initial.ms";
    public static final String WAIT_MAX_MS = "router.wait.max.ms";
    public static final String FINISHED_RETENTION_MS = "router.finished.retention.ms";
    public static final String SCAN_INTERVAL_MS = "router.scan.interval.ms";
    public static final String CIRCUIT_FAILURES = "router.circuit.failure.threshold";
    public static final String CIRCUIT_OPEN_MS = "router.circuit.open.ms";
    public static final String COLD_START_PENALTY_MS = "router.cold.start.penalty.ms";
    public static final String WARM_WINDOW_MS = "router.warm.window.ms";
    public static final String WAKE_COST = "routing.wake.cost";
    public static final String HOLD_MARGIN_MS = "router.hold.margin.ms";
    public static final String HOLD_MIN_SLACK_MS = "router.hold.min.slack.ms";
    public static final String HOLD_QUEUE_WAVES = "router.hold.queue.waves";
    public static final String BUDGET_MAX_COST = "router.budget.max.cost.per.inference";
    public static final String BUDGET_WINDOW_MS = "router.budget.window.ms";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_THREADS = "http.threads";
    public static final String HTTP_MAX_BODY_BYTES = "http.max.body.bytes";
    public static final String HTTP_REQUEST_TIMEOUT_MS = "http.request.timeout.ms";
    public static final String HTTP_REQUEST_TIMEOUT_MAX_MS = "http.request.timeout.max.ms";
    public static final String HTTP_MAX_PENDING_REQUESTS = "http.max.pending.requests";
    public static final String HTTP_AUTH_TOKEN = "http.auth.token";
    public static final String LAG_POLL_INTERVAL_MS = "lag.poll.interval.ms";
    public static final String BACKLOG_MAX_LAG_SECONDS = "router.backlog.max.lag.seconds";
    public static final String LAG_WORKER_GROUP_PREFIX = "lag.worker.group.prefix";
    public static final String LAG_GROUPS_INCLUDE = "lag.groups.include";
    public static final String LAG_GROUPS_EXCLUDE = "lag.groups.exclude";
    /**
     * Kafka client settings for the lag monitor's admin client alone ({@code lag.kafka.sasl.jaas.config=...}),
     * on top of the {@code kafka.*} ones: its own, read-only principal on a secured cluster.
     */
    public static final String LAG_KAFKA_PREFIX = "lag.kafka.";

    /** Commit interval under exactly_once_v2 unless set: the longest swept that kept hop p99 within 60 ms. */
    static final long EOS_COMMIT_MS = 20;
    /**
     * Commit interval under at_least_once unless set. Output is visible before the commit either way; in
     * two router benchmark runs 100 ms beat 1000 ms on both hop p99 (10.8 and 13.0 ms against 12.9 and
     * 15.5 ms) and throughput (19,418 and 20,318/s against 14,243 and 15,765/s), and it bounds what a
     * crashed router reprocesses.
     */
    static final long ALOS_COMMIT_MS = 100;

    public static final ConfigDef DEFINITION = CommonConfig.define(new ConfigDef())
            .define(APPLICATION_ID, Type.STRING, "beacon-router", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka Streams application id: every router instance with this id shares the work.")
            .define(PROCESSING_GUARANTEE, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
                    ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE), Importance.HIGH,
                    "exactly_once_v2 (default: a job's routing, state and result commit atomically) or"
                            + " at_least_once (lower latency; duplicates are still absorbed by the job-state store).")
            .define(COMMIT_INTERVAL_MS, Type.LONG, -1L, commitIntervalValidator(), Importance.MEDIUM,
                    "How often Streams commits, in milliseconds; -1 (default) picks by guarantee from the router"
                            + " benchmark: " + EOS_COMMIT_MS + " under exactly_once_v2, where it bounds how long a"
                            + " routed job waits before read_committed workers see it (p99 hop latency within 60 ms),"
                            + " and " + ALOS_COMMIT_MS + " under at_least_once, where output is visible before the"
                            + " commit and this interval measured best for both latency and throughput.")
            .define(NUM_STREAM_THREADS, Type.INT, 1, Range.between(1, 64), Importance.MEDIUM,
                    "Stream threads in this instance.")
            .define(STATE_DIR, Type.STRING, "", Importance.MEDIUM,
                    "Directory for local state stores. Empty: a directory under java.io.tmpdir.")
            .define(MAX_ATTEMPTS, Type.INT, 3, Range.between(1, 20), Importance.MEDIUM,
                    "Attempts per job, first try included, before a retryable failure becomes final.")
            .define(DEFAULT_DEADLINE_MS, Type.LONG, 120_000L, Range.atLeast(1_000), Importance.MEDIUM,
                    "Deadline for jobs that set none, counted from the request's created_at.")
            .define(HEARTBEAT_STALENESS_MS, Type.LONG, 5_000L, Range.atLeast(100), Importance.MEDIUM,
                    "A deployment whose latest heartbeat is older than this is treated as unhealthy.")
            .define(EXPECTED_SECONDS, Type.DOUBLE, 1.5, Range.atLeast(0.01), Importance.LOW,
                    "Expected seconds of one inference, used for cost and latency estimates.")
            .define(MAX_PROMPT_CHARS, Type.INT, 32_000, Range.atLeast(1), Importance.MEDIUM,
                    "Longest prompt (or sum of chat messages) accepted, in characters.")
            .define(MAX_TOKENS_LIMIT, Type.INT, 8_192, Range.atLeast(1), Importance.MEDIUM,
                    "Largest max_tokens accepted.")
            .define(WAIT_INITIAL_MS, Type.LONG, 500L, Range.atLeast(10), Importance.LOW,
                    "First back-off of a job that found no candidate; doubles per wait.")
            .define(WAIT_MAX_MS, Type.LONG, 5_000L, Range.atLeast(10), Importance.LOW,
                    "Longest back-off of a waiting job.")
            .define(FINISHED_RETENTION_MS, Type.LONG, 3_600_000L, Range.atLeast(0), Importance.LOW,
                    "How long a finished job's state is kept to absorb duplicate requests and attempts.")
            .define(SCAN_INTERVAL_MS, Type.LONG, 1_000L, Range.atLeast(10), Importance.LOW,
                    "Wall-clock interval of the scan for deadlines, waiting jobs and expired state.")
            .define(CIRCUIT_FAILURES, Type.INT, 5, Range.between(1, 1000), Importance.MEDIUM,
                    "Consecutive retryable failures of a deployment after which the router sends it no new jobs"
                            + " for router.circuit.open.ms (the workers' own breakers act faster; this one covers a"
                            + " deployment whose worker still reports it healthy).")
            .define(CIRCUIT_OPEN_MS, Type.LONG, 10_000L, Range.atLeast(100), Importance.LOW,
                    "How long the router's circuit stays open before one job tries the deployment again.")
            .define(COLD_START_PENALTY_MS, Type.LONG, 3_000L, Range.atLeast(0), Importance.LOW,
                    "Expected cold start of a serverless deployment (Modal, RunPod) that has idled past"
                            + " router.warm.window.ms; added to its expected latency and billed time.")
            .define(WARM_WINDOW_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.LOW,
                    "Idle time after which a serverless deployment is assumed to have scaled to zero (used for"
                            + " deployments whose heartbeat carries no billing facts, or with routing.wake.cost=false).")
            .define(WAKE_COST, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Price routing by the heartbeat's billing facts (billing_model, warm_slots, idle_window_ms)."
                            + " true (default): a job that lands on a warm free slot (warm_slots beyond the jobs"
                            + " routed since the heartbeat, or a lease with headroom) costs its service time x price"
                            + " / the calls sharing the unit (or the deployment's learned attempt cost from the cost"
                            + " ledger); a job on a serverless deployment with no warm slot must start a unit and"
                            + " costs the wake: price x (cold start + service time + idle_window_ms). false: the"
                            + " older estimate, price x (billed seconds + a cold start after router.warm.window.ms"
                            + " idle), for measuring before and after on the same workload.")
            .define(HOLD_MARGIN_MS, Type.LONG, 60_000L, Range.atLeast(0), Importance.MEDIUM,
                    "A batch job is held for the baseline tier (Golem) only while its predicted completion there"
                            + " (the work queued ahead of it, learned service time, cold start) comes at least this long"
                            + " before its deadline; a held job is released at the latest this long, plus the fastest"
                            + " other deployment's expected time, before its deadline.")
            .define(HOLD_MIN_SLACK_MS, Type.LONG, 300_000L, Range.atLeast(0), Importance.MEDIUM,
                    "A cost-priority job whose request names no latency_class is treated as batch (may be held"
                            + " for the baseline) when its own deadline lies at least this long after its created_at;"
                            + " a job without a deadline of its own never is.")
            .define(HOLD_QUEUE_WAVES, Type.DOUBLE, 1.0, Range.between(0.0, 100.0), Importance.LOW,
                    "A batch job goes straight to the baseline while fewer than this many times its slots wait"
                            + " at its workers beyond the slots (a short queue keeps slots busy between heartbeats);"
                            + " beyond that it is held in the router. 0: only free slots.")
            .define(BUDGET_MAX_COST, Type.DOUBLE, null, budgetValidator(), Importance.MEDIUM,
                    "Rolling budget in US dollars per successful inference (unset by default: no budget). As the"
                            + " blended cost per inference over router.budget.window.ms (all money the cost ledger"
                            + " billed over successful inferences) reaches 80% of it, new jobs avoid deployments"
                            + " expected to cost more than the budget (over it: budget x budget / blend) while"
                            + " cheaper candidates remain.")
            .define(BUDGET_WINDOW_MS, Type.LONG, 600_000L, Range.atLeast(1_000), Importance.LOW,
                    "How far back the budget's blended cost per inference looks.")
            .define(HTTP_HOST, Type.STRING, "127.0.0.1", Importance.MEDIUM, "Address the router's HTTP API binds to.")
            .define(HTTP_PORT, Type.INT, 8080, Range.between(0, 65535), Importance.MEDIUM,
                    "Port of the router's HTTP API (/health, /providers); 0 picks a free port.")
            .define(HTTP_THREADS, Type.INT, 16, Range.between(1, 1024), Importance.LOW,
                    "Threads of the HTTP API. POST /inference holds no thread while it waits for a result, so a"
                            + " few threads serve many waiting requests.")
            .define(HTTP_MAX_BODY_BYTES, Type.INT, 1_048_576, Range.between(1_024, 64 * 1_048_576), Importance.MEDIUM,
                    "Largest request body POST /inference reads, in bytes; a larger one is refused with 413.")
            .define(HTTP_REQUEST_TIMEOUT_MS, Type.LONG, 55_000L, Range.atLeast(100), Importance.MEDIUM,
                    "How long POST /inference waits for the job's final result when the request gives no"
                            + " timeout_seconds; also the job's deadline, counted from its created_at; past it the"
                            + " answer is 504. 55 s: the runner's http.Client gives the whole call 60 s"
                            + " (HYBRID_ROUTER_TIMEOUT), so our JSON 504 reaches it before its own deadline error.")
            .define(HTTP_REQUEST_TIMEOUT_MAX_MS, Type.LONG, 600_000L, Range.atLeast(100), Importance.LOW,
                    "Largest timeout_seconds a POST /inference may ask for, in milliseconds.")
            .define(HTTP_MAX_PENDING_REQUESTS, Type.INT, 10_000, Range.between(1, 1_000_000), Importance.LOW,
                    "POST /inference requests one instance waits on at once; more are refused with 503 and"
                            + " Retry-After, so a flood cannot exhaust memory.")
            .define(HTTP_AUTH_TOKEN, Type.PASSWORD, "", Importance.HIGH,
                    "Bearer token that /inference, /jobs and /providers require (Authorization: Bearer TOKEN);"
                            + " /health stays open for health monitors. Empty: no authentication. Set it through"
                            + " BEACON_HTTP_AUTH_TOKEN rather than a file or the command line.")
            .define(LAG_POLL_INTERVAL_MS, Type.LONG, 5_000L, Range.atLeast(100), Importance.LOW,
                    "How often the router reads the consumer groups' committed and end offsets for GET /lag, the"
                            + " lag metrics and the backlog check.")
            .define(LAG_WORKER_GROUP_PREFIX, Type.STRING, "beacon-worker-", Importance.LOW,
                    "The workers' consumer groups are this prefix plus the provider kind (golem, modal, runpod),"
                            + " as the workers' consumer.group default has it; their lag is watched (whatever"
                            + " lag.groups.include and lag.groups.exclude say) and decides the backlog check.")
            .define(LAG_GROUPS_INCLUDE, Type.STRING, ".*", GroupFilter.regexValidator(), Importance.LOW,
                    "Besides the router's own group and the worker groups, GET /lag, the lag metrics and the"
                            + " dashboard show every consumer group (classic or consumer protocol) and streams group"
                            + " on the cluster whose whole id matches this Java regular expression and not"
                            + " lag.groups.exclude, listed anew at each lag poll: a runner's results consumer, say."
                            + " Share groups are not shown (they commit no offsets to measure lag against).")
            .define(LAG_GROUPS_EXCLUDE, Type.STRING, "", GroupFilter.regexValidator(), Importance.LOW,
                    "Groups whose whole id matches this Java regular expression are left out of GET /lag, the lag"
                            + " metrics and the dashboard (console-consumer-.* for ad-hoc consumers, say); empty leaves"
                            + " none out, .* shows only the router's and the workers' groups. It never hides those.")
            .define(BACKLOG_MAX_LAG_SECONDS, Type.DOUBLE, 30.0, Range.atLeast(0.1), Importance.MEDIUM,
                    "A provider whose worker group lags more than this many seconds behind its jobs topic, or"
                            + " whose group status is STALLED or STOPPED, gets no new jobs while another provider"
                            + " can take them.");

    public RouterConfig(Map<?, ?> originals) {
        super(DEFINITION, originals);
    }

    /** Defaults, then {@code file} (may be null), then BEACON_* environment variables, then {@code overrides}. */
    public static RouterConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        return new RouterConfig(ConfigLoader.merge(DEFINITION, file, env, overrides));
    }

    /**
     * The HTTP API's settings, checked together.
     *
     * @throws ConfigException naming the setting when the default timeout is over the maximum
     */
    public HttpSettings httpSettings() {
        long timeoutMs = getLong(HTTP_REQUEST_TIMEOUT_MS);
        long maxTimeoutMs = getLong(HTTP_REQUEST_TIMEOUT_MAX_MS);
        if (timeoutMs > maxTimeoutMs) {
            throw new ConfigException(HTTP_REQUEST_TIMEOUT_MS, timeoutMs,
                    "must not exceed " + HTTP_REQUEST_TIMEOUT_MAX_MS + " (" + maxTimeoutMs + ")");
        }
        Password token = getPassword(HTTP_AUTH_TOKEN);
        String tokenValue = token == null || token.value() == null ? "" : token.value().trim();
        return new HttpSettings(getInt(HTTP_THREADS), getInt(HTTP_MAX_BODY_BYTES), Duration.ofMillis(timeoutMs),
                Duration.ofMillis(maxTimeoutMs), getInt(HTTP_MAX_PENDING_REQUESTS),
                tokenValue.isEmpty() ? Optional.empty() : Optional.of(tokenValue));
    }

    /** The commit interval in effect: the configured one, or the default of the processing guarantee. */
    public long commitIntervalMs() {
        long configured = getLong(COMMIT_INTERVAL_MS);
        return configured > 0 ? configured : defaultCommitIntervalMs(getString(PROCESSING_GUARANTEE));
    }

    public static long defaultCommitIntervalMs(String processingGuarantee) {
        return StreamsConfig.AT_LEAST_ONCE.equals(processingGuarantee) ? ALOS_COMMIT_MS : EOS_COMMIT_MS;
    }

    private static ConfigDef.Validator budgetValidator() {
        return (name, value) -> {
            if (value != null && !((Double) value > 0)) {
                throw new ConfigException(name, value, "must be a positive number of US dollars, or unset for no budget");
            }
        };
    }

    private static ConfigDef.Validator commitIntervalValidator() {
        return (name, value) -> {
            long ms = (Long) value;
            if (ms != -1 && ms < 10) {
                throw new ConfigException(name, value, "must be -1 (by guarantee) or at least 10 ms");
            }
        };
    }

    /** The routing limits of the default configuration (what a topology test builds with). */
    public static RouterSettings defaultSettings() {
        return new RouterConfig(Map.of()).settings();
    }

    /** The groups the lag monitor discovers besides the pipeline's own (validated when the config was made). */
    public GroupFilter lagGroups() {
        return GroupFilter.of(getString(LAG_GROUPS_INCLUDE), getString(LAG_GROUPS_EXCLUDE));
    }

    public RouterSettings settings() {
        return new RouterSettings(getInt(MAX_ATTEMPTS), Duration.ofMillis(getLong(DEFAULT_DEADLINE_MS)),
                Duration.ofMillis(getLong(HEARTBEAT_STALENESS_MS)), getDouble(EXPECTED_SECONDS),
                getInt(MAX_PROMPT_CHARS), getInt(MAX_TOKENS_LIMIT), Duration.ofMillis(getLong(WAIT_INITIAL_MS)),
                Duration.ofMillis(getLong(WAIT_MAX_MS)), Duration.ofMillis(getLong(FINISHED_RETENTION_MS)),
                Duration.ofMillis(getLong(SCAN_INTERVAL_MS)),
                new StatsSettings(StatsSettings.defaults().ewmaAlpha(), StatsSettings.defaults().latencyWindow(),
                        StatsSettings.defaults().minSamples(), getInt(CIRCUIT_FAILURES),
                        Duration.ofMillis(getLong(CIRCUIT_OPEN_MS)), Duration.ofMillis(getLong(COLD_START_PENALTY_MS)),
                        Duration.ofMillis(getLong(WARM_WINDOW_MS)), getBoolean(WAKE_COST)),
                new HoldSettings(Duration.ofMillis(getLong(HOLD_MARGIN_MS)), Duration.ofMillis(getLong(HOLD_MIN_SLACK_MS)),
                        getDouble(HOLD_QUEUE_WAVES)),
                new BudgetSettings(getDouble(BUDGET_MAX_COST) == null ? OptionalDouble.empty()
                        : OptionalDouble.of(getDouble(BUDGET_MAX_COST)), Duration.ofMillis(getLong(BUDGET_WINDOW_MS)),
                        BudgetSettings.none().nearShare()));
    }
}
