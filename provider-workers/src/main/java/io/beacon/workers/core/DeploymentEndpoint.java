package io.beacon.workers.core;

import io.beacon.schemas.avro.ProviderKind;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One place a worker can send jobs to: a leased Golem node (Ollama), a Modal web endpoint or a RunPod
 * serverless endpoint. It carries no credentials: those come from {@link ProviderSecrets}; a Golem node's entry
 * may name where its own credential is kept ({@link NodeCredential}, a reference, never the value).
 *
 * @param id                 deployment id the router names in {@code RoutedJob.deployment_id}
 * @param provider           provider kind, which decides the protocol
 * @param region             region label, e.g. {@code eu-central}
 * @param baseUrl            base of the API, without a trailing slash (RunPod: {@code .../v2/{endpointId}})
 * @param models             models the deployment serves, by the runner's names (e.g. {@code llama3.2:1b});
 *                           empty means "as the provider lists them" (see {@link ModelCatalogue})
 * @param pricePerSecondUsd  price of one billed second, in US dollars
 * @param capacity           calls the worker runs against it at once; more wait in the worker's queue
 * @param requestTimeout     longest time one attempt may take, including any polling
 * @param billing            how the provider bills its capacity (the cost ledger's model)
 * @param providerModels     the configured model catalogue: a runner's name in {@code models} mapped to the name
 *                           this deployment's provider knows it by (an Ollama tag, a vLLM / Hugging Face id);
 *                           models not in it are named by what the provider lists or {@link KnownModels}
 * @param credential         where the node's own credential is kept (Golem behind an authenticating proxy); null: none
 */
public record DeploymentEndpoint(String id, ProviderKind provider, String region, URI baseUrl,
                                 List<String> models, double pricePerSecondUsd, int capacity,
                                 Duration requestTimeout, Billing billing, Map<String, String> providerModels,
                                 NodeCredential credential) {

    /** A deployment that needs no credential of its own. */
    public DeploymentEndpoint(String id, ProviderKind provider, String region, URI baseUrl, List<String> models,
                              double pricePerSecondUsd, int capacity, Duration requestTimeout, Billing billing,
                              Map<String, String> providerModels) {
        this(id, provider, region, baseUrl, models, pricePerSecondUsd, capacity, requestTimeout, billing,
                providerModels, null);
    }

    /** A deployment named by its provider's own catalogue ({@link KnownModels}, its model list). */
    public DeploymentEndpoint(String id, ProviderKind provider, String region, URI baseUrl, List<String> models,
                              double pricePerSecondUsd, int capacity, Duration requestTimeout, Billing billing,
                              NodeCredential credential) {
        this(id, provider, region, baseUrl, models, pricePerSecondUsd, capacity, requestTimeout, billing, Map.of(),
                credential);
    }

    /** A deployment whose provider names its models as {@link KnownModels} or its model list says, no credential. */
    public DeploymentEndpoint(String id, ProviderKind provider, String region, URI baseUrl, List<String> models,
                              double pricePerSecondUsd, int capacity, Duration requestTimeout, Billing billing) {
        this(id, provider, region, baseUrl, models, pricePerSecondUsd, capacity, requestTimeout, billing, Map.of(),
                (NodeCredential) null);
    }

    /** A deployment billed by its provider's defaults ({@link Billing#defaults}). */
    public DeploymentEndpoint(String id, ProviderKind provider, String region, URI baseUrl, List<String> models,
                              double pricePerSecondUsd, int capacity, Duration requestTimeout) {
        this(id, provider, region, baseUrl, models, pricePerSecondUsd, capacity, requestTimeout,
                Billing.defaults(provider, capacity));
    }

    public DeploymentEndpoint {
        Objects.requireNonNull(billing, "billing");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (id.isBlank()) {
            throw new IllegalArgumentException("deployment id must not be blank");
        }
        if (!baseUrl.isAbsolute() || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("deployment " + id + ": base URL must be absolute http(s): " + baseUrl);
        }
        if (!Double.isFinite(pricePerSecondUsd) || pricePerSecondUsd < 0) {
            throw new IllegalArgumentException("deployment " + id + ": price per second must be >= 0");
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("deployment " + id + ": capacity must be at least 1");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("deployment " + id + ": request timeout must be positive");
        }
        String base = baseUrl.toString();
        if (base.endsWith("/")) {
            baseUrl = URI.create(base.substring(0, base.length() - 1));
        }
        models = List.copyOf(models);
        Objects.requireNonNull(providerModels, "providerModels");
        for (Map.Entry<String, String> e : providerModels.entrySet()) {
            if (!models.contains(e.getKey())) {
                throw new IllegalArgumentException("deployment " + id + ": provider name given for model '"
                        + e.getKey() + "', which is not among its models " + models);
            }
            if (e.getValue() == null || e.getValue().isBlank()) {
                throw new IllegalArgumentException("deployment " + id + ": blank provider name for model '"
                        + e.getKey() + "'");
            }
        }
        providerModels = Collections.unmodifiableMap(new LinkedHashMap<>(providerModels));
    }

    /** True when the base URL is plain http (not TLS). */
    public boolean plaintext() {
        return "http".equalsIgnoreCase(baseUrl.getScheme());
    }

    /** {@code path} (starting with '/') appended to the base URL, keeping any path the base has. */
    public URI resolve(String path) {
        return URI.create(baseUrl + path);
    }
}
