package io.beacon.launcher;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command takes: a properties file and individual settings, on top of BEACON_* variables. */
public final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with settings (overridden by BEACON_* variables and --set).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "One setting, e.g. --set bootstrap.servers=broker:9092 (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    public Path file() {
        return file;
    }

    /** The --set settings plus {@code extra} (which wins). */
    public Map<String, String> overrides(Map<String, String> extra) {
        Map<String, String> out = new LinkedHashMap<>(settings);
        out.putAll(extra);
        return out;
    }
}
