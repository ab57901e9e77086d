package io.beacon.lab.engine;

import io.beacon.schemas.avro.BillingModel;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
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
 * A worker's entry for a simulated deployment, as an operator would write it; the demo's workers
 * ({@code launcher}'s {@code DemoFleet}) and the lab's virtual ones are configured with the same entries.
 */
public final class WorkerEntry {

    private WorkerEntry() {
    }

    /**
     * The entry: the models by the runner's names (a Modal or RunPod simulator serving
     * {@code meta-llama/Llama-3.2-1B-Instruct} is listed as {@code llama3.2:1b}), a provider name only where the
     * built-in table would not find it, and the billing terms of {@link #billing}.
     */
    public static DeploymentEndpoint of(SimulatedDeployment d, URI baseUrl, Duration requestTimeout) {
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
                d.capacity(), requestTimeout, billing(d), providerNames);
    }

    /**
     * The deployment's billing terms as its worker is configured with them: the price list a user would copy
     * from the provider's pricing page and their own deployment settings (fee, scale-down window, inputs per
     * container, active workers). The worker's ledger applies them to what it observes; the simulator bills
     * from what actually ran.
     */
    public static Billing billing(SimulatedDeployment d) {
        BillingModel model = switch (d.provider()) {
            case GOLEM -> BillingModel.LEASE;
            case MODAL -> BillingModel.CONTAINER;
            case RUNPOD -> BillingModel.WORKER;
        };
        Duration window = d.provider() == SimProvider.GOLEM ? Duration.ZERO : d.idleTimeout();
        return new Billing(model, d.startFeeUsd(), window, d.slotsPerUnit(), d.activeUnits(),
                d.activePricePerSecondUsd());
    }

    /** The worker's provider kind of a simulated provider. */
    public static ProviderKind kind(SimProvider provider) {
        return switch (provider) {
            case GOLEM -> ProviderKind.GOLEM;
            case MODAL -> ProviderKind.MODAL;
            case RUNPOD -> ProviderKind.RUNPOD;
        };
    }
}
