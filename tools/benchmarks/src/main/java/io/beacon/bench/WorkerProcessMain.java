package io.beacon.bench;

import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.ProviderWorker;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The worker process of {@link WorkerBenchmark}: one worker in its own JVM, so its heap is measured alone
 * (the benchmark's JVM also hosts the broker, the simulator and the readers). Arguments: {@code worker} or
 * {@code share} (the share-group variant), then the worker's properties file.
 *
 * <p>It reports its heap on standard output, once a second, as {@value #HEAP_LINE} lines the benchmark
 * parses; logs go to standard error.
 */
public final class WorkerProcessMain {

    static final String HEAP_LINE = "bench-heap";

    private WorkerProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !(args[0].equals("worker") || args[0].equals("share") || args[0].equals("http"))) {
            System.err.println("usage: WorkerProcessMain worker|share PROPERTIES | http PROPERTIES WARMUP_S WINDOW_S");
            System.exit(2);
        }
        WorkerHeapSampler heap = new WorkerHeapSampler().start();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-heap-reporter");
            t.setDaemon(true);
            return t;
        });
        reporter.scheduleAtFixedRate(() -> out.println(HEAP_LINE + " peakUsed=" + heap.peakUsedBytes()
                + " peakAfterGc=" + heap.peakAfterGcBytes() + " max=" + heap.maxBytes()), 1, 1, TimeUnit.SECONDS);

        Map<String, String> env = System.getenv();
        WorkerConfig config = WorkerConfig.load(Path.of(args[1]), env, Map.of());
        if (args[0].equals("http")) {
            WorkerHttpBaseline.Result r = WorkerHttpBaseline.run(config, config.deployments(env).get(0),
                    Duration.ofSeconds(Long.parseLong(args[2])), Duration.ofSeconds(Long.parseLong(args[3])));
            out.println(WorkerHttpBaseline.RESULT_LINE + " calls=" + r.callsInWindow() + " meanCallMs="
                    + r.meanCallMs() + " failed=" + r.failed() + " cpuMs=" + r.cpuMsInWindow());
            out.flush();
            System.exit(0);
        }
        AutoCloseable running;
        if (args[0].equals("worker")) {
            ProviderWorker worker = WorkerApp.start(config, config.deployments(env), ProviderSecrets.none());
            running = () -> worker.close(Duration.ofSeconds(10));
        } else {
            running = WorkerShareGroupVariant.start(config, config.deployments(env),
                    Integer.parseInt(config.originalsStrings().getOrDefault(WorkerShareGroupVariant.CONSUMERS, "1")));
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("closing failed: " + e);
            }
            done.countDown();
        }, "bench-worker-shutdown"));
        done.await();
    }
}
