package io.beacon.workers;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.sim.LatencyModel;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.workers.core.Billing;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.KnownModels;
import io.beacon.workers.core.ProviderSecrets;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Starts provider simulators with fixed latency and no cold start, and deployments pointing at them. */
public final class Sims {

    public static final String MODAL_KEY = "wk-test-modal-key-0451";
    public static final String MODAL_SECRET = "ws-test-modal-secret-9931";
    public static final String RUNPOD_KEY = "rp_test_api_key_77f3e2";

    private Sims() {
    }

    public static ProviderSimulator start(String id, SimProvider provider, Duration latency, int capacity,
                                          SimCredentials credentials) {
        SimulatedDeployment deployment = SimulatedDeployment.builder(id, provider)
                .region("eu-central")
                .models(TestJobs.MODEL)
                .capacity(capacity)
                .queueLimit(64)
                .latency(LatencyModel.fixed(latency))
                .coldStart(Duration.ZERO)
                .build();
        return ProviderSimulator.start(deployment, "127.0.0.1", 0, credentials);
    }

    public static ProviderSimulator start(String id, SimProvider provider, Duration latency) {
        return start(id, provider, latency, 8, SimCredentials.none());
    }

    public static SimCredentials credentials() {
        return new SimCredentials(MODAL_KEY, MODAL_SECRET, RUNPOD_KEY);
    }

    public static ProviderSecrets secrets() {
        return ProviderSecrets.of(RUNPOD_KEY, MODAL_KEY, MODAL_SECRET);
    }

    /**
     * The simulator as a worker's deployment: its models by the runner's names, with the simulator's own name
     * where the built-in table would not find it (a vLLM simulator serving {@code llama3.2:1b} is a vLLM
     * started with that alias).
     */
    public static DeploymentEndpoint endpoint(ProviderSimulator sim, Duration requestTimeout) {
        ProviderKind kind = ProviderKind.valueOf(sim.deployment().provider().name());
        List<String> runnerNames = new ArrayList<>();
        Map<String, String> providerNames = new LinkedHashMap<>();
        for (String served : sim.deployment().models()) {
            String runner = KnownModels.runnerName(served).orElse(served);
            runnerNames.add(runner);
            if (!KnownModels.defaultProviderName(kind, runner).equals(served)) {
                providerNames.put(runner, served);
            }
        }
        return new DeploymentEndpoint(sim.deployment().id(), kind, "eu-central", sim.baseUrl(), runnerNames, 0.0002,
                sim.deployment().capacity(), requestTimeout, Billing.defaults(kind, sim.deployment().capacity()),
                providerNames);
    }

    /** An HTTP client as the worker builds it, on an executor the caller shuts down. */
    public static HttpClient http(ExecutorService executor) {
        return WorkerApp.httpClient(executor);
    }

    public static ExecutorService executor() {
        return Executors.newCachedThreadPool();
    }

    public static Clock clock() {
        return Clock.systemUTC();
    }
}
