package io.beacon.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client of the Confluent Schema Registry REST API, the dialect Confluent's registry, Karapace, Redpanda
 * and Apicurio (under {@code /apis/ccompat/v7}) all speak, so Beacon's topics stay readable by any
 * Confluent client library.
 *
 * <p>Only the three calls a serde needs are made: register a schema, fetch a schema by id, fetch a
 * subject's latest version. The base URL may carry a path (Apicurio's ccompat API); several
 * comma-separated base URLs are tried in turn when one cannot be reached. Basic auth comes from
 * {@code user:password} (or from user info in the URL); the password never appears in a message.
 *
 * <p>Caching: an id names one schema forever, and a subject never gives an identical schema a new id,
 * so {@code id -> schema} and {@code (subject, schema) -> id} are kept for the life of the client.
 * {@link #latest(String)} is not cached: it changes whenever anyone registers a new version, and its one
 * caller, the serializer without auto-registration, already keeps the id per topic.
 *
 * <p>Thread-safe.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** The same preference list Confluent's own client sends, so every registry finds a type it serves. */
    static final String ACCEPT = CONTENT_TYPE + ", application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5";

    private static final Logger log = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);
    private static final Pattern URL_USER_INFO = Pattern.compile("(?<=//).*@");
    private static final int SNIPPET_LENGTH = 200;

    private final List<BaseUrl> baseUrls;
    private final String authorization;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idBySubjectSchema = new ConcurrentHashMap<>();
    /** Index of the URL that answered last: a dead first URL then costs one failed connect, not one per call. */
    private final AtomicInteger preferred = new AtomicInteger();

    /**
     * @param urls one or more comma-separated base URLs, e.g. {@code http://registry:8081} or
     *     {@code http://apicurio:8080/apis/ccompat/v7}
     * @param basicAuthUserInfo {@code user:password} for HTTP basic auth, or null/blank for none
     */
    public HttpSchemaRegistryClient(String urls, String basicAuthUserInfo) {
        this(urls, basicAuthUserInfo, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * @param connectTimeout how long to wait for a TCP (and TLS) connection to one URL before trying the next
     * @param requestTimeout how long to wait for an answer once a request is sent
     */
    public HttpSchemaRegistryClient(String urls, String basicAuthUserInfo, Duration connectTimeout,
                                    Duration requestTimeout) {
        if (urls == null || urls.isBlank()) {
            throw new IllegalArgumentException(SchemaRegistryClients.URL + " is empty: give the registry's"
                    + " base URL, e.g. http://127.0.0.1:8081");
        }
        requirePositive(connectTimeout, "connect timeout");
        requirePositive(requestTimeout, "request timeout");
        List<BaseUrl> parsed = new ArrayList<>();
        String urlUserInfo = null;
        for (String raw : urls.split(",")) {
            if (raw.isBlank()) {
                continue;
            }
            BaseUrl base = BaseUrl.parse(raw.trim());
            parsed.add(base);
            if (urlUserInfo == null) {
                urlUserInfo = base.userInfo();
            }
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException(SchemaRegistryClients.URL + " holds no URL: give the registry's"
                    + " base URL, e.g. http://127.0.0.1:8081");
        }
        this.baseUrls = List.copyOf(parsed);
        String userInfo = basicAuthUserInfo == null || basicAuthUserInfo.isBlank() ? urlUserInfo : basicAuthUserInfo;
        this.authorization = userInfo == null ? null : basicAuthorization(userInfo);
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        // HTTP/1.1: the JDK would otherwise offer an h2c upgrade on every plain-HTTP request, which some
        // proxies in front of registries mishandle; the registry API gains nothing from HTTP/2.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public int register(String subject, Schema schema) {
        // Keyed by the exact text sent: the cache then says precisely what the registry answered for it.
        String text = schema.toString();
        SubjectSchema key = new SubjectSchema(subject, text);
        Integer cached = idBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        ObjectNode body = json.createObjectNode().put("schema", text);
        Call call = new Call("POST", "/subjects/" + encode(subject) + "/versions", body,
                "register subject '" + subject + "'");
        Answer answer = send(call);
        int id = requiredInt(answer, call, "id");
        idBySubjectSchema.putIfAbsent(key, id);
        return id;
    }

    @Override
    public Schema getById(int id) {
        Schema cached = schemaById.get(id);
        if (cached != null) {
            return cached;
        }
        Call call = new Call("GET", "/schemas/ids/" + id, null, "give schema id " + id);
        Answer answer = send(call);
        Schema schema = schemaOf(answer, call);
        Schema previous = schemaById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        Call call = new Call("GET", "/subjects/" + encode(subject) + "/versions/latest", null,
                "give the latest version of subject '" + subject + "'");
        Answer answer = send(call);
        int id = requiredInt(answer, call, "id");
        int version = requiredInt(answer, call, "version");
        Schema schema = schemaOf(answer, call);
        // The answer also tells what this id means, which never changes: keep that part.
        Schema previous = schemaById.putIfAbsent(id, schema);
        return new RegisteredSchema(subject, id, version, previous != null ? previous : schema);
    }

    /**
     * Nothing to release: JDK 17's {@link HttpClient} has no {@code close()}; its threads are daemons and
     * end when the client is no longer referenced.
     */
    @Override
    public void close() {
    }

    /** The base URLs, without credentials. */
    public List<String> urls() {
        return baseUrls.stream().map(BaseUrl::display).toList();
    }

    @Override
    public String toString() {
        return "HttpSchemaRegistryClient" + urls();
    }

    private Answer send(Call call) {
        List<String> failures = new ArrayList<>();
        IOException lastFailure = null;
        int first = preferred.get();
        for (int i = 0; i < baseUrls.size(); i++) {
            int index = (first + i) % baseUrls.size();
            BaseUrl base = baseUrls.get(index);
            HttpResponse<byte[]> response;
            try {
                response = http.send(request(base, call), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                // Every call here is idempotent (an identical schema keeps its id), so retrying it
                // elsewhere after a failure part-way through is safe.
                failures.add(base.display() + ": " + describe(e));
                if (lastFailure != null) {
                    e.addSuppressed(lastFailure);
                }
                lastFailure = e;
                if (i + 1 < baseUrls.size()) {
                    log.warn("Schema registry at {} cannot be reached ({}); trying the next URL",
                            base.display(), describe(e));
                }
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("interrupted while asking the schema registry at "
                        + base.display() + " to " + call.action() + " (" + call.line() + ")", e);
            }
            preferred.set(index);
            return answer(base, call, response);
        }
        String message = baseUrls.size() == 1
                ? "cannot reach the schema registry at " + baseUrls.get(0).display() + " to " + call.action()
                        + " (" + call.line() + "): " + describe(lastFailure)
                : "cannot reach any of the " + baseUrls.size() + " schema registry URLs to " + call.action()
                        + " (" + call.line() + "): " + String.join("; ", failures);
        throw new SchemaRegistryException(message, lastFailure);
    }

    private HttpRequest request(BaseUrl base, Call call) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base.uri() + call.path()))
                .timeout(requestTimeout)
                .header("Accept", ACCEPT);
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        if (call.body() == null) {
            builder.GET();
        } else {
            builder.header("Content-Type", CONTENT_TYPE)
                    .method(call.method(), HttpRequest.BodyPublishers.ofString(call.body().toString()));
        }
        return builder.build();
    }

    private Answer answer(BaseUrl base, Call call, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        byte[] body = response.body();
        String contentType = response.headers().firstValue("Content-Type").orElse("no content type");
        JsonNode tree = readJson(body);
        if (status >= 200 && status < 300) {
            if (tree == null || !tree.isObject()) {
                throw new SchemaRegistryException("schema registry at " + base.display() + " answered "
                        + call.line() + " with HTTP " + status + " but not with a JSON object (" + contentType
                        + "): " + snippet(body) + "; is " + base.display() + " a schema registry's base URL?",
                        status, -1);
            }
            return new Answer(base, tree);
        }
        if (status >= 300 && status < 400) {
            String location = response.headers().firstValue("Location").map(HttpSchemaRegistryClient::redact)
                    .orElse("nowhere");
            throw new SchemaRegistryException("schema registry at " + base.display() + " redirected "
                    + call.line() + " to " + location + " (HTTP " + status + "); redirects are not followed:"
                    + " set " + SchemaRegistryClients.URL + " to the registry's own base URL", status, -1);
        }
        String verb = status >= 500 ? "failed to " : "refused to ";
        StringBuilder message = new StringBuilder("schema registry at ").append(base.display()).append(' ')
                .append(verb).append(call.action()).append(" (").append(call.line()).append("): HTTP ")
                .append(status);
        int errorCode = -1;
        if (tree != null && tree.isObject() && tree.hasNonNull("error_code")) {
            errorCode = tree.get("error_code").asInt(-1);
            message.append(", error code ").append(errorCode);
            String meaning = meaningOf(errorCode);
            if (meaning != null) {
                message.append(" (").append(meaning).append(')');
            }
            message.append(": ").append(tree.path("message").asText("no message"));
        } else {
            message.append(" with a body that is not a registry error (").append(contentType).append("): ")
                    .append(snippet(body));
        }
        if (status == 401 || status == 403) {
            message.append(authorization == null
                    ? "; the registry wants credentials: set " + SchemaRegistryClients.BASIC_AUTH_USER_INFO
                    : "; check the credentials in " + SchemaRegistryClients.BASIC_AUTH_USER_INFO);
        }
        throw new SchemaRegistryException(message.toString(), status, errorCode);
    }

    private JsonNode readJson(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private int requiredInt(Answer answer, Call call, String field) {
        JsonNode value = answer.tree().get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException("schema registry at " + answer.base().display() + " answered "
                    + call.line() + " without an integer '" + field + "': " + snippet(answer.tree().toString()),
                    -1, -1);
        }
        return value.asInt();
    }

    private Schema schemaOf(Answer answer, Call call) {
        JsonNode tree = answer.tree();
        String type = tree.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new SchemaRegistryException("schema registry at " + answer.base().display() + " answered "
                    + call.line() + " with a " + type + " schema; Beacon reads only AVRO schemas", -1, -1);
        }
        if (tree.path("references").size() > 0) {
            throw new SchemaRegistryException("schema registry at " + answer.base().display() + " answered "
                    + call.line() + " with a schema that uses schema references, which this client does not"
                    + " resolve; register self-contained schemas", -1, -1);
        }
        JsonNode text = tree.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException("schema registry at " + answer.base().display() + " answered "
                    + call.line() + " without a 'schema' string: " + snippet(tree.toString()), -1, -1);
        }
        try {
            // Defaults are not validated: a writer's schema only has to describe the bytes, and a
            // registry may hold schemas that another tool registered with sloppy defaults.
            return new Schema.Parser().setValidateDefaults(false).parse(text.asText());
        } catch (RuntimeException e) {
            throw new SchemaRegistryException("schema registry at " + answer.base().display() + " answered "
                    + call.line() + " with a schema that is not valid Avro: " + e.getMessage(), e);
        }
    }

    private String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within " + format(connectTimeout) + " (connect timeout)";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + format(requestTimeout) + " (request timeout)";
        }
        if (e instanceof SSLException) {
            return "TLS failed: " + e.getMessage();
        }
        if (e instanceof ConnectException) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof UnresolvedAddressException) {
                    return "unknown host";
                }
                String text = cause.getMessage();
                // JDK 17 reports a refused connect as ConnectException(null) caused by ClosedChannelException.
                if (cause instanceof ClosedChannelException
                        || (text != null && text.toLowerCase(Locale.ROOT).contains("refused"))) {
                    return "connection refused";
                }
            }
            return "cannot connect" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** Short names for the error codes a registry gives, so a message says what the number means. */
    private static String meaningOf(int errorCode) {
        return switch (errorCode) {
            case 409 -> "incompatible schema";
            case 40401 -> "subject not found";
            case 40402 -> "version not found";
            case 40403 -> "schema not found";
            case 42201 -> "invalid schema";
            case 42202 -> "invalid version";
            case 42203 -> "invalid compatibility level";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 50001 -> "registry storage error";
            case 50002 -> "registry operation timed out";
            case 50003 -> "registry could not forward to its leader";
            default -> null;
        };
    }

    private static String snippet(byte[] body) {
        return snippet(new String(body, StandardCharsets.UTF_8));
    }

    private static String snippet(String text) {
        String flat = text.replaceAll("\\s+", " ").trim();
        if (flat.isEmpty()) {
            return "(empty body)";
        }
        return flat.length() <= SNIPPET_LENGTH ? flat : flat.substring(0, SNIPPET_LENGTH) + "...";
    }

    private static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    /** A subject is one path segment: slashes, spaces and the rest are percent-encoded. */
    static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String basicAuthorization(String userInfo) {
        if (userInfo.indexOf(':') < 0) {
            // The value is a secret: say what is wrong with it without repeating it.
            throw new IllegalArgumentException(SchemaRegistryClients.BASIC_AUTH_USER_INFO
                    + " must have the form user:password (no ':' found)");
        }
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    private static void requirePositive(Duration duration, String what) {
        if (duration == null || duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("schema registry " + what + " must be positive, got " + duration);
        }
    }

    /** Strips credentials from a URL before it goes into a message (up to the last '@', to be safe). */
    static String redact(String url) {
        return URL_USER_INFO.matcher(url).replaceFirst("***@");
    }

    /** One base URL: where requests go ({@code uri}, no user info, no trailing slash) and any user info it had. */
    private record BaseUrl(String uri, String userInfo) {

        static BaseUrl parse(String raw) {
            URI uri;
            try {
                uri = new URI(raw);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(SchemaRegistryClients.URL + " holds '" + redact(raw)
                        + "', which is not a URL: " + redact(e.getReason()));
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException(SchemaRegistryClients.URL + " holds '" + redact(raw)
                        + "': a registry URL must start with http:// or https:// (or be mem://NAME)");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(SchemaRegistryClients.URL + " holds '" + redact(raw)
                        + "', which names no host");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException(SchemaRegistryClients.URL + " holds '" + redact(raw)
                        + "': a registry base URL takes no query or fragment");
            }
            String authority = uri.getRawAuthority();
            String userInfo = null;
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                userInfo = URLDecoder.decode(authority.substring(0, at).replace("+", "%2B"), StandardCharsets.UTF_8);
                authority = authority.substring(at + 1);
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            return new BaseUrl(scheme + "://" + authority + path, userInfo);
        }

        String display() {
            return uri;
        }

        @Override
        public String toString() {
            return uri;
        }
    }

    /** One request: {@code path} is relative to the base URL and already encoded; {@code action} is for messages. */
    private record Call(String method, String path, JsonNode body, String action) {

        String line() {
            return method + " " + path;
        }
    }

    private record Answer(BaseUrl base, JsonNode tree) {
    }

    private record SubjectSchema(String subject, String schemaText) {
    }
}
