package io.beacon.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * One node of a {@link KafkaCluster}, as its own JVM: {@code java -cp ... io.beacon.kafka.KafkaNodeMain FILE}.
 * FILE is a properties file written by {@link KafkaCluster}: {@code node.id}, {@code cluster.id},
 * {@code quorum.voters}, {@code host}, {@code broker.port}, {@code controller.port}, {@code data.dir}, and
 * broker settings as {@code kafka.<name>}, and for a secure node its {@link BrokerSecurity} ({@code security.*}). The node prints {@value #READY_LINE} followed by its bootstrap
 * address once a client has talked to it, and runs until the JVM ends: SIGTERM shuts it down cleanly
 * (controlled shutdown, through the broker's shutdown hook), SIGKILL does what a crash does.
 */
public final class KafkaNodeMain {

    /** Printed on standard output when the node serves clients. */
    public static final String READY_LINE = "KAFKA NODE READY";
    static final String BROKER_SETTING_PREFIX = "kafka.";

    private KafkaNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: KafkaNodeMain <node.properties>");
            System.exit(2);
        }
        Properties settings = read(Path.of(args[0]));
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder()
                .clusterMember(Integer.parseInt(required(settings, "node.id")), required(settings, "cluster.id"),
                        required(settings, "quorum.voters"))
                .host(required(settings, "host"))
                .brokerPort(Integer.parseInt(required(settings, "broker.port")))
                .controllerPort(Integer.parseInt(required(settings, "controller.port")))
                .dataDir(Path.of(required(settings, "data.dir")))
                // A lone node of three waits for a quorum that may take a while to form on a busy machine.
                .startupTimeout(java.time.Duration.ofMinutes(3))
                .security(BrokerSecurity.fromNodeSettings(settings));
        for (String name : settings.stringPropertyNames()) {
            if (name.startsWith(BROKER_SETTING_PREFIX)) {
                builder.brokerProperty(name.substring(BROKER_SETTING_PREFIX.length()), settings.getProperty(name));
            }
        }
        EmbeddedKafkaBroker broker;
        try {
            broker = builder.build().start();
        } catch (RuntimeException e) {
            System.err.println("kafka node failed to start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        System.out.println(READY_LINE + " " + settings.getProperty("node.id") + " " + broker.bootstrapServers());
        System.out.flush();
        // The broker's own shutdown hook stops it when the JVM is told to end; until then, wait.
        new CountDownLatch(1).await();
    }

    private static Properties read(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return properties;
    }

    private static String required(Properties settings, String name) {
        String value = settings.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("node settings lack " + name);
        }
        return value.strip();
    }
}
