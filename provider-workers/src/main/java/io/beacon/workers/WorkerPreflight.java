package io.beacon.workers;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker checks before it takes a job, so that a production worker missing one variable stops at once,
 * naming it, instead of "succeeding" against nothing real or sending prompts in cleartext:
 * <ul>
 *   <li>credentials: a RunPod worker needs {@code RUNPOD_API_KEY}; a Modal worker needs {@code MODAL_KEY} and
 *       {@code MODAL_SECRET} (or {@code MODAL_API_TOKEN}) unless {@code modal.proxy.auth=false}. Not required with
 *       {@code endpoints.simulators=true}: local simulators ask only for what they were started with;</li>
 *   <li>transport: a Golem node at a plain {@code http://} address off this machine is refused unless
 *       {@code golem.allow.plaintext=true}, which logs a warning naming each such node;</li>
 *   <li>node credentials: every {@code token_env=}/{@code token_file=}/{@code basic_*=} reference can be read.</li>
 * </ul>
 * The same deployment checks apply to deployments added through the {@code deployments} topic
 * ({@link #deploymentProblem}). A missing deployment list is reported by {@link WorkerConfig#deployments}.
 */
public final class WorkerPreflight {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerPreflight.class);

    private WorkerPreflight() {
    }

    /**
     * @throws ConfigException listing every problem, each naming the variable, setting or entry to fix
     */
    public static void check(WorkerConfig config, List<DeploymentEndpoint> deployments, ProviderSecrets secrets) {
        List<String> problems = new ArrayList<>();
        credentialProblem(config, secrets).ifPresent(problems::add);
        for (DeploymentEndpoint d : deployments) {
            deploymentProblem(d, config.golemAllowPlaintext(), secrets).ifPresent(problems::add);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(String.join("; ", problems));
        }
    }

    /** The provider credential this worker lacks, if any. */
    static Optional<String> credentialProblem(WorkerConfig config, ProviderSecrets secrets) {
        if (config.simulators()) {
            return Optional.empty();
        }
        String simulators = "; for local simulators set " + WorkerConfig.ENDPOINTS_SIMULATORS + "=true (beacon worker"
                + " --simulators)";
        ProviderKind kind = config.provider();
        if (kind == ProviderKind.RUNPOD && secrets.runpodApiKey().isEmpty()) {
            return Optional.of(ProviderSecrets.RUNPOD_API_KEY + " is not set (nor " + ProviderSecrets.RUNPOD_API_KEY
                    + "_FILE): RunPod's API refuses every call without it" + simulators);
        }
        if (kind == ProviderKind.MODAL && config.modalProxyAuth() && !secrets.hasModalProxyAuth()) {
            return Optional.of(ProviderSecrets.MODAL_KEY + " and " + ProviderSecrets.MODAL_SECRET + " are not set (nor "
                    + ProviderSecrets.MODAL_API_TOKEN + "=key:secret, nor their _FILE forms): Modal's proxy auth"
                    + " refuses every call without them; for endpoints deployed without proxy auth set "
                    + WorkerConfig.MODAL_PROXY_AUTH + "=false (" + ConfigLoader.envName(WorkerConfig.MODAL_PROXY_AUTH)
                    + ")" + simulators);
        }
        return Optional.empty();
    }

    /**
     * What is wrong with one deployment, if anything: plain http to another machine (unless allowed, then a
     * warning), or a node credential reference that cannot be read here. Reads the credential, so a later call
     * finds it ready.
     */
    public static Optional<String> deploymentProblem(DeploymentEndpoint d, boolean allowPlaintext,
                                                     ProviderSecrets secrets) {
        if (d.provider() == ProviderKind.GOLEM && d.plaintext() && !DeploymentEndpoints.isLoopback(d.baseUrl())) {
            if (!allowPlaintext) {
                return Optional.of("Golem deployment " + d.id() + " (" + d.baseUrl() + ") is plain http to another"
                        + " machine: prompts and answers would cross the network in cleartext. Use https (with "
                        + WorkerConfig.GOLEM_TRUSTSTORE + " for the node's certificate), a port forwarded to this"
                        + " machine, or allow it with " + WorkerConfig.GOLEM_ALLOW_PLAINTEXT + "=true ("
                        + ConfigLoader.envName(WorkerConfig.GOLEM_ALLOW_PLAINTEXT) + ")");
            }
            LOG.warn("Golem deployment {} ({}) is plain http to another machine: prompts and answers cross the network"
                    + " in cleartext ({}=true)", d.id(), d.baseUrl(), WorkerConfig.GOLEM_ALLOW_PLAINTEXT);
        }
        if (d.credential() != null) {
            try {
                secrets.refreshNode(d.credential());
            } catch (IllegalArgumentException e) {
                return Optional.of("deployment " + d.id() + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }
}
