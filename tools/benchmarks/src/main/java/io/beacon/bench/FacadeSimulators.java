package io.beacon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.workers.core.DeploymentEndpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The simulator process of {@link FacadeBenchmark} ({@link FacadeSimulatorMain}) as the benchmark sees
 * it: the workers' endpoints for its deployments, and the simulators' own counters.
 */
final class FacadeSimulators implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The worker's longest wait for one call; far above the fixed latency, never reached in a healthy run. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    /** What the simulators counted since they started, summed over the fleet (peak: the highest one). */
    record Stats(long requests, long failed, long rejected, int peakInFlight, int capacity) {
    }

    private final Process process;
    private final List<DeploymentEndpoint> endpoints;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private FacadeSimulators(Process process, List<DeploymentEndpoint> endpoints) {
        this.process = process;
        this.endpoints = endpoints;
    }

    /**
     * Starts the simulator JVM and waits until every deployment listens.
     *
     * @param log where the simulators' log lines go
     */
    static FacadeSimulators start(int count, int capacity, Duration latency, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dsun.net.httpserver.nodelay=true", "-cp", System.getProperty("java.class.path"),
                FacadeSimulatorMain.class.getName(), Integer.toString(count), Integer.toString(capacity),
                Long.toString(latency.toMillis()));
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        try {
            Map<String, URI> urls = CompletableFuture.supplyAsync(() -> readAddresses(process))
                    .get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            List<DeploymentEndpoint> endpoints = new ArrayList<>();
            for (SimulatedDeployment d : FacadeSimulatorMain.fleet(count, capacity, latency)) {
                URI url = urls.get(d.id());
                if (url == null) {
                    throw new IllegalStateException("the simulator process did not report deployment " + d.id());
                }
                endpoints.add(new DeploymentEndpoint(d.id(), ProviderKind.GOLEM, d.region(), url, d.models(),
                        d.pricePerSecondUsd(), d.capacity(), CALL_TIMEOUT));
            }
            return new FacadeSimulators(process, List.copyOf(endpoints));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while the simulators started", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            process.destroyForcibly();
            throw new IllegalStateException("the simulator process did not start (its log: " + log + ")", e);
        }
    }

    private static Map<String, URI> readAddresses(Process process) {
        Map<String, URI> urls = new LinkedHashMap<>();
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.equals(FacadeSimulatorMain.READY_LINE)) {
                    return urls;
                }
                String[] parts = line.split(" ");
                if (parts.length == 3 && parts[0].equals(FacadeSimulatorMain.DEPLOYMENT_LINE)) {
                    urls.put(parts[1], URI.create(parts[2]));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("reading the simulator process failed", e);
        }
        throw new IllegalStateException("the simulator process ended before it was ready");
    }

    /** The deployments as the worker sees them: capacity as the worker's lane width, 30 s per call at most. */
    List<DeploymentEndpoint> endpoints() {
        return endpoints;
    }

    /** The simulator process's CPU time so far; zero when the OS does not tell. */
    Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** The fleet's counters, from each simulator's {@code GET /__sim/stats}. */
    Stats stats() throws IOException, InterruptedException {
        long requests = 0;
        long failed = 0;
        long rejected = 0;
        int peak = 0;
        int capacity = 0;
        for (DeploymentEndpoint d : endpoints) {
            URI root = URI.create(d.baseUrl().getScheme() + "://" + d.baseUrl().getRawAuthority());
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(root.resolve("/__sim/stats"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = JSON.readTree(response.body());
            requests += json.path("requestsTotal").asLong();
            failed += json.path("failed").asLong();
            rejected += json.path("rejected").asLong();
            peak = Math.max(peak, json.path("peakInFlight").asInt());
            capacity = Math.max(capacity, json.path("capacity").asInt());
        }
        return new Stats(requests, failed, rejected, peak, capacity);
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // the simulators stop when their input ends
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
