package io.beacon.bench.router;

import io.beacon.router.RouterApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * What a benchmark figure depends on besides the code: CPUs, memory, JVM, OS, Kafka version, how loaded
 * the machine was, and which build of the router ran.
 */
public final class MachineInfo {

    private MachineInfo() {
    }

    public static Map<String, Object> describe(Instant startedAt) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        out.put("cpuModel", procField("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch")));
        out.put("memory", procField("/proc/meminfo", "MemTotal").map(MachineInfo::gib).orElse("unknown"));
        out.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        out.put("kafka", AppInfoParser.getVersion());
        out.put("maxHeap", String.format(Locale.ROOT, "%.1f GiB", Runtime.getRuntime().maxMemory() / 1073741824.0));
        out.put("startedAt", startedAt.truncatedTo(ChronoUnit.SECONDS).toString());
        out.put("loadAverageAtStart", procLine("/proc/loadavg").orElse("unknown"));
        out.put("routerBuild", build(RouterApp.class));
        return out;
    }

    /** Where a class was loaded from and when that jar was built: the router is developed alongside. */
    public static String build(Class<?> type) {
        try {
            Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            return location.getFileName() + " of " + Files.getLastModifiedTime(location).toInstant()
                    .truncatedTo(ChronoUnit.SECONDS);
        } catch (Exception e) {
            return "unknown (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** The first line of a /proc file, e.g. the load averages. */
    public static Optional<String> procLine(String file) {
        try {
            return Files.readAllLines(Path.of(file)).stream().findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> procField(String file, String field) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            return lines.stream().filter(l -> l.startsWith(field)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** "24684212 kB" as GiB. */
    private static String gib(String kb) {
        try {
            long kib = Long.parseLong(kb.replace("kB", "").trim());
            return String.format(Locale.ROOT, "%.1f GiB", kib / 1048576.0);
        } catch (NumberFormatException e) {
            return kb;
        }
    }
}
