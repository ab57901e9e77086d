package io.beacon.launcher.stack;

import io.beacon.kafka.BrokerSecurity;
import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.kafka.KafkaCluster;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.registry.RegistryHttpServer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default's infrastructure: a real single-node KRaft broker and a schema registry that
 * speaks the Confluent REST API, both in this JVM, on fixed documented ports (9092/9093 and 8081) so
 * tools outside the JVM (kafka-console-consumer, a Go runner) can reach them. With {@code --brokers 3} the
 * broker is a three-node KRaft cluster instead, each node its own JVM (9092/9093, 9094/9095, 9096/9097).
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

    public static final int DEFAULT_REGISTRY_PORT = 8081;

    private final EmbeddedKafkaBroker broker;
    private final KafkaCluster cluster;
    private final RegistryHttpServer registry;

    private EmbeddedStack(EmbeddedKafkaBroker broker, KafkaCluster cluster, RegistryHttpServer registry) {
        this.broker = broker;
        this.cluster = cluster;
        this.registry = registry;
    }

    /**
     * Starts a cluster of {@code nodes} KRaft nodes, each its own JVM, node n on {@code firstPort + 2(n-1)}
     * (controller on the next port; 0: free ports), then the registry.
     */
    public static EmbeddedStack startCluster(String host, int nodes, int firstPort, int registryPort) {
        return startCluster(host, nodes, firstPort, registryPort, null, Map.of());
    }

    /**
     * As {@link #startCluster(String, int, int, int)}; with {@code security} every node serves SASL_SSL with ACLs,
     * and the registry asks for basic auth from {@code registryUsers} (user to password) when there are any.
     */
    public static EmbeddedStack startCluster(String host, int nodes, int firstPort, int registryPort,
                                             BrokerSecurity security, Map<String, String> registryUsers) {
        long started = System.nanoTime();
        KafkaCluster.Builder builder = KafkaCluster.builder().nodes(nodes).host(host).security(security);
        KafkaCluster cluster = (firstPort == 0 ? builder.freePorts() : builder.firstPort(firstPort)).build().start();
        RegistryHttpServer registry;
        try {
            registry = new RegistryHttpServer(new InMemorySchemaRegistry(), host, registryPort).basicAuth(registryUsers)
                    .start();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.info("embedded stack up in {} ms: {}-node cluster {}, registry {}", (System.nanoTime() - started) / 1_000_000,
                nodes, cluster.bootstrapServers(), registry.url());
        return new EmbeddedStack(null, cluster, registry);
    }

    /** Starts the broker, then the registry. Ports of 0 pick free ports (tests). */
    public static EmbeddedStack start(String host, int brokerPort, int controllerPort, int registryPort) {
        return start(host, brokerPort, controllerPort, registryPort, null, Map.of());
    }

    /** As {@link #start(String, int, int, int)}, secured as {@link #startCluster(String, int, int, int, BrokerSecurity, Map)} says. */
    public static EmbeddedStack start(String host, int brokerPort, int controllerPort, int registryPort,
                                      BrokerSecurity security, Map<String, String> registryUsers) {
        long started = System.nanoTime();
        // The launcher's own shutdown hook stops workers and router before the broker, in that order.
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().host(host).brokerPort(brokerPort)
                .controllerPort(controllerPort).ownShutdownHook(false).security(security).build().start();
        RegistryHttpServer registry;
        try {
            registry = new RegistryHttpServer(new InMemorySchemaRegistry(), host, registryPort).basicAuth(registryUsers)
                    .start();
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        LOG.info("embedded stack up in {} ms: broker {}, registry {}", (System.nanoTime() - started) / 1_000_000,
                broker.bootstrapServers(), registry.url());
        return new EmbeddedStack(broker, null, registry);
    }

    public String bootstrapServers() {
        return cluster != null ? cluster.bootstrapServers() : broker.bootstrapServers();
    }

    /** The multi-node cluster, or null for the single in-process broker. */
    public KafkaCluster cluster() {
        return cluster;
    }

    /** Replicas of each created topic: one per node, up to three. */
    public short replicationFactor() {
        return (short) (cluster == null ? 1 : Math.min(3, cluster.nodeIds().size()));
    }

    public String registryUrl() {
        return registry.url();
    }

    @Override
    public void close() {
        registry.close();
        if (cluster != null) {
            cluster.close();
        } else {
            broker.close();
        }
    }
}
