package io.beacon.bench.router;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * How busy the machine was during a measurement, and how much of that was not this JVM. The figures of a
 * 2-core machine shared with other work (builds, tests) are only as good as the CPU they got, so every
 * phase reports this next to its result.
 *
 * <p>Reads the machine's CPU time from {@code /proc/stat} (steal included: time the hypervisor gave to
 * someone else) and this process's from the JVM. Without {@code /proc} (not Linux) the shares are NaN.
 */
public final class CpuMeter {

    private static final Path PROC_STAT = Path.of("/proc/stat");

    private final long[] startMachine;
    private final long startProcessNanos;
    private final long startWallNanos;

    private CpuMeter() {
        this.startMachine = machineTicks();
        this.startProcessNanos = processCpuNanos();
        this.startWallNanos = System.nanoTime();
    }

    public static CpuMeter start() {
        return new CpuMeter();
    }

    /**
     * Since {@link #start()}.
     *
     * @param machineBusy share of all CPUs' time that was busy (0..1)
     * @param othersShare share of all CPUs' time used by other processes or stolen by the hypervisor (0..1)
     */
    public record Usage(double machineBusy, double othersShare) {
    }

    public Usage stop() {
        long[] end = machineTicks();
        long processNanos = processCpuNanos() - startProcessNanos;
        long wallNanos = System.nanoTime() - startWallNanos;
        if (startMachine == null || end == null || wallNanos <= 0) {
            return new Usage(Double.NaN, Double.NaN);
        }
        long busy = end[0] - startMachine[0];
        long total = busy + end[1] - startMachine[1];
        if (total <= 0) {
            return new Usage(Double.NaN, Double.NaN);
        }
        double busyShare = (double) busy / total;
        // This process's CPU time as a share of all CPUs' time over the same wall-clock time.
        double ownShare = processNanos / ((double) wallNanos * Runtime.getRuntime().availableProcessors());
        return new Usage(busyShare, Math.max(0, Math.min(1, busyShare - ownShare)));
    }

    /** {busy, idle} ticks of all CPUs together; null without /proc/stat. */
    private static long[] machineTicks() {
        try {
            String cpu = Files.readAllLines(PROC_STAT).get(0);
            long[] v = Arrays.stream(cpu.trim().split("\\s+")).skip(1).mapToLong(Long::parseLong).toArray();
            // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
            long idle = v[3] + v[4];
            long busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v.length > 7 ? v[7] : 0);
            return new long[] {busy, idle};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
