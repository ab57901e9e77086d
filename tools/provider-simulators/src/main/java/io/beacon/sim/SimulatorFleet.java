package io.beacon.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Several simulated deployments started and stopped together: the demo's whole provider landscape on one
 * machine.
 */
public final class SimulatorFleet implements AutoCloseable {

    /** Suggested first port for the demo fleet: deployment i listens on 18100 + i. */
    public static final int DEFAULT_FIRST_PORT = 18100;
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The start fee of the demo's Golem offers, in USD. */
    static final double GOLEM_START_FEE_USD = 0.0005;
    /**
     * What the demo's vLLM deployments (Modal, RunPod) serve: Llama 3.2 1B by its Hugging Face id, as vLLM and
     * worker-vllm know it unless started with an alias; the Golem nodes' Ollama serves the same model as
     * {@code llama3.2:1b}. The workers' model catalogue maps the runner's name to each.
     */
    public static final String LLAMA_3_2_1B_HF = "meta-llama/Llama-3.2-1B-Instruct";

    private final List<ProviderSimulator> simulators;
    private final Map<String, ProviderSimulator> byId;

    private SimulatorFleet(List<ProviderSimulator> simulators) {
        this.simulators = List.copyOf(simulators);
        Map<String, ProviderSimulator> index = new LinkedHashMap<>();
        simulators.forEach(simulator -> index.put(simulator.deployment().id(), simulator));
        this.byId = Map.copyOf(index);
    }

    /**
     * Starts every deployment; either all start or none stays running.
     *
     * @param firstPort 0 for free ports; otherwise deployment i listens on {@code firstPort + i}
     * @param credentials what clients must present; null means none
     */
    public static SimulatorFleet start(List<SimulatedDeployment> deployments, String host, int firstPort,
                                       SimCredentials credentials) {
        Objects.requireNonNull(deployments, "deployments");
        Objects.requireNonNull(host, "host");
        if (firstPort < 0 || firstPort + Math.max(0, deployments.size() - 1) > 65_535) {
            throw new IllegalArgumentException("ports " + firstPort + "+" + deployments.size() + " are out of range");
        }
        Set<String> ids = new HashSet<>();
        for (SimulatedDeployment deployment : deployments) {
            if (!ids.add(deployment.id())) {
                throw new IllegalArgumentException("duplicate deployment id " + deployment.id());
            }
        }
        List<ProviderSimulator> started = new ArrayList<>();
        try {
            for (int i = 0; i < deployments.size(); i++) {
                int port = firstPort == 0 ? 0 : firstPort + i;
                started.add(ProviderSimulator.start(deployments.get(i), host, port, credentials));
            }
        } catch (RuntimeException e) {
            started.forEach(ProviderSimulator::close);
            throw e;
        }
        return new SimulatorFleet(started);
    }

    /** Starts {@link #demoDeployments()}. */
    public static SimulatorFleet startDemo(String host, int firstPort, SimCredentials credentials) {
        return start(demoDeployments(), host, firstPort, credentials);
    }

    public List<ProviderSimulator> simulators() {
        return simulators;
    }

    /**
     * The simulator of deployment {@code id}.
     *
     * @throws NoSuchElementException when the fleet has no such deployment
     */
    public ProviderSimulator get(String id) {
        ProviderSimulator simulator = byId.get(id);
        if (simulator == null) {
            throw new NoSuchElementException("no simulated deployment " + id + "; fleet has " + byId.keySet());
        }
        return simulator;
    }

    public Optional<ProviderSimulator> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * The demo's provider landscape. Golem nodes are the cheap, always-warm baseline (about $0.0001/s, 4 slots
     * each), so they carry most load while they have headroom; Modal and RunPod cost more per second and pay cold
     * starts after idling, but scale wider and absorb the overflow. Every deployment serves Llama 3.2 1B: the
     * Golem nodes as the Ollama tag {@code llama3.2:1b} (two also serve {@code mistral:7b}), the Modal and RunPod
     * vLLM deployments only as its Hugging Face id {@link #LLAMA_3_2_1B_HF}, so every demo job that lands there
     * goes through the workers' model catalogue.
     */
    public static List<SimulatedDeployment> demoDeployments() {
        LatencyModel golemLatency = new LatencyModel(Duration.ofMillis(900), 0.35, Duration.ofMillis(4));
        LatencyModel modalLatency = new LatencyModel(Duration.ofMillis(500), 0.3, Duration.ofMillis(4));
        LatencyModel runpodLatency = new LatencyModel(Duration.ofMillis(600), 0.3, Duration.ofMillis(4));
        return List.of(
                golem("golem-eu-central-1", "eu-central", 0.000095, golemLatency, "llama3.2:1b", "mistral:7b"),
                golem("golem-eu-central-2", "eu-central", 0.000100, golemLatency, "llama3.2:1b"),
                golem("golem-us-east-1", "us-east", 0.000105, golemLatency, "llama3.2:1b", "mistral:7b"),
                golem("golem-us-west-1", "us-west", 0.000110, golemLatency, "llama3.2:1b"),
                // Modal T4 and L4 at Modal's published per-second prices: 2 containers x 4 concurrent inputs, 30 s
                // scaledown window, ~3 s to boot vLLM with the weights.
                SimulatedDeployment.builder("modal-us-east", SimProvider.MODAL).region("us-east")
                        .models(LLAMA_3_2_1B_HF).pricePerSecondUsd(0.000164).capacity(8).slotsPerUnit(4).queueLimit(16)
                        .latency(modalLatency)
                        .coldStart(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(30)).build(),
                SimulatedDeployment.builder("modal-eu-west", SimProvider.MODAL).region("eu-west")
                        .models(LLAMA_3_2_1B_HF).pricePerSecondUsd(0.000222).capacity(8).slotsPerUnit(4).queueLimit(16)
                        .latency(new LatencyModel(Duration.ofMillis(450), 0.3, Duration.ofMillis(3)))
                        .coldStart(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(30)).build(),
                // RunPod workers, 16 GB and 24 GB flex prices, one job per worker, RunPod's default 5 s idle
                // timeout; us-east keeps 1 active worker at the published 16 GB active price.
                SimulatedDeployment.builder("runpod-us-east", SimProvider.RUNPOD).region("us-east")
                        .models(LLAMA_3_2_1B_HF).pricePerSecondUsd(0.00016).capacity(8).slotsPerUnit(1).queueLimit(16)
                        .latency(runpodLatency)
                        .coldStart(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(5))
                        .activeUnits(1).activePricePerSecondUsd(0.00011).build(),
                SimulatedDeployment.builder("runpod-eu-central", SimProvider.RUNPOD).region("eu-central")
                        .models(LLAMA_3_2_1B_HF).pricePerSecondUsd(0.00019).capacity(8).slotsPerUnit(1).queueLimit(16)
                        .latency(runpodLatency)
                        .coldStart(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(5)).build());
    }

    /** A human-readable table of the fleet, for the launcher's start-up banner. */
    public String describe() {
        String format = "%-20s %-8s %-11s %-45s %10s %4s %5s %6s  %-34s %s%n";
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, format,
                "ID", "PROVIDER", "REGION", "URL", "USD/S", "CAP", "QUEUE", "COLD", "BILLING", "MODELS"));
        for (ProviderSimulator simulator : simulators) {
            SimulatedDeployment d = simulator.deployment();
            String cold = d.coldStart().isZero() ? "-" : String.format(Locale.ROOT, "%.1fs", d.coldStart().toMillis() / 1000.0);
            table.append(String.format(Locale.ROOT, format, d.id(), d.provider(), d.region(), simulator.baseUrl(),
                    String.format(Locale.ROOT, "%.6f", d.pricePerSecondUsd()), d.capacity(), d.queueLimit(), cold,
                    billingTerms(d), String.join(", ", d.models())));
        }
        table.append("Break one: curl -X POST <http://host:port>/__sim/faults -d '{\"mode\":\"fail\",\"status\":503}'"
                + " (modes: fail, fail-rate, slow, cold, unresponsive, mid-stream, model-missing, recover);"
                + " stats: GET /__sim/stats")
                .append(System.lineSeparator());
        return table.toString();
    }

    /** The deployment's billing terms in a few words, e.g. "lease +$0.0005 fee" or "2x4 containers, 30s window". */
    static String billingTerms(SimulatedDeployment d) {
        long idle = d.idleTimeout().toSeconds();
        return switch (d.provider()) {
            case GOLEM -> String.format(Locale.ROOT, "lease from 1st req, fee $%.4f", d.startFeeUsd());
            case MODAL -> String.format(Locale.ROOT, "%dx%d containers, %ds window", d.maxUnits(), d.slotsPerUnit(), idle);
            case RUNPOD -> d.activeUnits() == 0
                    ? String.format(Locale.ROOT, "%d flex workers, %ds idle, 1s up", d.maxUnits(), idle)
                    : String.format(Locale.ROOT, "%d active @%.5f + %d flex, %ds idle", d.activeUnits(),
                    d.activePricePerSecondUsd(), d.maxUnits() - d.activeUnits(), idle);
        };
    }

    /** Stops every simulator. */
    @Override
    public void close() {
        simulators.forEach(ProviderSimulator::close);
    }

    private static SimulatedDeployment golem(String id, String region, double pricePerSecondUsd,
                                             LatencyModel latency, String... models) {
        // Golem nodes are leased VMs with the model baked into the image: always warm, so no cold start.
        return SimulatedDeployment.builder(id, SimProvider.GOLEM).region(region).models(models)
                .pricePerSecondUsd(pricePerSecondUsd).capacity(4).slotsPerUnit(4).queueLimit(8).latency(latency)
                // Golem offers carry a start price: billed once when the lease starts (the first request).
                .startFeeUsd(GOLEM_START_FEE_USD).coldStart(Duration.ZERO).build();
    }
}
