package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code beacon worker} as an operator starts it, in a process of its own with an environment of the test's
 * making: a production worker missing its deployment list, its credentials, or sending prompts in cleartext
 * stops within seconds with exit code 2 and a message naming what to set. No broker is running: nothing may
 * be reached before the configuration is found wrong.
 */
class WorkerFailFastIT {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerFailFastIT.class);
    private static final Duration LIMIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    /** What one run of the command did. */
    private record Run(int exitCode, String stderr, Duration elapsed) {
    }

    private Run worker(Map<String, String> env, String... args) throws IOException, InterruptedException {
        // Failsafe runs tests from a manifest-only jar; this property holds the real classpath.
        String classpath = System.getProperty("surefire.test.class.path", "");
        if (classpath.isBlank()) {
            classpath = System.getProperty("java.class.path");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", classpath, BeaconCli.class.getName(), "worker"));
        command.addAll(List.of(args));
        Path err = dir.resolve("stderr-" + System.nanoTime() + ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // Only what the test gives: no deployment list, credential or BEACON_* setting leaks in from the machine.
        builder.environment().keySet().removeIf(name -> name.startsWith("BEACON_") || name.endsWith("_ENDPOINTS")
                || name.startsWith("MODAL_") || name.startsWith("RUNPOD_"));
        builder.environment().putAll(env);
        // An unused port: were the worker to go as far as Kafka, it would hang there, not exit 2.
        builder.environment().put("BEACON_BOOTSTRAP_SERVERS", "127.0.0.1:1");
        builder.environment().put("BEACON_SCHEMA_REGISTRY_URL", "http://127.0.0.1:1");
        long started = System.nanoTime();
        Process process = builder.start();
        boolean exited = process.waitFor(30, TimeUnit.SECONDS);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        LOG.info("beacon worker {} exited {} after {} ms: {}", String.join(" ", args), exited ? process.exitValue()
                : "(killed)", elapsed.toMillis(), stderr.strip());
        return new Run(exited ? process.exitValue() : -1, stderr, elapsed);
    }

    @Test
    void shouldStopAGolemWorkerWithoutGolemProviderEndpointsWithinFiveSecondsNamingIt() throws Exception {
        Run run = worker(Map.of(), "--provider", "golem");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("GOLEM_PROVIDER_ENDPOINTS is not set").contains("--simulators");
        assertThat(run.elapsed()).isLessThan(LIMIT);
    }

    @Test
    void shouldStopARunPodWorkerWithoutItsApiKeyNamingIt() throws Exception {
        Run run = worker(Map.of("RUNPOD_ENDPOINTS", "abc123endpoint"), "--provider", "runpod");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("RUNPOD_API_KEY is not set");
        assertThat(run.elapsed()).isLessThan(LIMIT);
    }

    @Test
    void shouldStopAModalWorkerWithoutProxyAuthNamingTheVariables() throws Exception {
        Run run = worker(Map.of("MODAL_ENDPOINTS", "https://ws--llm-serve.modal.run"), "--provider", "modal");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("MODAL_KEY and MODAL_SECRET are not set");
        assertThat(run.elapsed()).isLessThan(LIMIT);
    }

    @Test
    void shouldStopAGolemWorkerWithACleartextNodeOnAnotherMachineNamingTheEntry() throws Exception {
        Run run = worker(Map.of("GOLEM_PROVIDER_ENDPOINTS", "node-7=http://10.1.2.3:11434"), "--provider", "golem");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.stderr()).contains("Golem deployment node-7 (http://10.1.2.3:11434) is plain http")
                .contains("golem.allow.plaintext");
        assertThat(run.elapsed()).isLessThan(LIMIT);
    }
}
