package io.beacon.launcher.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code beacon} role (a router, a worker) as its own JVM on this JVM's class path, so it can be killed
 * the way a machine dies ({@link #kill}: SIGKILL, no shutdown hook, no final commit), stopped the way an
 * orchestrator stops it ({@link #stop}: SIGTERM, its shutdown hook closes it gracefully) and started again
 * with the same arguments ({@link #restart}). Its output goes to one log file, appended across restarts;
 * a line it logs when it is ready tells {@link #awaitReady} it is.
 */
public final class ChildProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);
    /** The {@code beacon} command's class (named, not imported: this package sits below the commands). */
    static final String MAIN_CLASS = "io.beacon.launcher.BeaconCli";
    /** Small heap, the serial collector and the quick compiler: several of these share two cores with Kafka. */
    static final List<String> JVM_OPTIONS = List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    private final String name;
    private final List<String> arguments;
    private final Map<String, String> environment;
    private final Path logFile;
    private final String readyLine;
    private final Thread killOnExit;
    private Process process;
    private long logOffsetAtLaunch;

    /**
     * @param arguments   the {@code beacon} command line, e.g. {@code router --set ...}
     * @param environment added to this JVM's environment, from which every {@code BEACON_*} variable is removed
     *                    (the arguments say everything)
     * @param readyLine   a fragment of the line the role logs once it is ready
     */
    ChildProcess(String name, List<String> arguments, Map<String, String> environment, Path logFile,
                 String readyLine) {
        this.name = name;
        this.arguments = List.copyOf(arguments);
        this.environment = Map.copyOf(environment);
        this.logFile = logFile;
        this.readyLine = readyLine;
        this.killOnExit = new Thread(this::killQuietly, name + "-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Starts the process (again, after it ended), appending to its log. */
    public synchronized void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running (pid " + process.pid() + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN_CLASS);
        command.addAll(arguments);
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            logOffsetAtLaunch = Files.exists(logFile) ? Files.size(logFile) : 0;
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().keySet().removeIf(variable -> variable.startsWith("BEACON_"));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        LOG.info("{} started as pid {} (log {})", name, process.pid(), logFile);
    }

    /** Waits until the role logs its ready line; fails with the end of its log if it exits first. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(readyLine)) {
                return;
            }
            Process current;
            synchronized (this) {
                current = process;
            }
            if (current == null || !current.isAlive()) {
                throw new IllegalStateException(name + " exited" + (current == null ? "" : " with "
                        + current.exitValue()) + " before it was ready; its log: " + logFile + "\n" + tail());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s; its log: "
                + logFile + "\n" + tail());
    }

    /** SIGKILL ({@code kill -9}), then waits for the process to end. */
    public void kill() throws InterruptedException {
        Process current = running();
        LOG.info("kill -9 {} (pid {})", name, current.pid());
        current.destroyForcibly();
        if (!current.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + current.pid() + ") still alive 30 s after SIGKILL");
        }
    }

    /** SIGTERM: the role's shutdown hook closes it gracefully; SIGKILL if it has not ended within {@code timeout}. */
    public void stop(Duration timeout) throws InterruptedException {
        Process current = running();
        LOG.info("stopping {} (pid {}) with SIGTERM", name, current.pid());
        current.destroy();
        if (!current.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("{} did not stop within {} s; killing it", name, timeout.toSeconds());
            current.destroyForcibly();
            current.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Launches it again and waits until it is ready. */
    public void restart(Duration readyTimeout) throws InterruptedException {
        launch();
        awaitReady(readyTimeout);
    }

    /** Stops it gracefully if it still runs (SIGKILL after 20 s). */
    @Override
    public void close() {
        try {
            if (isAlive()) {
                stop(Duration.ofSeconds(20));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killQuietly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to.
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ")";
    }

    private synchronized Process running() {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        return process;
    }

    private synchronized void killQuietly() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** What the current run of the process has logged. */
    private String output() {
        try {
            if (!Files.exists(logFile)) {
                return "";
            }
            byte[] all = Files.readAllBytes(logFile);
            int from = (int) Math.min(all.length, logOffsetAtLaunch);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private String tail() {
        String text = output();
        return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
    }
}
