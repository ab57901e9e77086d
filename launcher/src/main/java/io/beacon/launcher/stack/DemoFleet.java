package io.beacon.launcher.stack;

import io.beacon.lab.engine.WorkerEntry;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.sim.SimulatorFleet;
import io.beacon.workers.core.Billing;
import io.beacon.workers.core.DeploymentEndpoint;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
        return WorkerEntry.kind(provider);
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
     * {@code endpoints} in the {@code deployments} setting's format (DeploymentEndpoints), every term spelt out,
     * so a worker started as its own process ({@code beacon worker --set deployments=...}) sees the same
     * deployments, prices and billing as the pipeline's own workers.
     */
    public static String deploymentsSetting(List<DeploymentEndpoint> endpoints) {
        List<String> entries = new ArrayList<>();
        for (DeploymentEndpoint e : endpoints) {
            StringBuilder entry = new StringBuilder(e.id()).append('=').append(e.baseUrl());
            entry.append(";region=").append(e.region());
            entry.append(";price=").append(e.pricePerSecondUsd());
            entry.append(";capacity=").append(e.capacity());
            if (!e.models().isEmpty()) {
                List<String> models = new ArrayList<>();
                for (String runner : e.models()) {
                    String provider = e.providerModels().get(runner);
                    models.add(provider == null ? runner : runner + "@" + provider);
                }
                entry.append(";models=").append(String.join("|", models));
            }
            entry.append(";timeout=").append(e.requestTimeout().toMillis()).append("ms");
            Billing b = e.billing();
            entry.append(";start_fee=").append(b.startFeeUsd());
            entry.append(";idle=").append(b.idleWindow().toMillis()).append("ms");
            entry.append(";slots=").append(b.slotsPerUnit());
            if (e.provider() == ProviderKind.RUNPOD) {
                entry.append(";active=").append(b.activeUnits());
                entry.append(";active_price=").append(b.activePricePerSecondUsd());
            }
            entries.add(entry.toString());
        }
        return String.join(",", entries);
    }

    /** The worker's entry for a simulated deployment, as the lab's virtual workers have it ({@link WorkerEntry}). */
    static DeploymentEndpoint endpoint(SimulatedDeployment d, URI baseUrl) {
        return WorkerEntry.of(d, baseUrl, REQUEST_TIMEOUT);
    }
}
