package io.beacon.launcher.security;

import io.beacon.kafka.BrokerSecurity;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.config.ConfigLoader;
import io.beacon.schemas.registry.SchemaRegistryClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secure demo's credentials: one SCRAM user per {@link Role} with a random password (the same password opens
 * the schema registry), the CA and node certificate of {@link BrokerSecurity}, and per role a client properties
 * file in a directory of its own (owner-only permissions), deleted when the demo ends:
 *
 * <ul>
 *   <li>{@code <user>.properties}: Kafka client settings ({@code bootstrap.servers}, SASL_SSL, SCRAM-SHA-512, the
 *       CA as a PEM truststore) plus the registry's {@code schema.registry.url} and {@code basic.auth.user.info},
 *       as Confluent's serdes name them: for {@code kafka-console-consumer --consumer.config}, a Java client;</li>
 *   <li>{@code <user>-beacon.properties}: the same as Beacon settings ({@code kafka.*}), for
 *       {@code beacon submit --config ...};</li>
 *   <li>{@value BrokerSecurity#CA_FILE}: the CA certificate, for clients in other languages.</li>
 * </ul>
 */
public final class DemoCredentials implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoCredentials.class);

    private final Path dir;
    private final Map<Role, String> passwords;
    private final BrokerSecurity brokerSecurity;

    private DemoCredentials(Path dir, Map<Role, String> passwords, BrokerSecurity brokerSecurity) {
        this.dir = dir;
        this.passwords = passwords;
        this.brokerSecurity = brokerSecurity;
    }

    /** Makes a directory, the passwords, the CA and the node certificate for a broker reached at {@code host}. */
    public static DemoCredentials create(String host) {
        Path dir;
        try {
            dir = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                    ? Files.createTempDirectory("beacon-secure-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                    : Files.createTempDirectory("beacon-secure-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the credentials directory", e);
        }
        Map<Role, String> passwords = new EnumMap<>(Role.class);
        Map<String, String> users = new LinkedHashMap<>();
        for (Role role : Role.values()) {
            String password = BrokerSecurity.randomPassword();
            passwords.put(role, password);
            users.put(role.defaultUser(), password);
        }
        BrokerSecurity security = BrokerSecurity.generate(dir, host, users, List.of(Role.ADMIN.defaultUser()),
                Role.ADMIN.defaultUser());
        return new DemoCredentials(dir, Map.copyOf(passwords), security);
    }

    public Path dir() {
        return dir;
    }

    public BrokerSecurity brokerSecurity() {
        return brokerSecurity;
    }

    /** The schema registry's users: each role's user name and password. */
    public Map<String, String> registryUsers() {
        Map<String, String> users = new LinkedHashMap<>();
        passwords.forEach((role, password) -> users.put(role.defaultUser(), password));
        return users;
    }

    /** Kafka client settings that log in as {@code role}. */
    public Map<String, String> kafkaClientProperties(Role role) {
        return BrokerSecurity.clientProperties(role.defaultUser(), passwords.get(role), dir.resolve(BrokerSecurity.CA_FILE));
    }

    /**
     * Beacon settings that make a process log in as {@code role}: {@code kafka.*} and the registry's basic auth;
     * the router's also {@code lag.kafka.*} with the ops login, for its lag monitor.
     */
    public Map<String, String> beaconSettings(Role role) {
        Map<String, String> settings = new LinkedHashMap<>();
        kafkaClientProperties(role).forEach((k, v) -> settings.put(ConfigLoader.KAFKA_PASSTHROUGH_PREFIX + k, v));
        settings.put(SchemaRegistryClients.BASIC_AUTH_USER_INFO, role.defaultUser() + ":" + passwords.get(role));
        if (role == Role.ROUTER) {
            // The router process hosts the lag monitor and dashboard: they log in as ops, read-only.
            kafkaClientProperties(Role.OPS).forEach((k, v) -> settings.put(RouterConfig.LAG_KAFKA_PREFIX + k, v));
        }
        return settings;
    }

    /** Writes every role's two properties files; returns the runner's Kafka client file. */
    public Path writeFiles(String bootstrapServers, String registryUrl) {
        for (Role role : Role.values()) {
            Map<String, String> client = new LinkedHashMap<>();
            client.put("bootstrap.servers", bootstrapServers);
            client.putAll(kafkaClientProperties(role));
            client.put(SchemaRegistryClients.URL, registryUrl);
            client.put("basic.auth.credentials.source", "USER_INFO");
            client.put(SchemaRegistryClients.BASIC_AUTH_USER_INFO, role.defaultUser() + ":" + passwords.get(role));
            write(dir.resolve(role.defaultUser() + ".properties"), client, "Kafka client settings of principal User:"
                    + role.defaultUser() + " (" + role + "), SCRAM-SHA-512 over TLS, and its schema registry login");
            Map<String, String> beacon = new LinkedHashMap<>();
            beacon.put("bootstrap.servers", bootstrapServers);
            beacon.put(SchemaRegistryClients.URL, registryUrl);
            beacon.putAll(beaconSettings(role));
            write(dir.resolve(role.defaultUser() + "-beacon.properties"), beacon, "Beacon settings of principal User:"
                    + role.defaultUser() + ": beacon <command> --config THIS_FILE");
        }
        return dir.resolve(Role.RUNNER.defaultUser() + ".properties");
    }

    /** Deletes the directory: the passwords and the CA die with the demo's broker. */
    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete the credentials directory {}: {}", dir, e.toString());
        }
    }

    private static void write(Path file, Map<String, String> settings, String comment) {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("# " + comment + System.lineSeparator());
            for (Map.Entry<String, String> entry : settings.entrySet()) {
                // Properties escaping for the few characters our values can hold (paths on Windows, '=' in JAAS).
                out.write(entry.getKey() + "=" + entry.getValue().replace("\\", "\\\\") + System.lineSeparator());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            LOG.warn("could not restrict the permissions of {}: {}", file, e.toString());
        }
    }
}
