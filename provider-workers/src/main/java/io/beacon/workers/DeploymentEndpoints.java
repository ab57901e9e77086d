package io.beacon.workers;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.core.Billing;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.KnownModels;
import io.beacon.workers.core.NodeCredential;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads deployment lists in the runner guide's format: {@code GOLEM_PROVIDER_ENDPOINTS=endpoint1,endpoint2},
 * and the same for {@code MODAL_ENDPOINTS} and {@code RUNPOD_ENDPOINTS} (or the worker setting
 * {@code deployments}).
 *
 * <p>Each comma-separated entry is {@code [id=]LOCATION[;key=value]...}:
 * <ul>
 *   <li>LOCATION: an {@code http(s)://} URL; for Golem also a bare {@code host:port} (plain http);
 *       for RunPod also a bare endpoint id, meaning {@code https://api.runpod.ai/v2/{id}}.</li>
 *   <li>keys: {@code id}, {@code region}, {@code price} (US dollars per second), {@code capacity}
 *       (concurrent calls), {@code timeout} (ms, or with a unit: 30s, 2m).</li>
 *   <li>model keys (the model catalogue, {@link io.beacon.workers.core.DeploymentModels}): {@code models} the
 *       runner's names of the models served, {@code a|b}, each optionally with the provider's own name after
 *       an {@code @} ({@code llama3.2:1b@meta-llama/Llama-3.2-1B-Instruct}); {@code model} the one model a vLLM
 *       endpoint serves, by its provider name (RunPod worker-vllm's {@code MODEL_NAME}), served under the
 *       runner's name {@link KnownModels} gives it (or under the names {@code models} lists).</li>
 *   <li>billing keys (the cost ledger's model, {@link Billing}; defaults from {@link Billing#defaults}):
 *       {@code start_fee} (US dollars per unit start, e.g. a Golem lease's fee), {@code idle} (how long a unit
 *       stays billed after its last call: Modal's scaledown_window, RunPod's idle timeout; ms or 500ms, 30s, 2m),
 *       {@code slots} (calls per unit: Modal's max_inputs, RunPod's concurrency per worker), and for RunPod
 *       {@code active} (always-on active workers) and {@code active_price} (US dollars per second).</li>
 *   <li>Golem node credentials, as references only ({@link NodeCredential}): {@code token_env=VAR} or
 *       {@code token_file=PATH} (sent as {@code Authorization: Bearer}), {@code basic_env=VAR} or
 *       {@code basic_file=PATH} (the value {@code user:password}, sent as {@code Authorization: Basic}). A value
 *       written into the entry itself ({@code token=...}, {@code password=...}) is refused, and masked in the
 *       error.</li>
 * </ul>
 * Without an id, one is derived from the location (stable as long as the location is), e.g.
 * {@code golem-10.0.0.5-11434} or {@code runpod-abc123}.
 */
public final class DeploymentEndpoints {

    /** RunPod's serverless API; a bare endpoint id in {@code RUNPOD_ENDPOINTS} is resolved against it. */
    public static final String RUNPOD_API_BASE = "https://api.runpod.ai/v2/";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern RUNPOD_ENDPOINT_ID = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.-]+(:\\d{1,5})?");
    /** Options that would put a credential's value into the entry (and so into logs, records, shell history). */
    private static final Pattern INLINE_SECRET = Pattern.compile(
            "(?i)(token|password|passwd|secret|basic|auth|authorization|api_key|apikey|key|bearer)\\s*=\\s*[^;,]*");

    /**
     * What an entry gets when it does not say.
     *
     * @param region         region label
     * @param models         models served
     * @param requestTimeout longest time of one attempt
     */
    public record Defaults(String region, List<String> models, Duration requestTimeout) {
        public Defaults {
            models = List.copyOf(models);
        }

        public static Defaults of(Duration requestTimeout) {
            return new Defaults("unknown", List.of(), requestTimeout);
        }
    }

    private DeploymentEndpoints() {
    }

    /** The runner guide's environment variable that lists deployments of {@code kind}. */
    public static String environmentVariable(ProviderKind kind) {
        return switch (kind) {
            case GOLEM -> "GOLEM_PROVIDER_ENDPOINTS";
            case MODAL -> "MODAL_ENDPOINTS";
            case RUNPOD -> "RUNPOD_ENDPOINTS";
            default -> throw new IllegalArgumentException("no deployments for provider kind " + kind);
        };
    }

    /** Deployments from {@link #environmentVariable(ProviderKind)}; empty when it is unset or blank. */
    public static List<DeploymentEndpoint> fromEnvironment(ProviderKind kind, Map<String, String> env,
                                                           Defaults defaults) {
        String variable = environmentVariable(kind);
        String value = env.get(variable);
        return value == null ? List.of() : parse(kind, value, defaults, variable);
    }

    /**
     * Parses a deployment list.
     *
     * @param source named in error messages, e.g. the environment variable or setting
     * @throws IllegalArgumentException naming the source and the entry when an entry is invalid or two
     *                                  entries have the same id
     */
    public static List<DeploymentEndpoint> parse(ProviderKind kind, String spec, Defaults defaults, String source) {
        List<DeploymentEndpoint> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        String[] entries = spec.split(",");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            if (entry.isEmpty()) {
                continue;
            }
            DeploymentEndpoint endpoint;
            try {
                endpoint = parseEntry(kind, entry, defaults);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " entry " + (i + 1) + " ('" + printable(entry) + "'): "
                        + e.getMessage(), e);
            }
            if (!ids.add(endpoint.id())) {
                throw new IllegalArgumentException(source + " entry " + (i + 1) + " ('" + printable(entry)
                        + "'): deployment id '" + endpoint.id() + "' is used twice; give each entry its own id=");
            }
            out.add(endpoint);
        }
        return List.copyOf(out);
    }

    /** Default price when an entry gives none: the design's tier prices per second, in US dollars. */
    public static double defaultPricePerSecondUsd(ProviderKind kind) {
        return switch (kind) {
            case GOLEM -> 0.0001;
            case MODAL -> 0.000222;
            case RUNPOD -> 0.00019;
            default -> 0.0;
        };
    }

    /** Default concurrent calls per deployment: a Golem node runs one Ollama, serverless scales out. */
    public static int defaultCapacity(ProviderKind kind) {
        return kind == ProviderKind.GOLEM ? 2 : 8;
    }

    private static DeploymentEndpoint parseEntry(ProviderKind kind, String entry, Defaults defaults) {
        String[] parts = entry.split(";");
        String location = parts[0].trim();
        String id = null;
        int eq = location.indexOf('=');
        if (eq > 0 && ID.matcher(location.substring(0, eq).trim()).matches()) {
            id = location.substring(0, eq).trim();
            location = location.substring(eq + 1).trim();
        }
        if (location.isEmpty()) {
            throw new IllegalArgumentException("no URL");
        }
        String region = defaults.region();
        List<String> models = null;
        String servedModel = null;
        double price = defaultPricePerSecondUsd(kind);
        int capacity = defaultCapacity(kind);
        Duration timeout = defaults.requestTimeout();
        Double startFee = null;
        Duration idle = null;
        Integer slots = null;
        Integer active = null;
        Double activePrice = null;
        NodeCredential credential = null;
        for (int p = 1; p < parts.length; p++) {
            String option = parts[p].trim();
            if (option.isEmpty()) {
                continue;
            }
            int at = option.indexOf('=');
            if (at <= 0) {
                throw new IllegalArgumentException("option '" + option + "' is not key=value");
            }
            String key = option.substring(0, at).trim().toLowerCase(Locale.ROOT);
            String value = option.substring(at + 1).trim();
            switch (key) {
                case "id" -> id = value;
                case "region" -> region = requireNonBlank(key, value);
                case "price", "price_per_second_usd" -> price = parsePrice(value);
                case "capacity" -> capacity = parseCapacity(value);
                case "models" -> models = Arrays.stream(value.split("\\|")).map(String::trim)
                        .filter(m -> !m.isEmpty()).toList();
                case "model" -> servedModel = modelName(key, value);
                case "timeout" -> timeout = parseDuration(value);
                case "start_fee" -> startFee = parseUsd(key, value);
                case "idle" -> idle = parseIdle(value);
                case "slots" -> slots = parseCount(key, value, 1);
                case "active" -> active = parseCount(key, value, 0);
                case "active_price" -> activePrice = parseUsd(key, value);
                case "token_env", "token_file", "basic_env", "basic_file" -> {
                    if (credential != null) {
                        throw new IllegalArgumentException("give one credential reference, not " + credential.option()
                                + " and " + key);
                    }
                    credential = NodeCredential.fromOption(key, value);
                }
                case "token", "password", "passwd", "secret", "basic", "auth", "authorization", "api_key", "apikey",
                     "key", "bearer" -> throw new IllegalArgumentException("option '" + key + "' would put a credential"
                        + " into the entry; name where it is kept instead: token_env=VAR or token_file=PATH (bearer),"
                        + " basic_env=VAR or basic_file=PATH (user:password)");
                default -> throw new IllegalArgumentException("unknown option '" + key
                        + "' (known: id, region, price, capacity, models, model, timeout, start_fee, idle, slots,"
                        + " active, active_price, token_env, token_file, basic_env, basic_file)");
            }
        }
        if (credential != null && kind != ProviderKind.GOLEM) {
            throw new IllegalArgumentException(credential.option() + " is a Golem node option; Modal and RunPod"
                    + " credentials come from MODAL_KEY/MODAL_SECRET and RUNPOD_API_KEY");
        }
        Billing base = Billing.defaults(kind, capacity);
        if ((active != null || activePrice != null) && kind != ProviderKind.RUNPOD) {
            throw new IllegalArgumentException("active and active_price are RunPod options (active workers)");
        }
        Billing billing = new Billing(base.model(), startFee == null ? base.startFeeUsd() : startFee,
                idle == null ? base.idleWindow() : idle, slots == null ? base.slotsPerUnit() : slots,
                active == null ? base.activeUnits() : active,
                activePrice == null ? base.activePricePerSecondUsd() : activePrice);
        URI url = toUrl(kind, location);
        if (id == null || id.isBlank()) {
            id = derivedId(kind, url);
        } else if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id '" + id + "' may hold only letters, digits, '.', '_' and '-'");
        }
        Map<String, String> providerModels = new LinkedHashMap<>();
        List<String> runnerNames = catalogue(models, servedModel, defaults.models(), providerModels);
        return new DeploymentEndpoint(id, kind, region, url, runnerNames, price, capacity, timeout, billing,
                providerModels, credential);
    }

    /**
     * The runner's names an entry serves, filling {@code providerModels} with the provider names it gives.
     *
     * @param listed   the {@code models} option ({@code runner[@provider]} each), null when absent
     * @param served   the {@code model} option (the one provider name), null when absent
     * @param defaults the worker's {@code default.models}, for an entry with neither
     */
    private static List<String> catalogue(List<String> listed, String served, List<String> defaults,
                                          Map<String, String> providerModels) {
        if (listed == null && served == null) {
            return defaults;
        }
        List<String> runnerNames = new ArrayList<>();
        if (listed != null) {
            for (String item : listed) {
                int at = item.indexOf('@');
                String runner = modelName("models", at < 0 ? item : item.substring(0, at));
                if (at >= 0) {
                    if (served != null) {
                        throw new IllegalArgumentException("models entry '" + item + "' names a provider model and"
                                + " model= names the one the endpoint serves; give one or the other");
                    }
                    providerModels.put(runner, modelName("models", item.substring(at + 1)));
                }
                if (runnerNames.contains(runner)) {
                    throw new IllegalArgumentException("model '" + runner + "' is listed twice in models");
                }
                runnerNames.add(runner);
            }
        }
        if (served != null) {
            if (runnerNames.isEmpty()) {
                runnerNames.add(KnownModels.runnerName(served).orElse(served));
            }
            for (String runner : runnerNames) {
                if (!runner.equals(served)) {
                    providerModels.put(runner, served);
                }
            }
        }
        return runnerNames;
    }

    private static String modelName(String key, String value) {
        String name = value.trim();
        if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace) || name.contains("@")) {
            throw new IllegalArgumentException(key + " '" + value + "' is not a model name (no blanks, no '@'"
                    + " inside a name; models=runner@provider-name)");
        }
        return name;
    }

    private static URI toUrl(ProviderKind kind, String location) {
        String candidate = location;
        if (!location.contains("://")) {
            if (kind == ProviderKind.RUNPOD && RUNPOD_ENDPOINT_ID.matcher(location).matches()) {
                candidate = RUNPOD_API_BASE + location;
            } else if (kind == ProviderKind.GOLEM && HOST_PORT.matcher(location).matches()) {
                candidate = "http://" + location;
            } else {
                throw new IllegalArgumentException("'" + location + "' is not an http(s) URL"
                        + (kind == ProviderKind.RUNPOD ? " nor a RunPod endpoint id" : ""));
            }
        }
        URI uri;
        try {
            uri = new URI(candidate);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + printable(candidate) + "' is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("URL scheme must be http or https, not '" + scheme + "'");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("URL has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("URL must not carry credentials; use the provider's key variables");
        }
        return uri;
    }

    private static String derivedId(ProviderKind kind, URI url) {
        String prefix = kind.name().toLowerCase(Locale.ROOT);
        String path = url.getPath() == null ? "" : url.getPath();
        if (kind == ProviderKind.RUNPOD && path.startsWith("/v2/")) {
            String endpoint = path.substring("/v2/".length()).replaceAll("/+$", "");
            if (RUNPOD_ENDPOINT_ID.matcher(endpoint).matches()) {
                return prefix + "-" + endpoint;
            }
        }
        String host = url.getHost().toLowerCase(Locale.ROOT);
        if (kind == ProviderKind.MODAL && host.endsWith(".modal.run")) {
            host = host.substring(0, host.length() - ".modal.run".length());
        }
        String id = prefix + "-" + host.replaceAll("[^a-z0-9.-]", "-");
        return url.getPort() > 0 ? id + "-" + url.getPort() : id;
    }

    private static String requireNonBlank(String key, String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(key + " must not be blank");
        }
        return value;
    }

    private static double parsePrice(String value) {
        try {
            double price = Double.parseDouble(value);
            if (!Double.isFinite(price) || price < 0) {
                throw new IllegalArgumentException("price '" + value + "' must be a number >= 0 (US dollars per second)");
            }
            return price;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("price '" + value + "' is not a number (US dollars per second)");
        }
    }

    private static double parseUsd(String key, String value) {
        try {
            double usd = Double.parseDouble(value);
            if (!Double.isFinite(usd) || usd < 0) {
                throw new IllegalArgumentException(key + " '" + value + "' must be a number >= 0 (US dollars)");
            }
            return usd;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " '" + value + "' is not a number (US dollars)");
        }
    }

    private static int parseCount(String key, String value, int min) {
        try {
            int n = Integer.parseInt(value);
            if (n < min) {
                throw new IllegalArgumentException(key + " '" + value + "' must be at least " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " '" + value + "' is not a whole number");
        }
    }

    /** An idle window: like a timeout, but 0 is allowed (stop at the last call's end). */
    private static Duration parseIdle(String value) {
        if (value.trim().matches("0+(ms|s|m)?")) {
            return Duration.ZERO;
        }
        try {
            return parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("idle '" + value + "' is not a duration (ms, or 500ms, 30s, 2m)");
        }
    }

    private static int parseCapacity(String value) {
        try {
            int capacity = Integer.parseInt(value);
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity '" + value + "' must be at least 1");
            }
            return capacity;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("capacity '" + value + "' is not a whole number");
        }
    }

    /** {@code 1500} (ms), {@code 1500ms}, {@code 30s} or {@code 2m}. */
    static Duration parseDuration(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
            } else if (v.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            } else if (v.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            } else {
                d = Duration.ofMillis(Long.parseLong(v));
            }
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("timeout '" + value + "' must be positive");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("timeout '" + value + "' is not a duration (ms, or 30s, 2m)");
        }
    }

    /**
     * The entry for an error message or a log line, with anything that looks like a credential masked: URL user
     * info and the value of an option that should never hold one ({@code token=...}).
     */
    public static String printable(String entry) {
        String masked = entry.replaceAll("//[^/@\\s]*@", "//***@");
        return INLINE_SECRET.matcher(masked).replaceAll(m -> {
            String option = m.group();
            return Matcher.quoteReplacement(option.substring(0, option.indexOf('=') + 1) + "***");
        });
    }

    /** True when {@code url} names this machine (localhost, 127.0.0.0/8, ::1): traffic to it never crosses a network. */
    public static boolean isLoopback(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.equals("localhost") || h.endsWith(".localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
                || h.matches("127(\\.\\d{1,3}){3}");
    }
}
