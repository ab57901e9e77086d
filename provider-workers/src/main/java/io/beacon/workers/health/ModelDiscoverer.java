package io.beacon.workers.health;

import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.DeploymentModels;
import io.beacon.workers.core.ModelCatalogue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link ModelCatalogue} with what the providers list. A probe that lists models (Ollama's
 * {@code /api/tags}) is learned from as it comes; a deployment whose listing reaches billed capacity (Modal's
 * {@code /v1/models}, {@link ProbePolicy#RECOVERY_TRIALS_ONLY}) is asked only as {@link ModelDiscovery}
 * allows: right after a call a container answered, or once at start. Thread-safe; never blocks.
 */
public final class ModelDiscoverer {

    private static final Logger LOG = LoggerFactory.getLogger(ModelDiscoverer.class);

    /** Least time between two listings of one deployment that a 404 or a missing list asks for. */
    static final Duration MIN_RELIST = Duration.ofSeconds(30);

    private final ModelCatalogue catalogue;
    private final ProviderClient client;
    private final Clock clock;
    private final ModelDiscovery settings;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    /** One deployment's listing calls. */
    private static final class State {
        boolean inFlight;
        Instant lastAsked;
        boolean askedAtStart;
    }

    public ModelDiscoverer(ModelCatalogue catalogue, ProviderClient client, Clock clock, ModelDiscovery settings) {
        this.catalogue = catalogue;
        this.client = client;
        this.clock = clock;
        this.settings = settings;
    }

    public ModelCatalogue catalogue() {
        return catalogue;
    }

    /** Learns from a probe's model list (empty when the probe does not list models). */
    public void probed(DeploymentEndpoint d, ProbeOutcome probe) {
        if (probe.healthy() && (probe.modelsListed() || !probe.models().isEmpty())) {
            learn(d, probe.models(), probe.observedAt(), probe.modelsListed());
        }
    }

    /** Once at start, under {@link ModelDiscovery.Mode#STARTUP}: lists {@code d} whether a container is warm or not. */
    public void atStart(DeploymentEndpoint d) {
        if (settings.mode() != ModelDiscovery.Mode.STARTUP || !listsByCall(d)) {
            return;
        }
        State state = states.computeIfAbsent(d.id(), id -> new State());
        synchronized (state) {
            if (state.askedAtStart) {
                return;
            }
            state.askedAtStart = true;
        }
        list(d, "at start");
    }

    /**
     * After a call to {@code d} ended: when a container answered it (the container is warm, a listing costs a
     * few milliseconds of it) and the list is unknown, stale, or the answer was a 404, lists {@code d}'s models.
     */
    public void afterCall(DeploymentEndpoint d, CallOutcome outcome) {
        if (settings.mode() == ModelDiscovery.Mode.OFF || !listsByCall(d) || !containerAnswered(outcome)) {
            return;
        }
        Instant now = clock.instant();
        DeploymentModels models = catalogue.of(d);
        State state = states.computeIfAbsent(d.id(), id -> new State());
        boolean notFound = outcome.httpStatus() == 404;
        Instant learnedAt = models.listing().map(DeploymentModels.Listing::at).orElse(null);
        synchronized (state) {
            boolean recentlyAsked = state.lastAsked != null && state.lastAsked.plus(MIN_RELIST).isAfter(now);
            boolean stale = learnedAt == null || !learnedAt.plus(settings.refresh()).isAfter(now);
            if (state.inFlight || recentlyAsked || !(stale || notFound)) {
                return;
            }
        }
        list(d, notFound ? "after a 404" : learnedAt == null ? "after a call (first list)" : "after a call (refresh)");
    }

    /** Deployments whose model list costs a request to billed capacity: listed only as the settings allow. */
    private boolean listsByCall(DeploymentEndpoint d) {
        return client.listsModels() && ProbePolicy.of(d.provider()) == ProbePolicy.RECOVERY_TRIALS_ONLY;
    }

    /** A success or vLLM's own refusal (400, 404): a container served it. Proxy answers (401, 429, 503) did not. */
    private static boolean containerAnswered(CallOutcome outcome) {
        return outcome.succeeded() || outcome.httpStatus() == 404 || outcome.httpStatus() == 400;
    }

    private void list(DeploymentEndpoint d, String why) {
        State state = states.computeIfAbsent(d.id(), id -> new State());
        synchronized (state) {
            if (state.inFlight) {
                return;
            }
            state.inFlight = true;
            state.lastAsked = clock.instant();
        }
        try {
            client.listModels(d).whenComplete((outcome, thrown) -> {
                synchronized (state) {
                    state.inFlight = false;
                }
                if (outcome != null && outcome.healthy()) {
                    learn(d, outcome.models(), outcome.observedAt(), outcome.modelsListed());
                } else {
                    LOG.info("deployment={} model list ({}) failed: {}", d.id(), why,
                            outcome != null ? outcome.error() : thrown.getClass().getSimpleName());
                }
            });
        } catch (RuntimeException e) {
            synchronized (state) {
                state.inFlight = false;
            }
            LOG.info("deployment={} model list ({}) could not start: {}", d.id(), why, e.getClass().getSimpleName());
        }
    }

    private void learn(DeploymentEndpoint d, List<String> providerNames, Instant at, boolean whole) {
        DeploymentModels models = catalogue.of(d);
        List<String> before = models.listing().map(DeploymentModels.Listing::providerNames).orElse(null);
        models.learn(providerNames, at, whole);
        if ((whole || !providerNames.isEmpty()) && !providerNames.equals(before)) {
            LOG.info("deployment={} lists models {}; serves {} (provider names {})", d.id(), providerNames,
                    models.served(), models.providerNames());
        }
    }
}
