package io.beacon.workers;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.health.ModelDiscovery;
import io.beacon.workers.core.TrustMaterial;
import io.beacon.workers.resilience.CircuitSettings;
import io.beacon.workers.resilience.RetrySettings;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of a provider worker, on top of the shared ones ({@link CommonConfig}). Loaded through
 * {@link ConfigLoader}: defaults, then a file, then {@code BEACON_*} environment variables (e.g.
 * {@code BEACON_PROVIDER=golem}, {@code BEACON_MAX_OUTSTANDING=512}), then overrides.
 */
public final class WorkerConfig extends CommonConfig {

    public static final String PROVIDER = "provider";
    public static final String WORKER_ID = "worker.id";
    public static final String CONSUMER_GROUP = "consumer.group";
    public static final String DEPLOYMENTS = "deployments";
    public static final String MAX_OUTSTANDING = "max.outstanding";
    public static final String HEARTBEAT_INTERVAL_MS = "heartbeat.interval.ms";
    public static final String PROBE_INTERVAL_MS = "probe.interval.ms";
    public static final String PROBE_TIMEOUT_MS = "probe.timeout.ms";
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    public static final String GOLEM_STREAMING = "golem.streaming";
    public static final String DEFAULT_REGION = "default.region";
    public static final String DEFAULT_MODELS = "default.models";
    public static final String MODELS_DISCOVERY = "models.discovery";
    public static final String MODELS_REFRESH_MS = "models.refresh.ms";
    public static final String CIRCUIT_WINDOW_TYPE = "circuit.window.type";
    public static final String CIRCUIT_WINDOW_SIZE = "circuit.window.size";
    public static final String CIRCUIT_MINIMUM_CALLS = "circuit.minimum.calls";
    public static final String CIRCUIT_FAILURE_RATE_THRESHOLD = "circuit.failure.rate.threshold";
    public static final String CIRCUIT_OPEN_WAIT_MS = "circuit.open.wait.ms";
    public static final String CIRCUIT_HALF_OPEN_CALLS = "circuit.half.open.calls";
    public static final String RETRY_MAX = "retry.max";
    public static final String RETRY_MAX_DELAY_MS = "retry.max.delay.ms";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String ENDPOINTS_SIMULATORS = "endpoints.simulators";
    public static final String GOLEM_ALLOW_PLAINTEXT = "golem.allow.plaintext";
    public static final String GOLEM_TRUSTSTORE = "golem.truststore";
    public static final String GOLEM_TRUSTSTORE_PASSWORD = "golem.truststore.password";
    public static final String MODAL_PROXY_AUTH = "modal.proxy.auth";

    public static final int DEFAULT_MAX_OUTSTANDING = 256;
    public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
    public static final long DEFAULT_PROBE_INTERVAL_MS = 2_000;
    public static final long DEFAULT_PROBE_TIMEOUT_MS = 2_000;
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
    public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
    /** {@code http.port}'s default: the port of the worker's provider kind ({@link #defaultHttpPort}). */
    public static final int HTTP_PORT_BY_PROVIDER = -1;
    public static final int GOLEM_HTTP_PORT = 9401;
    public static final int MODAL_HTTP_PORT = 9402;
    public static final int RUNPOD_HTTP_PORT = 9403;

    private static final ConfigDef DEFINITION = defineWorker(new ConfigDef());

    public WorkerConfig(Map<?, ?> originals) {
        super(DEFINITION, originals);
    }

    /** Defaults, then {@code file} (may be null), then {@code env}'s BEACON_* variables, then {@code overrides}. */
    public static WorkerConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        return new WorkerConfig(ConfigLoader.merge(DEFINITION, file, env, overrides));
    }

    /** Every setting a worker reads, the shared ones included. */
    public static ConfigDef configDef() {
        return new ConfigDef(DEFINITION);
    }

    private static ConfigDef defineWorker(ConfigDef definition) {
        CommonConfig.define(definition);
        return definition
                .define(PROVIDER, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, providerValidator(), Importance.HIGH,
                        "Provider kind this worker serves: golem, modal or runpod. It consumes that kind's"
                                + " provider-jobs topic.")
                .define(WORKER_ID, Type.STRING, "", Importance.MEDIUM,
                        "Id written into every attempt and heartbeat. Empty: <provider>-<host>-<pid>.")
                .define(CONSUMER_GROUP, Type.STRING, "", Importance.MEDIUM,
                        "Consumer group of the jobs topic; workers of one kind share it to scale out."
                                + " Empty: beacon-worker-<provider>.")
                .define(DEPLOYMENTS, Type.STRING, "", Importance.HIGH,
                        "Deployments to call, comma-separated: [id=]URL[;region=R;price=USD_PER_S;capacity=N;"
                                + "models=a|b@provider-name;model=provider-name;timeout=30s;start_fee=USD;idle=60s;"
                                + "slots=N;active=N;active_price=USD_PER_S]. models: the runner's model names served,"
                                + " each optionally @ the name the provider knows it by (an Ollama tag, a vLLM /"
                                + " Hugging Face id); model: the one model a vLLM endpoint serves, by its provider"
                                + " name (RunPod worker-vllm's MODEL_NAME)."
                                + " start_fee, idle, slots, active, active_price describe how the provider bills (the"
                                + " cost ledger's model; defaults: Golem lease, Modal 60 s scale-down and one input per"
                                + " container, RunPod 5 s idle timeout, one job per worker, no active workers)."
                                + " RunPod also takes a bare endpoint id, Golem a host:port."
                                + " Golem nodes may name their credential: token_env=VAR, token_file=PATH, basic_env=VAR,"
                                + " basic_file=PATH (never the value)."
                                + " Empty: the runner's variable (GOLEM_PROVIDER_ENDPOINTS, MODAL_ENDPOINTS,"
                                + " RUNPOD_ENDPOINTS); with neither, the worker stops at start naming the variable."
                                + " Deployments added through the deployments topic come on top.")
                .define(MAX_OUTSTANDING, Type.INT, DEFAULT_MAX_OUTSTANDING, Range.between(1, 100_000),
                        Importance.MEDIUM, "Jobs taken and not yet acknowledged (queued, in flight or being"
                                + " published) at which the worker pauses consumption; it resumes at half.")
                .define(HEARTBEAT_INTERVAL_MS, Type.LONG, DEFAULT_HEARTBEAT_INTERVAL_MS, Range.between(50, 60_000),
                        Importance.LOW, "How often one ProviderStatus per deployment is published, in milliseconds.")
                .define(PROBE_INTERVAL_MS, Type.LONG, DEFAULT_PROBE_INTERVAL_MS, Range.between(100, 600_000),
                        Importance.LOW, "How often each deployment is probed (Ollama /api/tags, Modal /health,"
                                + " RunPod /health), in milliseconds.")
                .define(PROBE_TIMEOUT_MS, Type.LONG, DEFAULT_PROBE_TIMEOUT_MS, Range.between(50, 60_000),
                        Importance.LOW, "How long a probe may take before the deployment counts as unresponsive,"
                                + " in milliseconds.")
                .define(REQUEST_TIMEOUT_MS, Type.LONG, DEFAULT_REQUEST_TIMEOUT_MS, Range.between(100, 3_600_000),
                        Importance.MEDIUM, "Longest time one attempt may take (RunPod: including status polling),"
                                + " in milliseconds, unless a deployment entry sets its own timeout. The job's"
                                + " deadline bounds it too.")
                .define(GOLEM_STREAMING, Type.BOOLEAN, false, Importance.LOW,
                        "Golem: read Ollama's streamed NDJSON answer line by line instead of asking for one JSON"
                                + " answer (stream=false).")
                .define(DEFAULT_REGION, Type.STRING, "unknown", new ConfigDef.NonEmptyString(), Importance.LOW,
                        "Region of deployments whose entry gives none.")
                .define(DEFAULT_MODELS, Type.LIST, "llama3.2:1b", Importance.LOW,
                        "Models served (the runner's names) by deployments whose entry gives none; the provider's"
                                + " names come from the built-in table or what the provider lists. Empty: as the"
                                + " provider lists them (Golem's probe; Modal's /v1/models under models.discovery).")
                .define(MODELS_DISCOVERY, Type.STRING, "after-call",
                        ConfigDef.CaseInsensitiveValidString.in("off", "after-call", "startup"), Importance.LOW,
                        "When a Modal deployment is asked for its model list (GET /v1/models, a request billed on a"
                                + " container): 'after-call' right after a call a container answered, while it is"
                                + " warm (first list, after a 404, and every models.refresh.ms); 'startup' also once"
                                + " at start, which may start a container and pay its cold start and scale-down"
                                + " window; 'off' never. Golem nodes are listed by every probe (/api/tags); RunPod's"
                                + " model is configured (model= in the entry).")
                .define(MODELS_REFRESH_MS, Type.LONG, ModelDiscovery.DEFAULT_REFRESH.toMillis(),
                        Range.between(1_000, 86_400_000), Importance.LOW,
                        "How old a Modal deployment's learned model list may grow before the next warm call"
                                + " refreshes it, in milliseconds.")
                .define(CIRCUIT_WINDOW_TYPE, Type.STRING, "count",
                        ConfigDef.CaseInsensitiveValidString.in("count", "time"), Importance.LOW,
                        "What each deployment's circuit breaker judges: 'count' the last circuit.window.size calls,"
                                + " 'time' the calls of the last circuit.window.size seconds.")
                .define(CIRCUIT_WINDOW_SIZE, Type.INT, CircuitSettings.DEFAULT_WINDOW_SIZE, Range.between(1, 10_000),
                        Importance.LOW, "Size of the circuit breaker's sliding window: calls (count) or seconds (time).")
                .define(CIRCUIT_MINIMUM_CALLS, Type.INT, CircuitSettings.DEFAULT_MINIMUM_CALLS,
                        Range.between(1, 10_000), Importance.LOW,
                        "Calls the window must hold before its failure rate can open the circuit.")
                .define(CIRCUIT_FAILURE_RATE_THRESHOLD, Type.INT, (int) CircuitSettings.DEFAULT_FAILURE_RATE_PERCENT,
                        Range.between(1, 100), Importance.LOW,
                        "Percentage of retryable call failures in the window at which the circuit opens. Permanent"
                                + " failures (400, 401/403, 404 model not found) do not count.")
                .define(CIRCUIT_OPEN_WAIT_MS, Type.LONG, CircuitSettings.DEFAULT_OPEN_WAIT.toMillis(),
                        Range.between(100, 3_600_000), Importance.LOW,
                        "How long an open circuit refuses calls (each refused job gets a retryable 'circuit open'"
                                + " attempt at once) before it turns half-open, in milliseconds.")
                .define(CIRCUIT_HALF_OPEN_CALLS, Type.INT, CircuitSettings.DEFAULT_HALF_OPEN_CALLS,
                        Range.between(1, 1_000), Importance.LOW,
                        "Trial calls a half-open circuit lets through (health probes count as trials); it closes"
                                + " when they mostly succeed, else opens again.")
                .define(RETRY_MAX, Type.INT, RetrySettings.DEFAULT_MAX_RETRIES, Range.between(0, 10), Importance.LOW,
                        "Retries on the same deployment, within one attempt, of an answer that asks to come back"
                                + " later (HTTP 429 or 503). 0: never; the router fails over instead.")
                .define(RETRY_MAX_DELAY_MS, Type.LONG, RetrySettings.DEFAULT_MAX_DELAY.toMillis(),
                        Range.between(0, 600_000), Importance.LOW,
                        "Longest Retry-After the worker waits for, in milliseconds; a longer one ends the attempt"
                                + " as a retryable failure at once. A retry also needs the job's deadline to allow"
                                + " the wait plus the router's expected latency.")
                .define(RETRY_BACKOFF_MS, Type.LONG, RetrySettings.DEFAULT_BACKOFF.toMillis(), Range.between(0, 60_000),
                        Importance.LOW, "Wait before the first retry when the answer has no Retry-After, in"
                                + " milliseconds; it doubles for each further retry.")
                .define(HTTP_HOST, Type.STRING, DEFAULT_HTTP_HOST, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                        "Address the worker's GET /metrics and GET /health bind to. In a container set 0.0.0.0 so"
                                + " Prometheus and health checks from other hosts reach it.")
                .define(HTTP_PORT, Type.INT, HTTP_PORT_BY_PROVIDER, Range.between(HTTP_PORT_BY_PROVIDER, 65_535),
                        Importance.MEDIUM, "Port of the worker's GET /metrics and GET /health. -1: by provider kind"
                                + " (golem " + GOLEM_HTTP_PORT + ", modal " + MODAL_HTTP_PORT + ", runpod "
                                + RUNPOD_HTTP_PORT + "), so one worker of each kind fits on a host; 0: any free port"
                                + " (tests, several workers of one kind on a host).")
                .define(ENDPOINTS_SIMULATORS, Type.BOOLEAN, false, Importance.MEDIUM,
                        "The deployments are local provider simulators (beacon sim, tests), not real providers:"
                                + " provider credentials become optional, since a simulator started without them asks"
                                + " for none. beacon worker --simulators sets it and, when no deployment list is"
                                + " configured, calls beacon sim's fleet on 127.0.0.1:18100 and up. Off (the default),"
                                + " a worker without its provider's deployment list or credentials stops at start with"
                                + " exit code 2, naming the missing variable.")
                .define(GOLEM_ALLOW_PLAINTEXT, Type.BOOLEAN, false, Importance.MEDIUM,
                        "Allow Golem nodes at plain http:// addresses that are not this machine (prompts and"
                                + " answers then cross the network in cleartext; a warning names each one). Off, such"
                                + " an entry stops the worker at start (exit code 2, naming the entry) and a node"
                                + " added through the deployments topic is refused. Loopback addresses (a port the"
                                + " requestor forwards to localhost) are always allowed.")
                .define(GOLEM_TRUSTSTORE, Type.STRING, "", Importance.MEDIUM,
                        "Certificates the Golem worker trusts for https:// nodes besides the JDK's CAs: a PEM file"
                                + " (a requestor's CA or a node's self-signed certificate) or a PKCS12/JKS truststore."
                                + " Host names are still verified. Empty: the JDK's CAs only.")
                .define(GOLEM_TRUSTSTORE_PASSWORD, Type.PASSWORD, "", Importance.LOW,
                        "Password of golem.truststore when it is a PKCS12/JKS truststore; not needed for PEM.")
                .define(MODAL_PROXY_AUTH, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Modal web endpoints require proxy auth (requires_proxy_auth=True): the worker stops at"
                                + " start (exit code 2) without MODAL_KEY and MODAL_SECRET (or MODAL_API_TOKEN). Set"
                                + " false for endpoints deployed without proxy auth.");
    }

    private static ConfigDef.Validator providerValidator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null) {
                    throw new ConfigException(name, null, "set it to golem, modal or runpod");
                }
                parseProvider(name, value.toString());
            }

            @Override
            public String toString() {
                return "[golem, modal, runpod]";
            }
        };
    }

    private static ProviderKind parseProvider(String name, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "golem" -> ProviderKind.GOLEM;
            case "modal" -> ProviderKind.MODAL;
            case "runpod" -> ProviderKind.RUNPOD;
            default -> throw new ConfigException(name, value, "must be golem, modal or runpod");
        };
    }

    public ProviderKind provider() {
        return parseProvider(PROVIDER, getString(PROVIDER));
    }

    public String workerId() {
        String id = getString(WORKER_ID).trim();
        return id.isEmpty() ? provider().name().toLowerCase(Locale.ROOT) + "-" + hostName() + "-" + pid() : id;
    }

    public String consumerGroup() {
        String group = getString(CONSUMER_GROUP).trim();
        return group.isEmpty() ? "beacon-worker-" + provider().name().toLowerCase(Locale.ROOT) : group;
    }

    public int maxOutstanding() {
        return getInt(MAX_OUTSTANDING);
    }

    public Duration heartbeatInterval() {
        return Duration.ofMillis(getLong(HEARTBEAT_INTERVAL_MS));
    }

    public Duration probeInterval() {
        return Duration.ofMillis(getLong(PROBE_INTERVAL_MS));
    }

    public Duration probeTimeout() {
        return Duration.ofMillis(getLong(PROBE_TIMEOUT_MS));
    }

    public Duration requestTimeout() {
        return Duration.ofMillis(getLong(REQUEST_TIMEOUT_MS));
    }

    public String httpHost() {
        return getString(HTTP_HOST).trim();
    }

    /** The port to bind: {@code http.port}, or the provider kind's default when it is -1; 0 means any free port. */
    public int httpPort() {
        int port = getInt(HTTP_PORT);
        return port == HTTP_PORT_BY_PROVIDER ? defaultHttpPort(provider()) : port;
    }

    /** The ops HTTP port a worker of {@code kind} binds unless {@code http.port} says otherwise. */
    public static int defaultHttpPort(ProviderKind kind) {
        return switch (kind) {
            case GOLEM -> GOLEM_HTTP_PORT;
            case MODAL -> MODAL_HTTP_PORT;
            case RUNPOD -> RUNPOD_HTTP_PORT;
            default -> throw new IllegalArgumentException("no default HTTP port for provider kind " + kind);
        };
    }

    public boolean golemStreaming() {
        return getBoolean(GOLEM_STREAMING);
    }

    /** The circuit breaker settings of every deployment. */
    public CircuitSettings circuitSettings() {
        CircuitSettings.WindowType type = getString(CIRCUIT_WINDOW_TYPE).equalsIgnoreCase("time")
                ? CircuitSettings.WindowType.TIME : CircuitSettings.WindowType.COUNT;
        return new CircuitSettings(type, getInt(CIRCUIT_WINDOW_SIZE), getInt(CIRCUIT_MINIMUM_CALLS),
                getInt(CIRCUIT_FAILURE_RATE_THRESHOLD), Duration.ofMillis(getLong(CIRCUIT_OPEN_WAIT_MS)),
                getInt(CIRCUIT_HALF_OPEN_CALLS));
    }

    /** Retries of 429/503 answers within one attempt. */
    public RetrySettings retrySettings() {
        return new RetrySettings(getInt(RETRY_MAX), Duration.ofMillis(getLong(RETRY_MAX_DELAY_MS)),
                Duration.ofMillis(getLong(RETRY_BACKOFF_MS)));
    }

    /** When scale-to-zero deployments are asked for their model list. */
    public ModelDiscovery modelDiscovery() {
        return new ModelDiscovery(ModelDiscovery.Mode.parse(getString(MODELS_DISCOVERY)),
                Duration.ofMillis(getLong(MODELS_REFRESH_MS)));
    }

    /** What a deployment entry gets when it does not say. */
    public DeploymentEndpoints.Defaults deploymentDefaults() {
        return new DeploymentEndpoints.Defaults(getString(DEFAULT_REGION), getList(DEFAULT_MODELS), requestTimeout());
    }

    /**
     * The deployments to call: the {@code deployments} setting when set, else the runner's environment
     * variable of this provider kind.
     *
     * @throws ConfigException naming the setting or variable when an entry is invalid or none is configured
     */
    public List<DeploymentEndpoint> deployments(Map<String, String> env) {
        ProviderKind kind = provider();
        String variable = DeploymentEndpoints.environmentVariable(kind);
        List<DeploymentEndpoint> out;
        try {
            String setting = getString(DEPLOYMENTS);
            out = setting.isBlank()
                    ? DeploymentEndpoints.fromEnvironment(kind, env, deploymentDefaults())
                    : DeploymentEndpoints.parse(kind, setting, deploymentDefaults(), DEPLOYMENTS);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (out.isEmpty()) {
            throw new ConfigException(variable + " is not set: no " + kind.name().toLowerCase(Locale.ROOT)
                    + " deployments configured. Set " + variable + " (or the setting " + DEPLOYMENTS + ", "
                    + ConfigLoader.envName(DEPLOYMENTS) + "); to call the local simulators of beacon sim instead, run"
                    + " beacon worker --simulators");
        }
        return out;
    }

    /** True when the deployments are local simulators and provider credentials are optional. */
    public boolean simulators() {
        return getBoolean(ENDPOINTS_SIMULATORS);
    }

    /** True when plain-http Golem nodes off this machine are allowed (with a warning). */
    public boolean golemAllowPlaintext() {
        return getBoolean(GOLEM_ALLOW_PLAINTEXT);
    }

    /** True when Modal endpoints need proxy-auth credentials. */
    public boolean modalProxyAuth() {
        return getBoolean(MODAL_PROXY_AUTH);
    }

    /**
     * The TLS context of the provider's HTTP client: the JDK's default, or (Golem with {@code golem.truststore})
     * one that also trusts the configured certificates.
     *
     * @throws ConfigException naming {@code golem.truststore} when the file cannot be read
     */
    public Optional<SSLContext> sslContext() {
        String file = getString(GOLEM_TRUSTSTORE).trim();
        if (file.isEmpty() || provider() != ProviderKind.GOLEM) {
            return Optional.empty();
        }
        Password password = getPassword(GOLEM_TRUSTSTORE_PASSWORD);
        try {
            return Optional.of(TrustMaterial.sslContext(Path.of(file),
                    password == null ? new char[0] : password.value().toCharArray(),
                    GOLEM_TRUSTSTORE + " (" + ConfigLoader.envName(GOLEM_TRUSTSTORE) + ")"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The delivery loop's settings. */
    public WorkerSettings settings() {
        int max = maxOutstanding();
        return new WorkerSettings(provider(), workerId(), max, max / 2, heartbeatInterval(), probeInterval(),
                probeTimeout(), circuitSettings(), retrySettings(), WorkerSettings.DEFAULT_POLL_TIMEOUT, modelDiscovery());
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static long pid() {
        try {
            return ProcessHandle.current().pid();
        } catch (UnsupportedOperationException e) {
            return ManagementFactory.getRuntimeMXBean().getStartTime();
        }
    }
}
