package io.beacon.lab.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The scenarios shipped with the lab, as resource files ({@code io/beacon/lab/scenarios/NAME.yaml}): the
 * same format a user writes, so each doubles as an example.
 */
public final class BuiltInScenarios {

    /** In the order the lab runs them. */
    public static final List<String> NAMES = List.of("steady", "diurnal", "burst", "golem-outage", "golem-churn",
            "cold-start-storm", "price-change", "benchmark-batch");

    private BuiltInScenarios() {
    }

    public static List<Scenario> all() {
        List<Scenario> out = new ArrayList<>();
        for (String name : NAMES) {
            out.add(named(name));
        }
        return out;
    }

    /** The built-in scenario {@code name}. */
    public static Scenario named(String name) {
        return ScenarioReader.parse(text(name), "built-in scenario " + name);
    }

    /** The file text of built-in scenario {@code name}. */
    public static String text(String name) {
        if (!NAMES.contains(name)) {
            throw new ScenarioException("no built-in scenario " + name + " (built in: " + String.join(", ", NAMES) + ")");
        }
        try (InputStream in = BuiltInScenarios.class.getResourceAsStream("/io/beacon/lab/scenarios/" + name + ".yaml")) {
            if (in == null) {
                throw new ScenarioException("built-in scenario " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScenarioException("cannot read built-in scenario " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * A scenario given on the command line: a file when {@code nameOrFile} names one that exists, else a
     * built-in scenario.
     */
    public static Scenario resolve(String nameOrFile) {
        Path path = Path.of(nameOrFile);
        if (Files.isRegularFile(path)) {
            return ScenarioReader.read(path);
        }
        if (NAMES.contains(nameOrFile)) {
            return named(nameOrFile);
        }
        throw new ScenarioException("no scenario file " + nameOrFile + " and no built-in scenario of that name"
                + " (built in: " + String.join(", ", NAMES) + ")");
    }
}
