package io.beacon.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The jobs a RunPod endpoint can report on. Ended jobs stay available for status look-ups for
 * {@link #RETENTION} (as RunPod keeps /run results for 30 minutes), and at most {@link #MAX_ENDED_JOBS} of them
 * are kept, oldest dropped first, so a long demo cannot grow memory without bound. Jobs still queued or
 * running are never dropped (capacity and queue limit bound them).
 */
final class RunPodJobStore {

    static final Duration RETENTION = Duration.ofMinutes(30);
    static final int MAX_ENDED_JOBS = 10_000;
    private static final long SWEEP_INTERVAL_NANOS = Duration.ofSeconds(30).toNanos();

    private final LinkedHashMap<String, RunPodJob> jobs = new LinkedHashMap<>();
    private long lastSweepNanos = System.nanoTime();

    synchronized void put(RunPodJob job) {
        jobs.put(job.id(), job);
        long now = System.nanoTime();
        if (jobs.size() > MAX_ENDED_JOBS || now - lastSweepNanos > SWEEP_INTERVAL_NANOS) {
            sweep(now);
        }
    }

    synchronized RunPodJob get(String id) {
        return jobs.get(id);
    }

    synchronized void remove(String id) {
        jobs.remove(id);
    }

    synchronized List<RunPodJob> snapshot() {
        return new ArrayList<>(jobs.values());
    }

    private void sweep(long now) {
        lastSweepNanos = now;
        int ended = 0;
        for (RunPodJob job : jobs.values()) {
            if (job.status().terminal()) {
                ended++;
            }
        }
        // Insertion order is submission order, so the first ended jobs met are the oldest.
        Iterator<RunPodJob> it = jobs.values().iterator();
        while (it.hasNext()) {
            RunPodJob job = it.next();
            if (!job.status().terminal()) {
                continue;
            }
            boolean expired = now - job.finishedNanos() > RETENTION.toNanos();
            if (expired || ended > MAX_ENDED_JOBS) {
                it.remove();
                ended--;
            }
        }
    }
}
