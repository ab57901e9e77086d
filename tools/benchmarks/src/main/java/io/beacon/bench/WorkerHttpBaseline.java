package io.beacon.bench;

import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProviderClient;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline of {@link WorkerBenchmark}: the worker's own provider client calling the same simulated
 * deployment with C calls always in flight, and nothing else (no Kafka, no lanes, no offsets). What it
 * reaches is what this machine's HTTP stack and simulator allow at that moment; the worker can at best match it.
 */
final class WorkerHttpBaseline {

    static final String RESULT_LINE = "bench-http";

    /** @param cpuMsInWindow CPU time this whole process used during the window */
    record Result(long callsInWindow, long meanCallMs, long failed, long cpuMsInWindow) {
    }

    private WorkerHttpBaseline() {
    }

    static Result run(WorkerConfig config, DeploymentEndpoint d, Duration warmup, Duration window)
            throws InterruptedException {
        Clock clock = Clock.systemUTC();
        long windowStart = System.nanoTime() + warmup.toNanos();
        long windowEnd = windowStart + window.toNanos();
        AtomicLong calls = new AtomicLong();
        AtomicLong callNanos = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        CountDownLatch loops = new CountDownLatch(d.capacity());
        try (ProviderClient client = WorkerApp.client(ProviderKind.GOLEM, ProviderSecrets.none(), config.probeTimeout(),
                false, clock)) {
            for (int i = 0; i < d.capacity(); i++) {
                loop(client, d, "baseline-" + i, windowStart, windowEnd, calls, callNanos, failed, loops);
            }
            long cpuAtStart = sleepUntilThenCpu(windowStart);
            long cpuAtEnd = sleepUntilThenCpu(windowEnd);
            loops.await();
            long n = calls.get();
            return new Result(n, n == 0 ? 0 : callNanos.get() / n / 1_000_000, failed.get(),
                    (cpuAtEnd - cpuAtStart) / 1_000_000);
        }
    }

    /** Waits (on this otherwise idle main thread) until {@code nanoTime}, then reads the process's CPU time. */
    private static long sleepUntilThenCpu(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
        return processCpuNanos();
    }

    static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    private static void loop(ProviderClient client, DeploymentEndpoint d, String id, long windowStart, long windowEnd,
                             AtomicLong calls, AtomicLong callNanos, AtomicLong failed, CountDownLatch loops) {
        long start = System.nanoTime();
        if (start >= windowEnd) {
            loops.countDown();
            return;
        }
        client.call(job(id, d), d).whenComplete((CallOutcome outcome, Throwable thrown) -> {
            long end = System.nanoTime();
            if (end >= windowStart && end < windowEnd) {
                calls.incrementAndGet();
                callNanos.addAndGet(end - start);
                if (outcome == null || !outcome.succeeded()) {
                    failed.incrementAndGet();
                }
            }
            loop(client, d, id, windowStart, windowEnd, calls, callNanos, failed, loops);
        });
    }

    private static RoutedJob job(String id, DeploymentEndpoint d) {
        InferenceRequest request = InferenceRequest.newBuilder()
                .setJobId(id)
                .setModel(WorkerBenchFixture.MODEL)
                .setPrompt("Say hello in five words.")
                .setMessages(List.<ChatMessage>of())
                .setTemperature(0.2)
                .setMaxTokens(16)
                .setCreatedAt(Instant.now())
                .build();
        return RoutedJob.newBuilder()
                .setJobId(id)
                .setRequest(request)
                .setDeploymentId(d.id())
                .setProvider(ProviderKind.GOLEM)
                .setRegion("local")
                .setAttempt(1)
                .setReason("baseline")
                .setExpectedCostUsd(0.0)
                .setExpectedLatencyMs(1000)
                .setRoutedAt(Instant.now())
                .setDeadline(Instant.now().plus(Duration.ofHours(1)))
                .build();
    }
}
