package io.beacon.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Counts this JVM's live threads by kind once a second and keeps each kind's highest count: how many
 * threads the facade, the worker's HTTP client and the Kafka clients needed under the load.
 */
final class FacadeThreadCensus implements AutoCloseable {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<String, Integer> peaks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "facade-bench-census");
        thread.setDaemon(true);
        return thread;
    });

    FacadeThreadCensus start() {
        timer.scheduleAtFixedRate(this::count, 0, 1, TimeUnit.SECONDS);
        return this;
    }

    private void count() {
        Map<String, Integer> now = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds(), 0)) {
            if (info != null) {
                now.merge(FacadeBenchmark.threadGroup(info.getThreadName()), 1, Integer::sum);
            }
        }
        now.forEach((group, count) -> peaks.merge(group, count, Math::max));
    }

    /** The kinds with the most threads at their peak, most first. */
    Map<String, Integer> peaks(int limit) {
        Map<String, Integer> out = new LinkedHashMap<>();
        peaks.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
