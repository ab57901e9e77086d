package io.beacon.workers.core;

import io.beacon.schemas.avro.ProviderKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one deployment serves, by the runner's names, and the name its provider knows each model by.
 * Thread-safe: the configuration is fixed, the learned list is replaced whole.
 *
 * <p>A runner's model is named, in this order of precedence:
 * <ol>
 *   <li>as the deployment entry says ({@code models=llama3.2:1b@meta-llama/Llama-3.2-1B-Instruct},
 *       {@code model=...});</li>
 *   <li>as the provider lists it (Ollama's {@code /api/tags}, vLLM's {@code /v1/models}): the runner's name
 *       itself, else another name {@link KnownModels} has for the same model;</li>
 *   <li>by {@link KnownModels#defaultProviderName}: the Ollama tag on Golem, the Hugging Face id on vLLM.</li>
 * </ol>
 * Served models: the configured ones, minus those a learned list shows missing (a call for them would only
 * be refused); with none configured, what the provider lists, under the runner's names.
 */
public final class DeploymentModels {

    /** A model list the provider gave, and when. */
    public record Listing(List<String> providerNames, Instant at) {
        public Listing {
            providerNames = List.copyOf(providerNames);
            Objects.requireNonNull(at, "at");
        }
    }

    private final DeploymentEndpoint deployment;
    private volatile Listing listing;

    public DeploymentModels(DeploymentEndpoint deployment) {
        this.deployment = Objects.requireNonNull(deployment, "deployment");
    }

    public DeploymentEndpoint deployment() {
        return deployment;
    }

    /** True when {@code d} configures its models as this one was configured (same kind, models, names). */
    boolean configuredAs(DeploymentEndpoint d) {
        return d.provider() == deployment.provider() && d.models().equals(deployment.models())
                && d.providerModels().equals(deployment.providerModels());
    }

    /**
     * Takes the provider's model list. An empty list is ignored: a provider that answers with no model at all
     * is more likely unreadable than empty, and a call will tell.
     */
    public void learn(List<String> providerNames, Instant at) {
        learn(providerNames, at, false);
    }

    /**
     * Takes the provider's model list; with {@code whole} the list was read from an answer that lists every
     * model ({@link io.beacon.workers.client.ProbeOutcome#modelsListed()}), so an empty one means the deployment
     * has none (an Ollama node whose models were all removed) and is taken too.
     */
    public void learn(List<String> providerNames, Instant at, boolean whole) {
        if (providerNames == null || (providerNames.isEmpty() && !whole)) {
            return;
        }
        listing = new Listing(providerNames, at);
    }

    /** The provider's last model list, if one was learned. */
    public Optional<Listing> listing() {
        return Optional.ofNullable(listing);
    }

    /** The runner's names of the models this deployment serves (what its heartbeat reports). */
    public List<String> served() {
        Listing known = listing;
        List<String> configured = deployment.models();
        if (configured.isEmpty()) {
            if (known == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (String name : known.providerNames()) {
                String runner = KnownModels.runnerName(name).orElse(name);
                if (!out.contains(runner)) {
                    out.add(runner);
                }
            }
            return List.copyOf(out);
        }
        if (known == null) {
            return configured;
        }
        return configured.stream().filter(runner -> listed(runner, known) != null).toList();
    }

    /**
     * The configured models (runner's names) the provider's last list lacks: set up for them, the deployment
     * cannot serve them (an Ollama node that never pulled the model, a vLLM app started with another one).
     * Empty when every configured model is listed, none is configured, or no list was learned yet.
     */
    public List<String> missing() {
        Listing known = listing;
        if (known == null) {
            return List.of();
        }
        return deployment.models().stream().filter(runner -> listed(runner, known) == null).toList();
    }

    /**
     * Whether a job for {@code runnerName} may be sent here. True also when nothing is known yet (no model
     * configured, no list learned): then the provider's answer decides.
     */
    public boolean serves(String runnerName) {
        if (deployment.models().isEmpty() && listing == null) {
            return true;
        }
        return served().contains(runnerName);
    }

    /** The name to send to the provider for the runner's {@code runnerName}. */
    public String providerName(String runnerName) {
        String configured = deployment.providerModels().get(runnerName);
        if (configured != null) {
            return configured;
        }
        Listing known = listing;
        if (known != null) {
            String listed = listed(runnerName, known);
            if (listed != null) {
                return listed;
            }
        }
        return KnownModels.defaultProviderName(deployment.provider(), runnerName);
    }

    /**
     * The catalogue a heartbeat carries ({@code ProviderStatus.provider_models}): each served model whose
     * provider name differs from the runner's.
     */
    public Map<String, String> providerNames() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String runner : served()) {
            String name = providerName(runner);
            if (!name.equals(runner)) {
                out.put(runner, name);
            }
        }
        return out;
    }

    /** The name {@code runnerName} has in the provider's list, or null when the list lacks it. */
    /**
     * Whether a provider's model list holds the runner's {@code runnerName} under any name this deployment may
     * know it by (its configured provider name, the known names for its provider kind, or the runner's own).
     */
    public boolean listedIn(String runnerName, List<String> providerNames) {
        return providerNames.contains(runnerName) || listed(runnerName, new Listing(providerNames, Instant.EPOCH)) != null;
    }

    private String listed(String runnerName, Listing known) {
        String configured = deployment.providerModels().get(runnerName);
        if (configured != null) {
            return known.providerNames().contains(configured) ? configured : null;
        }
        ProviderKind kind = deployment.provider();
        for (String candidate : KnownModels.candidates(kind, runnerName)) {
            if (known.providerNames().contains(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
