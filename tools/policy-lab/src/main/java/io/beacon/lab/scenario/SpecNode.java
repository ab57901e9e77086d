package io.beacon.lab.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node of a scenario file with its path, so that every problem names the field it is about
 * ({@code workload.streams[0].arrivals.rate_per_second: must be a number > 0}).
 */
final class SpecNode {

    private final JsonNode node;
    private final String path;

    SpecNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    String path() {
        return path;
    }

    boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    boolean isText() {
        return node.isTextual();
    }

    boolean isArray() {
        return node.isArray();
    }

    String text() {
        return node.asText();
    }

    /** Fails on any field not in {@code allowed}: a misspelt field must not be silently ignored. */
    SpecNode only(Set<String> allowed) {
        if (!node.isObject()) {
            throw problem(path, "must be a mapping of fields");
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw problem(child(name), "unknown field (expected one of " + String.join(", ", sorted(allowed)) + ")");
            }
        }
        return this;
    }

    SpecNode object(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw problem(child(field), "is required");
        }
        if (!value.isObject()) {
            throw problem(child(field), "must be a mapping of fields");
        }
        return new SpecNode(value, child(field));
    }

    SpecNode optionalObject(String field) {
        return has(field) ? object(field) : null;
    }

    List<SpecNode> list(String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw problem(child(field), "is required");
            }
            return List.of();
        }
        if (!value.isArray()) {
            throw problem(child(field), "must be a list");
        }
        List<SpecNode> out = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            out.add(new SpecNode(value.get(i), child(field) + "[" + i + "]"));
        }
        return out;
    }

    SpecNode raw(String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : new SpecNode(value, child(field));
    }

    String string(String field, String fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (fallback == null) {
                throw problem(child(field), "is required");
            }
            return fallback;
        }
        if (!value.isValueNode() || value.asText().isBlank()) {
            throw problem(child(field), "must be a non-empty text");
        }
        return value.asText();
    }

    /** A number at least {@code min}; {@code fallback} NaN means required. */
    double number(String field, double fallback, double min) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (Double.isNaN(fallback)) {
                throw problem(child(field), "is required");
            }
            return fallback;
        }
        if (!value.isNumber() || !Double.isFinite(value.asDouble()) || value.asDouble() < min) {
            throw problem(child(field), "must be a number >= " + trim(min) + " (got " + value + ")");
        }
        return value.asDouble();
    }

    /** A number above {@code min} (strictly). */
    double positive(String field, double fallback) {
        double v = number(field, fallback, 0);
        if (v <= 0) {
            throw problem(child(field), "must be a number > 0 (got " + trim(v) + ")");
        }
        return v;
    }

    long integer(String field, long fallback, long min) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (fallback == Long.MIN_VALUE) {
                throw problem(child(field), "is required");
            }
            return fallback;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < min) {
            throw problem(child(field), "must be a whole number >= " + min + " (got " + value + ")");
        }
        return value.asLong();
    }

    Boolean bool(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw problem(child(field), "must be true or false (got " + value + ")");
        }
        return value.asBoolean();
    }

    List<String> strings(String field, List<String> fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (fallback == null) {
                throw problem(child(field), "is required");
            }
            return fallback;
        }
        if (!value.isArray() || value.isEmpty()) {
            throw problem(child(field), "must be a non-empty list of texts");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isValueNode() || item.asText().isBlank()) {
                throw problem(child(field), "must be a non-empty list of texts");
            }
            out.add(item.asText());
        }
        return out;
    }

    /** A mapping of choice to weight ({@code {256: 0.8, 512: 0.2}}); weights >= 0, at least one above 0. */
    Map<String, Double> weights(String field, Map<String, Double> fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isObject() || value.isEmpty()) {
            throw problem(child(field), "must be a mapping of choice to weight, e.g. {a: 0.7, b: 0.3}");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        double sum = 0;
        Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode w = e.getValue();
            if (!w.isNumber() || !(w.asDouble() >= 0) || Double.isInfinite(w.asDouble())) {
                throw problem(child(field) + "." + e.getKey(), "weight must be a number >= 0 (got " + w + ")");
            }
            out.put(e.getKey(), w.asDouble());
            sum += w.asDouble();
        }
        if (sum <= 0) {
            throw problem(child(field), "needs at least one weight above 0");
        }
        return out;
    }

    ScenarioException problem(String message) {
        return problem(path, message);
    }

    static ScenarioException problem(String at, String message) {
        return new ScenarioException(at + ": " + message);
    }

    String child(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static List<String> sorted(Set<String> names) {
        List<String> out = new ArrayList<>(names);
        out.sort(null);
        return out;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
