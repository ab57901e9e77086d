package io.beacon.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples this JVM's heap every 100 ms: the peak of used heap (what the issue asks for; it includes garbage
 * not yet collected, so it mostly shows how far the collector lets the heap grow) and the peak of heap left
 * after a collection (what the process really retains, the figure that shows whether the heap is bounded).
 */
final class WorkerHeapSampler implements AutoCloseable {

    static final long PERIOD_MS = 100;

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).toList();
    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakAfterGc = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-heap-sampler");
        t.setDaemon(true);
        return t;
    });

    WorkerHeapSampler start() {
        timer.scheduleAtFixedRate(this::sample, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
        return this;
    }

    private void sample() {
        peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        long afterGc = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            MemoryUsage usage = pool.getCollectionUsage();
            afterGc += usage == null ? 0 : usage.getUsed();
        }
        peakAfterGc.accumulateAndGet(afterGc, Math::max);
    }

    long peakUsedBytes() {
        return peakUsed.get();
    }

    long peakAfterGcBytes() {
        return peakAfterGc.get();
    }

    long maxBytes() {
        return memory.getHeapMemoryUsage().getMax();
    }

    /** Starts measuring afresh (after warm-up). */
    void reset() {
        peakUsed.set(0);
        peakAfterGc.set(0);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
