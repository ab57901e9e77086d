package io.beacon.launcher.stack;

import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.registry.RegistryHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default's infrastructure: a real single-node KRaft broker and a schema registry that
 * speaks the Confluent REST API, both in this JVM, on fixed documented ports (9092/9093 and 8081) so
 * tools outside the JVM (kafka-console-consumer, a Go runner) can reach them.
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

    public static final int DEFAULT_REGISTRY_PORT = 8081;

    private final EmbeddedKafkaBroker broker;
    private final RegistryHttpServer registry;

    private EmbeddedStack(EmbeddedKafkaBroker broker, RegistryHttpServer registry) {
        this.broker = broker;
        this.registry = registry;
    }

    /** Starts the broker, then the registry. Ports of 0 pick free ports (tests). */
    public static EmbeddedStack start(String host, int brokerPort, int controllerPort, int registryPort) {
        long started = System.nanoTime();
        // The launcher's own shutdown hook stops workers and router before the broker, in that order.
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().host(host).brokerPort(brokerPort)
                .controllerPort(controllerPort).ownShutdownHook(false).build().start();
        RegistryHttpServer registry;
        try {
            registry = new RegistryHttpServer(new InMemorySchemaRegistry(), host, registryPort).start();
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        LOG.info("embedded stack up in {} ms: broker {}, registry {}", (System.nanoTime() - started) / 1_000_000,
                broker.bootstrapServers(), registry.url());
        return new EmbeddedStack(broker, registry);
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    @Override
    public void close() {
        registry.close();
        broker.close();
    }
}
