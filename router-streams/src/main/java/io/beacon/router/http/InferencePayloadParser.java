package io.beacon.router.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.beacon.router.policy.RequestValidator;
import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.LatencyClass;
import io.beacon.schemas.avro.ProviderKind;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the runner's JSON payload (the integration guide's {@code POST /inference} body) into an
 * {@link InferenceRequest}, or says which field is wrong and why.
 *
 * <p>Types are checked strictly (a temperature sent as a string is an error, not a guess); the rules
 * on values are {@link RequestValidator}'s, the same the router applies to requests read from Kafka,
 * so a job the HTTP API accepts is never refused by the router and the two paths report the same
 * messages. Fields this version does not know are ignored, so a runner may send more than we read.
 *
 * <p>Fields: {@code model} (required), {@code prompt} (or {@code messages}: [{role, content}]),
 * {@code temperature}, {@code max_tokens}, {@code region_preference}, {@code cost_priority},
 * {@code provider_preference} ("golem" | "modal" | "runpod", or an array of them in order),
 * {@code allow_fallbacks}, {@code max_price_per_inference_usd}, {@code latency_class} ("interactive" |
 * "batch"), {@code timeout_seconds} and
 * {@code metadata} (string to string). Absent optional fields take the schema's defaults.
 */
public final class InferencePayloadParser {

    /** Duplicate keys and anything after the object make the body malformed, not silently half-read. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final RequestValidator validator;
    private final int maxTokensLimit;
    private final Duration defaultTimeout;
    private final Duration maxTimeout;

    /**
     * @param maxPromptChars  the router's {@code router.max.prompt.chars}
     * @param maxTokensLimit  the router's {@code router.max.tokens.limit}
     * @param defaultTimeout  time-out (and deadline) of a request without {@code timeout_seconds}
     * @param maxTimeout      largest {@code timeout_seconds} accepted
     */
    public InferencePayloadParser(int maxPromptChars, int maxTokensLimit, Duration defaultTimeout, Duration maxTimeout) {
        this.validator = new RequestValidator(maxPromptChars, maxTokensLimit);
        this.maxTokensLimit = maxTokensLimit;
        this.defaultTimeout = defaultTimeout;
        this.maxTimeout = maxTimeout;
    }

    /** What parsing a payload gave: a request ready to produce, or the field that is wrong. */
    public sealed interface Outcome permits Accepted, Rejected {
    }

    /**
     * @param request the job, keyed and identified by {@code jobId}, created now, deadline now + timeout
     * @param timeout how long the caller should wait for the result
     */
    public record Accepted(InferenceRequest request, Duration timeout) implements Outcome {
    }

    /**
     * @param field the top-level field at fault ({@code body} when the JSON itself is wrong)
     * @param error "field: what is wrong", for a person
     */
    public record Rejected(String field, String error) implements Outcome {
    }

    /** Parses a request body (UTF-8 JSON). */
    public Outcome parse(byte[] body, String jobId, Instant now) {
        if (body.length == 0) {
            return new Rejected("body", "body: is empty; send a JSON object such as"
                    + " {\"model\": \"llama3.2:1b\", \"prompt\": \"...\"}");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JacksonException e) {
            return new Rejected("body", "body: malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return new Rejected("body", "body: cannot be read: " + e.getMessage());
        }
        return parse(node, jobId, now);
    }

    /** Parses one payload already read as JSON (the launcher's {@code submit --file} lines). */
    public Outcome parse(JsonNode payload, String jobId, Instant now) {
        if (payload == null || payload.isMissingNode()) {
            return new Rejected("body", "body: is empty; send a JSON object");
        }
        if (!payload.isObject()) {
            return new Rejected("body", "body: must be a JSON object, not " + describe(payload));
        }
        try {
            return accept(payload, jobId, now);
        } catch (Invalid invalid) {
            return new Rejected(invalid.field, invalid.getMessage());
        }
    }

    private Outcome accept(JsonNode payload, String jobId, Instant now) {
        InferenceRequest.Builder builder = InferenceRequest.newBuilder()
                .setJobId(jobId)
                .setModel(requiredString(payload, "model"))
                .setCreatedAt(now);
        optionalString(payload, "prompt").ifPresent(builder::setPrompt);
        List<ChatMessage> messages = messages(payload);
        if (!messages.isEmpty()) {
            builder.setMessages(messages);
        }
        optionalNumber(payload, "temperature").ifPresent(t -> builder.setTemperature(t.doubleValue()));
        maxTokens(payload).ifPresent(builder::setMaxTokens);
        optionalString(payload, "region_preference").filter(r -> !r.isBlank()).ifPresent(builder::setRegionPreference);
        optionalBoolean(payload, "cost_priority").ifPresent(builder::setCostPriority);
        List<ProviderKind> providers = providers(payload);
        if (!providers.isEmpty()) {
            builder.setProviderPreference(providers);
        }
        optionalBoolean(payload, "allow_fallbacks").ifPresent(builder::setAllowFallbacks);
        optionalNumber(payload, "max_price_per_inference_usd").ifPresent(p -> builder.setMaxPricePerInferenceUsd(p.doubleValue()));
        latencyClass(payload).ifPresent(builder::setLatencyClass);
        Map<String, String> metadata = metadata(payload);
        if (!metadata.isEmpty()) {
            builder.setMetadata(metadata);
        }
        // The wait and the job's deadline are one: after it the router stops trying, so an answer
        // that the caller no longer waits for is not paid for.
        Duration timeout = timeout(payload);
        InferenceRequest request = builder.setDeadline(now.plus(timeout)).build();
        Optional<String> problem = validator.problem(jobId, request);
        if (problem.isPresent()) {
            String message = problem.get();
            int colon = message.indexOf(':');
            return new Rejected(colon > 0 ? message.substring(0, colon) : "body", message);
        }
        return new Accepted(request, timeout);
    }

    private static String requiredString(JsonNode payload, String field) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            throw new Invalid(field, field + ": is required");
        }
        if (!node.isTextual()) {
            throw new Invalid(field, field + ": must be a string, not " + describe(node));
        }
        return node.textValue();
    }

    private static Optional<String> optionalString(JsonNode payload, String field) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new Invalid(field, field + ": must be a string, not " + describe(node));
        }
        return Optional.of(node.textValue());
    }

    private static Optional<Boolean> optionalBoolean(JsonNode payload, String field) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            throw new Invalid(field, field + ": must be true or false, not " + describe(node));
        }
        return Optional.of(node.booleanValue());
    }

    private static Optional<BigDecimal> optionalNumber(JsonNode payload, String field) {
        JsonNode node = payload.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isNumber()) {
            throw new Invalid(field, field + ": must be a number, not " + describe(node));
        }
        return Optional.of(node.decimalValue());
    }

    /** "interactive" or "batch" (any case); anything else is refused, naming the values accepted. */
    private static Optional<LatencyClass> latencyClass(JsonNode payload) {
        return optionalString(payload, "latency_class").map(value -> switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "interactive" -> LatencyClass.INTERACTIVE;
            case "batch" -> LatencyClass.BATCH;
            default -> throw new Invalid("latency_class", "latency_class: must be \"interactive\" or \"batch\", not '"
                    + value + "'");
        });
    }

    /** A whole number; one too large for an int is reported as out of range, not as a type error. */
    private Optional<Integer> maxTokens(JsonNode payload) {
        Optional<BigDecimal> number = optionalNumber(payload, "max_tokens");
        if (number.isEmpty()) {
            return Optional.empty();
        }
        BigInteger whole;
        try {
            whole = number.get().toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new Invalid("max_tokens", "max_tokens: must be a whole number, not " + number.get().toPlainString());
        }
        if (whole.compareTo(BigInteger.ONE) < 0 || whole.compareTo(BigInteger.valueOf(maxTokensLimit)) > 0) {
            throw new Invalid("max_tokens", "max_tokens: " + whole + " is outside 1 to " + maxTokensLimit);
        }
        return Optional.of(whole.intValueExact());
    }

    private Duration timeout(JsonNode payload) {
        Optional<BigDecimal> seconds = optionalNumber(payload, "timeout_seconds");
        if (seconds.isEmpty()) {
            return defaultTimeout;
        }
        BigDecimal millis = seconds.get().multiply(BigDecimal.valueOf(1000));
        if (millis.compareTo(BigDecimal.ONE) < 0 || millis.compareTo(BigDecimal.valueOf(maxTimeout.toMillis())) > 0) {
            throw new Invalid("timeout_seconds", "timeout_seconds: " + seconds.get().toPlainString()
                    + " is outside 0.001 to " + seconds(maxTimeout));
        }
        return Duration.ofMillis(millis.longValue());
    }

    private static List<ChatMessage> messages(JsonNode payload) {
        JsonNode node = payload.get("messages");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new Invalid("messages", "messages: must be an array of {\"role\", \"content\"} objects, not "
                    + describe(node));
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode message = node.get(i);
            String at = "messages[" + i + "]";
            if (!message.isObject()) {
                throw new Invalid("messages", at + ": must be an object with role and content, not " + describe(message));
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isTextual() || role.textValue().isBlank()) {
                throw new Invalid("messages", at + ".role: must be a non-empty string (system, user or assistant)");
            }
            JsonNode content = message.get("content");
            if (content == null || !content.isTextual()) {
                throw new Invalid("messages", at + ".content: must be a string");
            }
            out.add(new ChatMessage(role.textValue(), content.textValue()));
        }
        return out;
    }

    private static List<ProviderKind> providers(JsonNode payload) {
        JsonNode node = payload.get("provider_preference");
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else {
            items.add(node);
        }
        Set<ProviderKind> out = new LinkedHashSet<>();
        for (JsonNode item : items) {
            if (!item.isTextual()) {
                throw new Invalid("provider_preference", "provider_preference: must be \"golem\", \"modal\" or"
                        + " \"runpod\", or an array of them, not " + describe(item));
            }
            String name = item.textValue().trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty() && !node.isArray()) {
                return List.of(); // the runner's JobSpec sends "" for no preference
            }
            out.add(switch (name) {
                case "golem" -> ProviderKind.GOLEM;
                case "modal" -> ProviderKind.MODAL;
                case "runpod" -> ProviderKind.RUNPOD;
                default -> throw new Invalid("provider_preference", "provider_preference: '" + item.textValue()
                        + "' is not one of golem, modal, runpod");
            });
        }
        return List.copyOf(out);
    }

    private static Map<String, String> metadata(JsonNode payload) {
        JsonNode node = payload.get("metadata");
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new Invalid("metadata", "metadata: must be an object of string values, not " + describe(node));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new Invalid("metadata", "metadata." + field.getKey() + ": must be a string, not "
                        + describe(field.getValue()));
            }
            out.put(field.getKey(), field.getValue().textValue());
        }
        return out;
    }

    static String describe(JsonNode node) {
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isArray()) {
            return "an array";
        }
        if (node.isObject()) {
            return "an object";
        }
        return node.isNull() ? "null" : node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** A duration as seconds for messages: "60 s", "1.5 s". */
    public static String seconds(Duration duration) {
        BigDecimal seconds = BigDecimal.valueOf(duration.toMillis()).movePointLeft(3).stripTrailingZeros();
        return seconds.toPlainString() + " s";
    }

    /** A field that is wrong; unwinds the parse to one {@link Rejected}. */
    private static final class Invalid extends RuntimeException {
        private final String field;

        Invalid(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }
}
