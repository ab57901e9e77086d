package io.beacon.interop;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apicurio Registry, a real Confluent-compatible registry server that is not ours, run from its Maven
 * Central distribution as a child process on free loopback ports with its default in-memory (H2)
 * storage. Its Confluent API lives under {@code /apis/ccompat/v7}; unlike Confluent's registry it starts
 * with compatibility NONE, so {@link #awaitReady} sets BACKWARD, the level Beacon's schemas are held to.
 *
 * <p>Started as a separate JVM rather than in-process: it is a Quarkus application with its own
 * classpath (Jackson, Kafka clients and Avro versions other than ours).
 */
final class ApicurioRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApicurioRegistry.class);
    /**
     * Measured on a loaded 2-core machine: about 225 MB resident with this heap, ready in 14-19 s. C1 only
     * (TieredStopAtLevel=1) halves start-up there: the registry serves a few dozen requests in a test.
     */
    private static final String MAX_HEAP = "-Xmx256m";

    private final Process process;
    private final int httpPort;
    private final Path logFile;
    private final Instant launchedAt = Instant.now();
    private final Thread killOnExit;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private ApicurioRegistry(Process process, int httpPort, Path logFile) {
        this.process = process;
        this.httpPort = httpPort;
        this.logFile = logFile;
        // A test JVM that dies must not leave a registry behind; removed again in close().
        this.killOnExit = new Thread(process::destroyForcibly, "apicurio-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts the registry from the unpacked distribution in {@code home} and returns at once; call
     * {@link #awaitReady} before use.
     *
     * @throws IllegalStateException when the distribution is not there (the build unpacks it in
     *     pre-integration-test), so a missing registry fails the test instead of skipping it
     */
    static ApicurioRegistry launch(Path home, String version, Path logFile) {
        Path runner = home.resolve("apicurio-registry-app-" + version + "-runner.jar");
        if (!Files.isRegularFile(runner)) {
            throw new IllegalStateException("Apicurio Registry " + version + " is not unpacked at " + home
                    + " (no " + runner.getFileName() + "). Run this test through Maven: `mvn verify -pl"
                    + " runner-interop` unpacks io.apicurio:apicurio-registry-app:" + version + ":tar.gz:all"
                    + " from Maven Central in the pre-integration-test phase.");
        }
        List<Integer> ports = freePorts(2);
        int httpPort = ports.get(0);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, MAX_HEAP, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + httpPort,
                // The management interface is off in this build; bound to loopback all the same in case
                // a later version turns it on.
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + ports.get(1),
                // The defaults, spelled out: in-memory H2, nothing survives the process.
                "-Dapicurio.storage.kind=sql",
                "-Dapicurio.storage.sql.kind=h2",
                "-Dquarkus.log.console.color=false",
                "-jar", runner.toString());
        try {
            Files.createDirectories(logFile.getParent());
            Process process = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            LOG.info("Apicurio Registry {} starting as pid {} on 127.0.0.1:{} (log: {})", version, process.pid(),
                    httpPort, logFile);
            return new ApicurioRegistry(process, httpPort, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Apicurio Registry with " + java, e);
        }
    }

    /** Waits for the readiness check to pass, then makes BACKWARD the global compatibility level. */
    ApicurioRegistry awaitReady(Duration timeout) {
        URI ready = URI.create("http://127.0.0.1:" + httpPort + "/health/ready");
        await("Apicurio Registry readiness at " + ready + " (log: " + logFile + ")")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("Apicurio Registry exited with code " + process.exitValue()
                                + " before it was ready; see " + logFile + ":\n" + logTail());
                    }
                    return isUp(ready);
                });
        LOG.info("Apicurio Registry ready, {} ms after launch", Duration.between(launchedAt, Instant.now()).toMillis());
        RegistryAdmin admin = new RegistryAdmin(confluentUrl());
        admin.setCompatibility("BACKWARD");
        return this;
    }

    /** The base URL of its Confluent-compatible API: what {@code schema.registry.url} is set to. */
    String confluentUrl() {
        return "http://127.0.0.1:" + httpPort + "/apis/ccompat/v7";
    }

    long pid() {
        return process.pid();
    }

    /** Stops the process by its pid: SIGTERM, then SIGKILL after ten seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook will run and find the process gone.
        }
        LOG.info("Apicurio Registry (pid {}) stopped", process.pid());
    }

    private boolean isUp(URI ready) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read the log: " + e.getMessage() + ")";
        }
    }

    /** Distinct ports free on loopback now; held together so they differ, released for the child to bind. */
    private static List<Integer> freePorts(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            Integer[] ports = new Integer[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
            return List.of(ports);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free loopback ports for Apicurio Registry", e);
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // Nothing to do: the port is released either way when the socket is gone.
                    }
                }
            }
        }
    }
}
