package io.beacon.launcher;

import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.kafka.TopicAdmin;
import io.beacon.launcher.stack.EmbeddedStack;
import io.beacon.router.RouterApp;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs one router instance. With no {@code bootstrap.servers} it first starts the embedded default
 * (broker on 9092, registry on 8081) and creates the topics, so workers started with
 * {@code beacon worker} find it without configuration.
 */
@Command(name = "router", mixinStandardHelpOptions = true,
        description = "Run the Kafka Streams router (and its HTTP API); embedded broker and registry when none is configured.")
final class RouterCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--partitions", defaultValue = "3",
            description = "Partitions when creating topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "3",
            description = "Replication factor when creating topics on a configured cluster (default ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Override
    public Integer call() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>(ConfigLoader.merge(RouterConfig.DEFINITION, config.file(),
                System.getenv(), config.overrides(Map.of())));
        EmbeddedStack stack = null;
        short rf = replicationFactor;
        if (settings.getOrDefault(CommonConfig.BOOTSTRAP_SERVERS, "").isBlank()) {
            stack = EmbeddedStack.start("127.0.0.1", EmbeddedKafkaBroker.DEFAULT_BROKER_PORT,
                    EmbeddedKafkaBroker.DEFAULT_CONTROLLER_PORT, EmbeddedStack.DEFAULT_REGISTRY_PORT);
            settings.put(CommonConfig.BOOTSTRAP_SERVERS, stack.bootstrapServers());
            settings.putIfAbsent(CommonConfig.SCHEMA_REGISTRY_URL, stack.registryUrl());
            if (settings.get(CommonConfig.SCHEMA_REGISTRY_URL).isBlank()) {
                settings.put(CommonConfig.SCHEMA_REGISTRY_URL, stack.registryUrl());
            }
            rf = 1;
            System.out.println("Embedded default: Kafka at " + stack.bootstrapServers() + ", schema registry at "
                    + stack.registryUrl());
        }
        EmbeddedStack embedded = stack;
        AtomicReference<RouterApp> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        // One hook for everything this command started, in order: router first, then the broker it uses.
        Thread hook = new Thread(() -> {
            RouterApp router = running.getAndSet(null);
            if (router != null) {
                router.close(Duration.ofSeconds(30));
            }
            if (embedded != null) {
                embedded.close();
            }
            stopped.countDown();
        }, "router-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        RouterApp router;
        try {
            RouterConfig routerConfig = new RouterConfig(settings);
            try (SerdeProvider serdes = routerConfig.serdeProvider();
                 TopicAdmin admin = new TopicAdmin(routerConfig.bootstrapServers(),
                         ConfigLoader.kafkaPassthrough(settings))) {
                admin.createTopics(Topics.create(routerConfig.topicNames(), serdes).newTopics(partitions, rf),
                        Duration.ofSeconds(60));
            }
            router = RouterApp.start(routerConfig);
            running.set(router);
        } catch (RuntimeException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
            throw e;
        }
        System.out.println("Router running; HTTP at " + router.httpUrl() + ". Ctrl-C stops it.");
        stopped.await();
        return 0;
    }
}
