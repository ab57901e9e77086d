package io.beacon.launcher;

import io.beacon.kafka.KafkaCluster;
import io.beacon.launcher.demo.FaultLog;
import io.beacon.launcher.stack.ChildProcess;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.launcher.stack.SecondInstances;
import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The chaos scenario: while jobs flow, one fault after another, each recorded in a {@link FaultLog} when it
 * strikes, on its own thread so the run's results keep being read:
 * <ol>
 *   <li>SIGKILL for the Kafka node leading {@code inference-requests} partition 0; restarted 5 s later, and
 *       awaited until every replica is back in sync;</li>
 *   <li>SIGKILL for the second router (its own JVM); restarted 5 s later;</li>
 *   <li>SIGKILL for the second Golem worker (its own JVM); restarted 5 s later;</li>
 *   <li>a rolling restart of every router, one at a time: the pipeline's own router closed gracefully and
 *       started again, then the second router stopped with SIGTERM and started again.</li>
 * </ol>
 * Faults are {@value #GAP_SECONDS} s apart (after the previous one has been repaired). A fault that would
 * strike in the last {@value #MARGIN_SECONDS} s of sending is skipped (its recovery could not be measured)
 * and said so; send more jobs to fit them all.
 */
final class ChaosPlayer implements IntConsumer {

    static final int GAP_SECONDS = 10;
    static final int MARGIN_SECONDS = 10;
    private static final Duration DOWN_TIME = Duration.ofSeconds(5);
    private static final Duration READY = Duration.ofSeconds(120);

    private final LocalPipeline pipeline;
    private final SecondInstances second;
    private final FaultLog faults;
    private final double sendSeconds;
    private final Consumer<String> notices;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private Thread script;
    private long startNanos;
    private int skipped;

    ChaosPlayer(LocalPipeline pipeline, SecondInstances second, FaultLog faults, double sendSeconds,
                Consumer<String> notices) {
        this.pipeline = pipeline;
        this.second = second;
        this.faults = faults;
        this.sendSeconds = sendSeconds;
        this.notices = notices;
    }

    @Override
    public synchronized void accept(int second) {
        if (script == null) {
            startNanos = System.nanoTime() - second * 1_000_000_000L;
            script = new Thread(this::play, "chaos");
            script.setDaemon(true);
            script.start();
        }
    }

    /** Stops the script if it still runs; the pipeline's close stops what is left. */
    void finish() throws InterruptedException {
        Thread running;
        synchronized (this) {
            running = script;
        }
        if (running != null && running.isAlive()) {
            running.interrupt();
            running.join(60_000);
        }
    }

    /** What stopped the script, if something did. */
    Throwable failure() {
        return failure.get();
    }

    /** Faults skipped for lack of sending time. */
    int skipped() {
        return skipped;
    }

    private void play() {
        try {
            KafkaCluster cluster = pipeline.cluster();
            String requests = pipeline.topics().requests().name();
            waitUntil(Math.max(10, sendSeconds / 10));

            if (room()) {
                int leader = cluster.leaderOf(requests, 0);
                strike("kill -9 broker " + leader + " (leader of " + requests + "-0)");
                cluster.kill(leader);
                Thread.sleep(DOWN_TIME.toMillis());
                strike("restart broker " + leader);
                cluster.restart(leader, READY);
                cluster.awaitInSync(READY);
                notice("broker " + leader + " back, every replica in sync");
                Thread.sleep(GAP_SECONDS * 1000L);
            }
            if (room()) {
                crashAndRestart(second.router());
                Thread.sleep(GAP_SECONDS * 1000L);
            }
            if (room()) {
                crashAndRestart(second.worker(ProviderKind.GOLEM));
                Thread.sleep(GAP_SECONDS * 1000L);
            }
            if (room()) {
                strike("roll router-1 (graceful restart)");
                pipeline.restartRouter(READY);
                notice("router-1 running again");
                Thread.sleep(DOWN_TIME.toMillis());
            }
            if (room()) {
                strike("roll router-2 (graceful restart)");
                second.router().stop(Duration.ofSeconds(30));
                second.router().restart(READY);
                notice("router-2 running again");
            }
            notice("chaos done" + (skipped > 0 ? ": " + skipped + " fault(s) skipped, too close to the end of"
                    + " sending (send more jobs)" : ""));
        } catch (InterruptedException e) {
            notice("chaos stopped before its end (the run ended)");
        } catch (RuntimeException e) {
            failure.set(e);
            notice("chaos step failed: " + e.getMessage());
        }
    }

    private void crashAndRestart(ChildProcess process) throws InterruptedException {
        strike("kill -9 " + process.name());
        process.kill();
        Thread.sleep(DOWN_TIME.toMillis());
        strike("restart " + process.name());
        process.restart(READY);
        notice(process.name() + " running again");
    }

    /** Whether a fault started now leaves time to see the pipeline recover before sending ends. */
    private boolean room() {
        boolean room = elapsedSeconds() < sendSeconds - MARGIN_SECONDS;
        if (!room) {
            skipped++;
        }
        return room;
    }

    private void strike(String name) {
        faults.strike(name);
        notice("fault: " + name);
    }

    private void notice(String text) {
        notices.accept(String.format(Locale.ROOT, "[%5.0fs] chaos: %s", elapsedSeconds(), text));
    }

    private double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private void waitUntil(double seconds) throws InterruptedException {
        long waitMs = (long) ((seconds - elapsedSeconds()) * 1000);
        if (waitMs > 0) {
            Thread.sleep(waitMs);
        }
    }
}
