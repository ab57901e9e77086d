package io.beacon.launcher;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code beacon router} as a separate JVM on the test's class path, so a test can kill it the way a
 * machine or the OOM killer does ({@code kill -9}: no shutdown hook, no close, no final commit) and
 * start another one on the same state directory. Its stdout and stderr go to one log file, which is also
 * how the test learns that the router is running and where its HTTP API listens.
 */
final class RouterProcess implements AutoCloseable {

    /** Logged by {@code RouterApp}'s state listener once every stream thread runs. */
    static final String RUNNING_LINE = "router state REBALANCING -> RUNNING";
    /** A JVM ended by a signal exits with 128 + the signal number. */
    static final int SIGKILL_EXIT_CODE = 128 + 9;

    private static final Pattern HTTP_URL = Pattern.compile("router started: .* http=(\\S+)");

    private final String name;
    private final Process process;
    private final Path log;
    /** Kills the router should the test JVM end without reaching {@link #close()} (e.g. a build timeout). */
    private final Thread killOnExit;

    private RouterProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.killOnExit = new Thread(process::destroyForcibly, name + "-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts {@code beacon router} with {@code settings} as {@code --set} options, topics of 3 partitions
     * and replication factor 1, logging to {@code logDir/<name>.log}.
     */
    static RouterProcess start(String name, Map<String, String> settings, Path logDir) throws IOException {
        // C1 only: the router lives for seconds under a light load, so start-up CPU matters more than peak speed,
        // and a busy build machine would otherwise spend its cores compiling.
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                BeaconCli.class.getName(), "router", "--partitions", "3", "--replication-factor", "1"));
        settings.forEach((key, value) -> {
            command.add("--set");
            command.add(key + "=" + value);
        });
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        // Only the --set settings count: a BEACON_* variable of the developer's shell must not leak in.
        builder.environment().keySet().removeIf(variable -> variable.startsWith("BEACON_"));
        return new RouterProcess(name, builder.start(), log);
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return log;
    }

    /** Waits until the router logs that it runs; fails at once, with its log, if the process ends first. */
    void awaitRunning(Duration timeout) {
        await(name + " reaches RUNNING").atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before running:\n"
                        + log());
            }
            return log().contains(RUNNING_LINE);
        });
    }

    /** The router's HTTP API, as it logged it when it started. */
    URI httpUrl() {
        Matcher matcher = HTTP_URL.matcher(log());
        if (!matcher.find()) {
            throw new IllegalStateException(name + " has not logged its HTTP address yet:\n" + log());
        }
        return URI.create(matcher.group(1));
    }

    /**
     * Sends SIGKILL with {@code kill -9 <pid>} and waits for the process to end.
     *
     * @return the exit code ({@value #SIGKILL_EXIT_CODE} when the signal ended it)
     */
    int killHard(Duration timeout) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -9 " + process.pid() + " failed: "
                    + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") still alive " + timeout
                    + " after kill -9");
        }
        return process.exitValue();
    }

    /** The log lines that contain {@code fragment}. */
    List<String> logLines(String fragment) {
        return log().lines().filter(line -> line.contains(fragment)).toList();
    }

    String log() {
        try {
            // Bytes, not readString: the last line may be half written, and a cut UTF-8 sequence must not throw.
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log, e);
        }
    }

    /** Kills the process if it still runs (SIGKILL: a test's leftover router must not outlive the test). */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to: nothing left to undo.
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
