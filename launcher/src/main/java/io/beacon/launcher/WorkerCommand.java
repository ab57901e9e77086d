package io.beacon.launcher;

import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.launcher.stack.DemoFleet;
import io.beacon.launcher.stack.EmbeddedStack;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.DeploymentEndpoints;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.ProviderWorker;
import io.beacon.workers.WorkerApp;
import io.beacon.workers.WorkerConfig;
import io.beacon.workers.WorkerPreflight;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs one worker for one provider kind. Deployments come from the environment
 * ({@code GOLEM_PROVIDER_ENDPOINTS}, {@code MODAL_ENDPOINTS}, {@code RUNPOD_ENDPOINTS}) or the
 * {@code deployments} setting, and from the {@code deployments} topic while it runs. Without a deployment list or
 * the provider's credentials it stops at once with exit code 2, naming the variable; {@code --simulators} points
 * it at the embedded default's simulators ({@code beacon sim}) instead and makes credentials optional.
 * With no {@code bootstrap.servers}, the embedded default's broker and registry.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a provider worker: consume that provider's jobs, call its deployments, report attempts and health.")
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--provider", required = true, description = "golem, modal or runpod.")
    String provider;

    @Option(names = "--simulators", description = "Call the local provider simulators of 'beacon sim' (127.0.0.1:"
            + DemoFleet.FIRST_PORT + " and up) when no deployment list is configured; credentials become optional."
            + " Same as --set " + WorkerConfig.ENDPOINTS_SIMULATORS + "=true.")
    boolean simulators;

    @Override
    public Integer call() throws Exception {
        ProviderKind kind = parseKind(provider);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(WorkerConfig.PROVIDER, kind.name().toLowerCase(Locale.ROOT));
        if (simulators) {
            extra.put(WorkerConfig.ENDPOINTS_SIMULATORS, "true");
        }
        Map<String, String> env = System.getenv();
        Map<String, String> settings = new LinkedHashMap<>(ConfigLoader.merge(WorkerConfig.configDef(), config.file(),
                env, config.overrides(extra)));
        if (settings.getOrDefault(CommonConfig.BOOTSTRAP_SERVERS, "").isBlank()) {
            settings.put(CommonConfig.BOOTSTRAP_SERVERS, "127.0.0.1:" + EmbeddedKafkaBroker.DEFAULT_BROKER_PORT);
            if (settings.getOrDefault(CommonConfig.SCHEMA_REGISTRY_URL, "").isBlank()) {
                settings.put(CommonConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + EmbeddedStack.DEFAULT_REGISTRY_PORT);
            }
        }
        WorkerConfig workerConfig = new WorkerConfig(settings);
        // Everything that can be wrong with the configuration is found before anything connects.
        List<DeploymentEndpoint> deployments;
        boolean configured = !workerConfig.getString(WorkerConfig.DEPLOYMENTS).isBlank()
                || !env.getOrDefault(DeploymentEndpoints.environmentVariable(kind), "").isBlank();
        if (!configured && workerConfig.simulators()) {
            deployments = DemoFleet.defaultEndpoints(kind);
            System.out.println("No deployments configured (" + DeploymentEndpoints.environmentVariable(kind)
                    + "): --simulators, so calling beacon sim's simulators on 127.0.0.1:" + DemoFleet.FIRST_PORT
                    + " and up.");
        } else {
            deployments = workerConfig.deployments(env);
        }
        ProviderSecrets secrets = ProviderSecrets.fromEnvironment(env);
        WorkerPreflight.check(workerConfig, deployments, secrets);
        ProviderWorker worker = WorkerApp.start(workerConfig, deployments, secrets);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close(Duration.ofSeconds(30));
            stopped.countDown();
        }, "worker-shutdown"));
        System.out.printf("%s worker running against %d deployment(s). Ctrl-C stops it.%n",
                kind.name().toLowerCase(Locale.ROOT), deployments.size());
        stopped.await();
        return 0;
    }

    static ProviderKind parseKind(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "golem" -> ProviderKind.GOLEM;
            case "modal" -> ProviderKind.MODAL;
            case "runpod" -> ProviderKind.RUNPOD;
            default -> throw new IllegalArgumentException("--provider must be golem, modal or runpod, not '" + text + "'");
        };
    }
}
