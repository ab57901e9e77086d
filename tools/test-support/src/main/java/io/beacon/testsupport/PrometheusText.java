package io.beacon.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The samples of a scrape in the Prometheus text exposition format (version 0.0.4), for assertions on
 * values rather than on text: {@code name{label="value",...} value [timestamp]} per line, {@code #} lines
 * (HELP, TYPE) skipped, label values unescaped ({@code \\}, {@code \"}, {@code \n}), {@code +Inf},
 * {@code -Inf} and {@code NaN} read as doubles.
 */
public final class PrometheusText {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {

        public Sample {
            labels = Map.copyOf(labels);
        }
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    /**
     * Parses a whole scrape.
     *
     * @throws IllegalArgumentException naming the line, for a sample line that is not in the format
     */
    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                samples.add(parseLine(line));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not a Prometheus sample: " + line, e);
            }
        }
        return new PrometheusText(samples);
    }

    public List<Sample> samples() {
        return samples;
    }

    /**
     * The value of the one sample named {@code name} whose labels include {@code labels}; NaN when there is
     * none.
     *
     * @throws AssertionError when several samples match: the labels given do not pick one series
     */
    public double value(String name, Map<String, String> labels) {
        List<Sample> found = samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        if (found.size() > 1) {
            throw new AssertionError(found.size() + " samples of " + name + " with " + labels + ": " + found);
        }
        return found.isEmpty() ? Double.NaN : found.get(0).value();
    }

    private static Sample parseLine(String line) {
        int at = 0;
        while (at < line.length() && line.charAt(at) != '{' && !Character.isWhitespace(line.charAt(at))) {
            at++;
        }
        String name = line.substring(0, at);
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad metric name '" + name + "'");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at = parseLabels(line, at + 1, labels);
        }
        String[] rest = line.substring(at).strip().split("\\s+");
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("expected a value and an optional timestamp");
        }
        return new Sample(name, labels, parseValue(rest[0]));
    }

    /** Reads {@code name="value"} pairs from {@code at} to the closing brace; returns the index after it. */
    private static int parseLabels(String line, int at, Map<String, String> labels) {
        while (true) {
            while (at < line.length() && (line.charAt(at) == ',' || line.charAt(at) == ' ')) {
                at++;
            }
            if (at >= line.length()) {
                throw new IllegalArgumentException("no closing brace");
            }
            if (line.charAt(at) == '}') {
                return at + 1;
            }
            int equals = line.indexOf('=', at);
            if (equals < 0 || equals + 1 >= line.length() || line.charAt(equals + 1) != '"') {
                throw new IllegalArgumentException("expected label=\"value\" at " + at);
            }
            String label = line.substring(at, equals).strip();
            StringBuilder value = new StringBuilder();
            int i = equals + 2;
            while (true) {
                if (i >= line.length()) {
                    throw new IllegalArgumentException("unterminated value of label " + label);
                }
                char c = line.charAt(i);
                if (c == '"') {
                    break;
                }
                if (c == '\\' && i + 1 < line.length()) {
                    char escaped = line.charAt(++i);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
                i++;
            }
            labels.put(label, value.toString());
            at = i + 1;
        }
    }

    private static double parseValue(String text) {
        return switch (text) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }
}
