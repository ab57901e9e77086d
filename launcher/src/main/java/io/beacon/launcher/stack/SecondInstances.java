package io.beacon.launcher.stack;

import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.sim.SimCredentials;
import io.beacon.workers.WorkerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A second router and a second worker per provider beside a {@link LocalPipeline}'s own, each its own JVM
 * ({@code beacon router}, {@code beacon worker}) in the same application id and consumer groups, so the work
 * is shared and either copy can be killed with SIGKILL, stopped and restarted while the other carries on.
 *
 * <p>Ports: the second router's HTTP API on the first's + 2 (8082 by default), the second workers' metrics
 * on 9404 (golem), 9405 (modal), 9406 (runpod); all free ports when the pipeline's router has one.
 */
public final class SecondInstances implements AutoCloseable {

    /** Logged by the router once every stream thread runs. */
    static final String ROUTER_READY = "router state REBALANCING -> RUNNING";
    /** Logged by a worker once it consumes. */
    static final String WORKER_READY = " started: provider=";
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private static final List<ProviderKind> KINDS = List.of(ProviderKind.GOLEM, ProviderKind.MODAL, ProviderKind.RUNPOD);

    private final ChildProcess router;
    private final Map<ProviderKind, ChildProcess> workers;
    private final Path logDir;

    private SecondInstances(ChildProcess router, Map<ProviderKind, ChildProcess> workers, Path logDir) {
        this.router = router;
        this.workers = workers;
        this.logDir = logDir;
    }

    /**
     * Starts the second router and workers against {@code pipeline}'s cluster, registry and simulators and waits
     * until all are ready; their logs go to {@code logDir}.
     */
    public static SecondInstances start(LocalPipeline pipeline, int partitions, Path logDir) throws InterruptedException {
        Map<String, String> shared = new LinkedHashMap<>(pipeline.settings());
        String routerPort = shared.getOrDefault(RouterConfig.HTTP_PORT, "8080");
        boolean freePorts = "0".equals(routerPort);
        shared.remove(RouterConfig.HTTP_PORT);
        shared.remove(RouterConfig.STATE_DIR);

        List<String> routerArgs = new ArrayList<>(List.of("router", "--partitions", Integer.toString(partitions),
                "--replication-factor", Short.toString(pipeline.replicationFactor())));
        Map<String, String> routerSettings = new LinkedHashMap<>(shared);
        routerSettings.put(RouterConfig.HTTP_PORT, freePorts ? "0" : Integer.toString(Integer.parseInt(routerPort) + 2));
        routerSettings.put(RouterConfig.STATE_DIR, logDir.resolve("router-2-state").toAbsolutePath().toString());
        addSettings(routerArgs, routerSettings);
        ChildProcess router = new ChildProcess("router-2", routerArgs, Map.of(), logDir.resolve("router-2.log"),
                ROUTER_READY);

        SimCredentials credentials = pipeline.credentials();
        Map<String, String> secrets = Map.of("MODAL_KEY", credentials.modalKey(), "MODAL_SECRET",
                credentials.modalSecret(), "RUNPOD_API_KEY", credentials.runpodApiKey());
        Map<ProviderKind, ChildProcess> workers = new EnumMap<>(ProviderKind.class);
        for (ProviderKind kind : KINDS) {
            String provider = kind.name().toLowerCase(Locale.ROOT);
            List<String> args = new ArrayList<>(List.of("worker", "--provider", provider));
            Map<String, String> workerSettings = new LinkedHashMap<>(shared);
            workerSettings.put(WorkerConfig.WORKER_ID, workerId(kind));
            workerSettings.put(WorkerConfig.DEPLOYMENTS, DemoFleet.deploymentsSetting(pipeline.endpoints(kind)));
            workerSettings.put(WorkerConfig.HTTP_PORT, freePorts ? "0"
                    : Integer.toString(WorkerConfig.defaultHttpPort(kind) + KINDS.size()));
            pipeline.workerGroup(kind).ifPresent(group -> workerSettings.put(WorkerConfig.CONSUMER_GROUP, group));
            addSettings(args, workerSettings);
            workers.put(kind, new ChildProcess(provider + "-worker-2", args, secrets,
                    logDir.resolve(provider + "-worker-2.log"), WORKER_READY));
        }
        SecondInstances instances = new SecondInstances(router, workers, logDir);
        try {
            router.launch();
            workers.values().forEach(ChildProcess::launch);
            router.awaitReady(READY_TIMEOUT);
            for (ChildProcess worker : workers.values()) {
                worker.awaitReady(READY_TIMEOUT);
            }
        } catch (RuntimeException | InterruptedException e) {
            instances.close();
            throw e;
        }
        return instances;
    }

    /** The worker id a second worker of {@code kind} signs its attempts and ledger entries with. */
    public static String workerId(ProviderKind kind) {
        return kind.name().toLowerCase(Locale.ROOT) + "-worker-2";
    }

    public static Set<String> workerIds() {
        return KINDS.stream().map(SecondInstances::workerId).collect(Collectors.toUnmodifiableSet());
    }

    public ChildProcess router() {
        return router;
    }

    public ChildProcess worker(ProviderKind kind) {
        return workers.get(kind);
    }

    public Path logDir() {
        return logDir;
    }

    /** Workers first, then the router, each gracefully (SIGTERM). */
    @Override
    public void close() {
        workers.values().forEach(ChildProcess::close);
        router.close();
    }

    private static void addSettings(List<String> args, Map<String, String> settings) {
        settings.forEach((key, value) -> {
            args.add("--set");
            args.add(key + "=" + value);
        });
    }
}
