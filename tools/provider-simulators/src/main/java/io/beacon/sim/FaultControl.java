package io.beacon.sim;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaks one running simulator on purpose, so the router's failover, hedging and circuit breaking can be
 * watched and tested. Faults combine (a deployment can be slow and flaky at once); {@link #recover()} clears
 * them all. Every method is thread-safe and takes effect for requests that arrive (or start) afterwards.
 *
 * <p>The same switches are reachable over HTTP on every simulator: {@code POST /__sim/faults}.
 */
public final class FaultControl {

    private static final Logger LOG = LoggerFactory.getLogger(FaultControl.class);

    /** Modal redirects requests still running after this long (its documented 150 s limit). */
    static final Duration DEFAULT_REDIRECT_AFTER = Duration.ofSeconds(150);

    private final String deploymentId;
    private final AtomicReference<Faults> faults = new AtomicReference<>(Faults.NONE);
    private final AtomicBoolean coldRequested = new AtomicBoolean();
    private final List<Runnable> recoverListeners = new CopyOnWriteArrayList<>();
    /** Models the deployment no longer has (model-missing); {@link #ALL_MODELS} alone stands for all of them. */
    private final AtomicReference<Set<String>> missingModels = new AtomicReference<>(Set.of());
    private volatile Duration redirectAfter = DEFAULT_REDIRECT_AFTER;

    FaultControl(String deploymentId) {
        this.deploymentId = Objects.requireNonNull(deploymentId, "deploymentId");
    }

    /**
     * Every inference request fails at once with {@code httpStatus} in the provider's error shape (for RunPod,
     * {@code /run} and {@code /runsync} answer that status); when {@code httpStatus >= 500} the health probes fail
     * too. 401 and 403 are the credentials refused: as on the real services every request is refused, health
     * probes and model lists included (Modal's proxy answers {@code modal-http: invalid credentials for proxy
     * authorization}, RunPod {@code {"error":"Unauthorized"}}), and nothing is billed. 404 is the model not
     * there: Ollama and vLLM answer it in their own words ({@code model "x" not found, try pulling it first},
     * {@code The model `x` does not exist.}) and list no models, as with {@link #modelMissing}.
     */
    public FaultControl failAll(int httpStatus) {
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("failAll needs an HTTP error status 400..599: " + httpStatus);
        }
        update(f -> new Faults(httpStatus, f.failRate(), f.slowFactor(), f.midStream(), f.unresponsive()));
        return this;
    }

    /**
     * A random {@code fraction} of the requests that start executing fail halfway through: 500 in the provider's
     * error shape for Ollama and Modal, status {@code FAILED} with an {@code error} text for RunPod jobs.
     */
    public FaultControl failRate(double fraction) {
        if (!(fraction >= 0.0 && fraction <= 1.0)) {
            throw new IllegalArgumentException("failRate needs a fraction in 0..1: " + fraction);
        }
        update(f -> new Faults(f.failStatus(), fraction, f.slowFactor(), f.midStream(), f.unresponsive()));
        return this;
    }

    /** Multiplies the latency of requests that start from now on by {@code factor} (cold starts are unchanged). */
    public FaultControl slowDown(double factor) {
        if (!(factor > 0.0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("slowDown needs a finite factor > 0: " + factor);
        }
        update(f -> new Faults(f.failStatus(), f.failRate(), factor, f.midStream(), f.unresponsive()));
        return this;
    }

    /**
     * The next request to start pays the deployment's cold start, as if it had scaled to zero. No effect on
     * deployments without a cold start (Golem nodes are always warm).
     */
    public FaultControl goCold() {
        coldRequested.set(true);
        LOG.info("Fault on {}: next request pays the cold start", deploymentId);
        return this;
    }

    /**
     * Golem only: streaming responses send some chunks, then an {@code {"error":"..."}} line, all under HTTP 200
     * (non-streaming requests answer 500). No effect on Modal and RunPod.
     */
    public FaultControl failMidStream() {
        update(f -> new Faults(f.failStatus(), f.failRate(), f.slowFactor(), true, f.unresponsive()));
        return this;
    }

    /**
     * Every request (health probes too, but not {@code /__sim/*}) is accepted and then left unanswered until
     * {@link #recover()}, when the held requests are served normally.
     */
    public FaultControl unresponsive() {
        update(f -> new Faults(f.failStatus(), f.failRate(), f.slowFactor(), f.midStream(), true));
        return this;
    }

    /** Marks "every model the deployment serves" in {@link #modelMissing}. */
    static final String ALL_MODELS = "*";

    /**
     * The deployment no longer has {@code models} (none given: any of its models), as a node whose model was
     * removed or an endpoint started with another one: an inference request for it gets the provider's own
     * "model not found" answer (Ollama: 404 {@code model "x" not found, try pulling it first}; vLLM behind Modal:
     * 404 {@code The model `x` does not exist.}; RunPod: the job FAILS saying the endpoint does not serve it), and
     * the model lists ({@code /api/tags}, {@code /api/ps}, {@code /v1/models}) leave it out. Everything else
     * (health, other models) keeps working.
     */
    public FaultControl modelMissing(String... models) {
        Set<String> missing = models.length == 0 ? Set.of(ALL_MODELS) : Set.of(models);
        missingModels.set(missing);
        LOG.info("Fault on {}: models missing {}", deploymentId, missing);
        return this;
    }

    /** Whether the deployment answers for {@code model} as if it did not have it ({@link #modelMissing}). */
    public boolean isMissing(String model) {
        Set<String> missing = missingModels.get();
        // A fail-all 404 is a deployment without any model: Ollama and vLLM say so in their own words, and their
        // model lists are empty.
        return missing.contains(ALL_MODELS) || missing.contains(model) || faults.get().failStatus() == 404;
    }

    /** The models marked missing, {@code ["*"]} for all; empty when none. */
    Set<String> missingModels() {
        return missingModels.get();
    }

    /** Clears every fault (a pending {@link #goCold()} too) and releases requests held by {@link #unresponsive()}. */
    public FaultControl recover() {
        faults.set(Faults.NONE);
        missingModels.set(Set.of());
        coldRequested.set(false);
        LOG.info("Faults on {} cleared", deploymentId);
        recoverListeners.forEach(Runnable::run);
        return this;
    }

    /**
     * Modal only: a non-streaming request still unanswered after {@code threshold} gets {@code 303 See Other} to
     * a result URL (default 150 s, as on Modal). A setting rather than a fault: {@link #recover()} keeps it.
     */
    public FaultControl redirectAfter(Duration threshold) {
        Objects.requireNonNull(threshold, "threshold");
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("redirectAfter needs a positive duration: " + threshold);
        }
        redirectAfter = threshold;
        LOG.info("Modal redirect threshold on {} set to {}", deploymentId, threshold);
        return this;
    }

    /** The current Modal redirect threshold. */
    public Duration redirectAfter() {
        return redirectAfter;
    }

    /** Whether no fault is active and no cold start is pending. */
    public boolean isHealthy() {
        return faults.get().equals(Faults.NONE) && !coldRequested.get() && missingModels.get().isEmpty();
    }

    @Override
    public String toString() {
        Faults f = faults.get();
        return "FaultControl[" + deploymentId + ": failAll=" + (f.failStatus() == 0 ? "off" : f.failStatus())
                + ", failRate=" + f.failRate() + ", slowDown=" + f.slowFactor() + ", midStream=" + f.midStream()
                + ", unresponsive=" + f.unresponsive() + ", missingModels=" + missingModels.get()
                + ", coldRequested=" + coldRequested.get()
                + ", redirectAfter=" + redirectAfter + "]";
    }

    Faults current() {
        return faults.get();
    }

    boolean coldRequested() {
        return coldRequested.get();
    }

    /** Takes the pending {@link #goCold()} request, if any; only the request that pays the cold start calls it. */
    boolean consumeColdRequest() {
        return coldRequested.compareAndSet(true, false);
    }

    void onRecover(Runnable listener) {
        recoverListeners.add(listener);
    }

    private void update(java.util.function.UnaryOperator<Faults> change) {
        Faults now = faults.updateAndGet(change);
        LOG.info("Faults on {} now {}", deploymentId, now);
    }

    /**
     * The active faults at one instant.
     *
     * @param failStatus   HTTP status every inference request fails with, 0 when off
     * @param failRate     fraction of executions that fail
     * @param slowFactor   latency multiplier, 1 when off
     * @param midStream    Golem streams break with an error line
     * @param unresponsive requests are held unanswered
     */
    record Faults(int failStatus, double failRate, double slowFactor, boolean midStream, boolean unresponsive) {
        static final Faults NONE = new Faults(0, 0.0, 1.0, false, false);

        boolean failingAll() {
            return failStatus != 0;
        }

        /** Health probes fail only for server-side errors: a 429 storm does not make a node unhealthy. */
        boolean healthFailing() {
            return failStatus >= 500;
        }

        /** Credentials refused: every request, health and model lists included, gets this status. */
        boolean authFailing() {
            return failStatus == 401 || failStatus == 403;
        }
    }
}
