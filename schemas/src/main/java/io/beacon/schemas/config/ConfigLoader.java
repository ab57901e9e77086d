package io.beacon.schemas.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Merges settings in a fixed order of precedence: the {@link ConfigDef} defaults, then a properties
 * file, then environment variables, then explicit overrides (command-line flags).
 *
 * <p>An environment variable maps to a setting by upper-casing it, replacing dots and dashes with
 * underscores and adding the {@code BEACON_} prefix: {@code topics.requests} is read from
 * {@code BEACON_TOPICS_REQUESTS}. Settings prefixed {@code kafka.} are passed through to the Kafka
 * clients and may come from the same places ({@code BEACON_KAFKA_SECURITY_PROTOCOL}).
 */
public final class ConfigLoader {

    public static final String ENV_PREFIX = "BEACON_";
    public static final String KAFKA_PASSTHROUGH_PREFIX = "kafka.";

    private ConfigLoader() {
    }

    /** Reads every source in order; later sources win. The result is ready for {@code AbstractConfig}. */
    public static Map<String, String> merge(ConfigDef definition, Path file, Map<String, String> env,
                                            Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>();
        if (file != null) {
            merged.putAll(readFile(file));
        }
        for (String name : definition.names()) {
            String value = env.get(envName(name));
            if (value != null) {
                merged.put(name, value);
            }
        }
        env.forEach((key, value) -> {
            String passthrough = ENV_PREFIX + "KAFKA_";
            if (key.startsWith(passthrough)) {
                merged.put(KAFKA_PASSTHROUGH_PREFIX
                        + key.substring(passthrough.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        merged.putAll(overrides);
        return merged;
    }

    /** The environment variable that sets {@code name}. */
    public static String envName(String name) {
        return ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Settings under {@code kafka.}, prefix removed, for the Kafka clients (security, SASL, tuning). */
    public static Map<String, Object> kafkaPassthrough(Map<String, ?> originals) {
        Map<String, Object> out = new HashMap<>();
        originals.forEach((key, value) -> {
            if (key.startsWith(KAFKA_PASSTHROUGH_PREFIX)) {
                out.put(key.substring(KAFKA_PASSTHROUGH_PREFIX.length()), value);
            }
        });
        return out;
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " does not exist or is not a file");
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file, e);
        }
        Map<String, String> out = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> out.put(key, properties.getProperty(key).trim()));
        return out;
    }
}
