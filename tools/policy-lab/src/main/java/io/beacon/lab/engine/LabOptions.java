package io.beacon.lab.engine;

import java.time.Duration;
import java.util.Map;

/**
 * How the lab runs the pipeline around the policies.
 *
 * @param partitions      partitions of the job topics, so router tasks (the demo's 3)
 * @param kafkaHop        the delay of every topic between two parts (router to worker, worker to router, the
 *                        router's own loop through its statistics): about what a routed job takes to reach a
 *                        read_committed worker under exactly_once_v2 (the router benchmark's hop p50 is 18 ms)
 * @param routerSettings  router settings ({@code router.*}, as {@code --set} gives them) over the defaults; the
 *                        environment is not read, so a lab run does not depend on who runs it
 * @param withoutPreferences send every job without its region and provider preference, to tell what a policy's
 *                        choices cost from what honouring the runner's preferences costs
 * @param engine          how the router runs: its processors driven directly (default) or the whole topology under
 *                        TopologyTestDriver (the reference: slower, one task, the router's own topics without a hop)
 */
public record LabOptions(int partitions, Duration kafkaHop, Map<String, String> routerSettings,
                         boolean withoutPreferences, RouterEngine.Kind engine) {

    public LabOptions {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1");
        }
        routerSettings = Map.copyOf(routerSettings);
    }

    public static LabOptions defaults() {
        return new LabOptions(3, Duration.ofMillis(20), Map.of(), false, RouterEngine.Kind.DIRECT);
    }

    public LabOptions withRouterSettings(Map<String, String> settings) {
        return new LabOptions(partitions, kafkaHop, settings, withoutPreferences, engine);
    }

    public LabOptions withEngine(RouterEngine.Kind value, int partitionCount, Duration hop) {
        return new LabOptions(partitionCount, hop, routerSettings, withoutPreferences, value);
    }

    public LabOptions withoutPreferences(boolean value) {
        return new LabOptions(partitions, kafkaHop, routerSettings, value, engine);
    }
}
