package io.beacon.launcher.stack;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.sim.SimulatorFleet;
import io.beacon.schemas.avro.BillingModel;
import io.beacon.workers.core.Billing;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.KnownModels;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded default's provider fleet as workers see it: each simulated deployment becomes a
 * {@link DeploymentEndpoint} of its provider kind, at the simulator's address.
 */
public final class DemoFleet {

    /** First port of the simulator fleet in the embedded default; deployment i listens on FIRST_PORT + i. */
    public static final int FIRST_PORT = 18100;
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private DemoFleet() {
    }

    public static ProviderKind kind(SimProvider provider) {
        return switch (provider) {
            case GOLEM -> ProviderKind.GOLEM;
            case MODAL -> ProviderKind.MODAL;
            case RUNPOD -> ProviderKind.RUNPOD;
        };
    }

    /** Endpoints of running simulators, for the workers of {@code kind}. */
    public static List<DeploymentEndpoint> endpoints(List<ProviderSimulator> simulators, ProviderKind kind) {
        List<DeploymentEndpoint> out = new ArrayList<>();
        for (ProviderSimulator sim : simulators) {
            SimulatedDeployment d = sim.deployment();
            if (kind(d.provider()) == kind) {
                out.add(endpoint(d, sim.baseUrl()));
            }
        }
        return out;
    }

    /**
     * Endpoints of the embedded default's simulators as {@code beacon sim} runs them (127.0.0.1, ports
     * from {@link #FIRST_PORT}), for a worker started on its own.
     */
    public static List<DeploymentEndpoint> defaultEndpoints(ProviderKind kind) {
        List<SimulatedDeployment> fleet = SimulatorFleet.demoDeployments();
        List<DeploymentEndpoint> out = new ArrayList<>();
        for (int i = 0; i < fleet.size(); i++) {
            SimulatedDeployment d = fleet.get(i);
            if (kind(d.provider()) == kind) {
                out.add(endpoint(d, ProviderSimulator.baseUrl(d, "127.0.0.1", FIRST_PORT + i)));
            }
        }
        return out;
    }

    /**
     * The worker's entry for a simulated deployment, as an operator would write it: the models by the runner's
     * names (the demo's Modal and RunPod simulators serve {@code meta-llama/Llama-3.2-1B-Instruct}, which the
     * entry lists as {@code llama3.2:1b}), a provider name only where the built-in table would not find it.
     */
    static DeploymentEndpoint endpoint(SimulatedDeployment d, URI baseUrl) {
        ProviderKind kind = kind(d.provider());
        List<String> runnerNames = new ArrayList<>();
        Map<String, String> providerNames = new LinkedHashMap<>();
        for (String served : d.models()) {
            String runner = KnownModels.runnerName(served).orElse(served);
            if (runnerNames.contains(runner)) {
                continue;
            }
            runnerNames.add(runner);
            if (!KnownModels.defaultProviderName(kind, runner).equals(served)) {
                providerNames.put(runner, served);
            }
        }
        return new DeploymentEndpoint(d.id(), kind, d.region(), baseUrl, runnerNames, d.pricePerSecondUsd(),
                d.capacity(), REQUEST_TIMEOUT, billing(d), providerNames);
    }

    /**
     * The deployment's billing terms as its worker is configured with them: the price list a user would copy
     * from the provider's pricing page and their own deployment settings (fee, scale-down window, inputs per
     * container, active workers). The worker's ledger applies them to what it observes; the simulator bills
     * from what actually ran.
     */
    static Billing billing(SimulatedDeployment d) {
        BillingModel model = switch (d.provider()) {
            case GOLEM -> BillingModel.LEASE;
            case MODAL -> BillingModel.CONTAINER;
            case RUNPOD -> BillingModel.WORKER;
        };
        Duration window = d.provider() == SimProvider.GOLEM ? Duration.ZERO : d.idleTimeout();
        return new Billing(model, d.startFeeUsd(), window, d.slotsPerUnit(), d.activeUnits(),
                d.activePricePerSecondUsd());
    }
}
