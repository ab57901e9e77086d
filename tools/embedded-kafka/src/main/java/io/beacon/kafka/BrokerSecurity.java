package io.beacon.kafka;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How an embedded Kafka node is secured: clients connect over SASL_SSL (SCRAM-SHA-512 inside TLS), the
 * controller listener speaks mutual TLS between the nodes, and every request is checked by KRaft's
 * {@code StandardAuthorizer} against ACLs, with nothing allowed where no ACL says so.
 *
 * <p>{@link #generate} makes a fresh CA, one node certificate (valid for the listener host), a random password
 * for every SCRAM user and for the node's own inter-broker user, and the broker settings that use them. The
 * SCRAM credentials are written into the cluster metadata when the node's log directory is formatted (KRaft
 * has no ZooKeeper to hold them, and a SCRAM listener cannot look them up before the metadata exists), so the
 * users can log in from the first request.
 *
 * <p>The value is plain settings, so a node in another JVM ({@link KafkaNodeMain}) gets it through its settings
 * file: {@link #toNodeSettings()} and {@link #fromNodeSettings(Properties)}.
 */
public final class BrokerSecurity {

    /** Name (and protocol) of the client listener of a secure node. */
    public static final String CLIENT_LISTENER = "SASL_SSL";
    /** Protocol of a secure node's controller listener: mutual TLS, the node certificate being the principal. */
    public static final String CONTROLLER_PROTOCOL = "SSL";
    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    /** The SCRAM user the nodes use between themselves; always a super user. */
    public static final String INTER_BROKER_USER = "kafka-broker";
    /** The common name of the node certificate, and so the principal of the controller listener's peers. */
    public static final String NODE_COMMON_NAME = "beacon-kafka-node";
    /** The file name of the CA certificate in the directory given to {@link #generate}. */
    public static final String CA_FILE = "ca.pem";

    static final String NODE_BROKER_PREFIX = "security.broker.";
    static final String NODE_ADMIN_PREFIX = "security.admin.";
    static final String NODE_SCRAM_PREFIX = "security.scram.";

    private final Map<String, String> brokerProperties;
    private final List<String> scramArguments;
    private final Map<String, String> adminClientProperties;

    BrokerSecurity(Map<String, String> brokerProperties, List<String> scramArguments,
                   Map<String, String> adminClientProperties) {
        this.brokerProperties = Map.copyOf(brokerProperties);
        this.scramArguments = List.copyOf(scramArguments);
        this.adminClientProperties = Map.copyOf(adminClientProperties);
    }

    /**
     * Makes the CA, the node certificate and the settings in {@code dir} (the CA certificate as {@value #CA_FILE},
     * the node's keystore beside it).
     *
     * @param host       the address clients and nodes connect to (a SAN of the node certificate)
     * @param users      SCRAM user name to password: every principal that will log in
     * @param superUsers names among {@code users} that bypass ACLs (an operator's admin); the nodes' own users are
     *                   added
     * @param adminUser  the user the node's own readiness and topic clients log in as: one of {@code superUsers}
     */
    public static BrokerSecurity generate(Path dir, String host, Map<String, String> users, Collection<String> superUsers,
                                          String adminUser) {
        Objects.requireNonNull(dir, "dir");
        if (!superUsers.contains(adminUser) || !users.containsKey(adminUser)) {
            throw new IllegalArgumentException("the admin user " + adminUser + " must be a SCRAM user and a super user");
        }
        CertificateAuthority ca = CertificateAuthority.create("Beacon demo CA " + HexFormat.of().formatHex(randomBytes(4)));
        Path caFile = dir.resolve(CA_FILE);
        ca.writePem(caFile);
        String storePassword = randomPassword();
        Path keystore = dir.resolve("kafka-node.p12");
        Set<String> hosts = new LinkedHashSet<>(List.of(EmbeddedKafkaBroker.connectHost(host), "localhost", "127.0.0.1"));
        ca.issue(NODE_COMMON_NAME, List.copyOf(hosts)).writeKeystore(keystore, "kafka-node", storePassword.toCharArray());
        Path truststore = dir.resolve("kafka-node-truststore.p12");
        ca.writeTruststore(truststore, storePassword.toCharArray());

        String brokerPassword = randomPassword();
        Map<String, String> scramUsers = new LinkedHashMap<>(users);
        scramUsers.put(INTER_BROKER_USER, brokerPassword);
        List<String> scram = new ArrayList<>();
        scramUsers.forEach((user, password) -> scram.add(MECHANISM + "=[name=" + requireSimple(user, "user name")
                + ",password=" + requireSimple(password, "password of " + user) + "]"));

        Set<String> supers = new LinkedHashSet<>();
        superUsers.forEach(user -> supers.add("User:" + user));
        supers.add("User:" + INTER_BROKER_USER);
        supers.add("User:CN=" + NODE_COMMON_NAME);

        Map<String, String> props = new LinkedHashMap<>();
        props.put("sasl.enabled.mechanisms", MECHANISM);
        props.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        props.put("listener.name." + CLIENT_LISTENER.toLowerCase() + "." + MECHANISM.toLowerCase() + ".sasl.jaas.config",
                jaasConfig(INTER_BROKER_USER, brokerPassword));
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", keystore.toAbsolutePath().toString());
        props.put("ssl.keystore.password", storePassword);
        props.put("ssl.key.password", storePassword);
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", truststore.toAbsolutePath().toString());
        props.put("ssl.truststore.password", storePassword);
        // The controller listener takes only the nodes themselves: their certificate is the credential.
        props.put("listener.name.controller.ssl.client.auth", "required");
        props.put("authorizer.class.name", AUTHORIZER);
        props.put("super.users", String.join(";", supers));
        props.put("allow.everyone.if.no.acl.found", "false");
        return new BrokerSecurity(props, scram, clientProperties(adminUser, users.get(adminUser), caFile));
    }

    /**
     * What a Kafka client of a secure node needs to log in as {@code user}: SASL_SSL, SCRAM-SHA-512 and the CA
     * certificate (a PEM truststore, so no truststore password).
     */
    public static Map<String, String> clientProperties(String user, String password, Path caPem) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", MECHANISM);
        props.put("sasl.jaas.config", jaasConfig(user, password));
        props.put("ssl.truststore.type", "PEM");
        props.put("ssl.truststore.location", caPem.toAbsolutePath().toString());
        return props;
    }

    /** Broker settings: TLS stores, SASL, authorizer and super users (listeners are the node's own). */
    public Map<String, String> brokerProperties() {
        return brokerProperties;
    }

    /** The {@code kafka-storage format --add-scram} arguments that create the SCRAM users at format time. */
    public List<String> scramArguments() {
        return scramArguments;
    }

    /** Client settings of the super user the node's own clients log in as. */
    public Map<String, String> adminClientProperties() {
        return adminClientProperties;
    }

    /** This value as node settings-file entries. */
    public Map<String, String> toNodeSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        brokerProperties.forEach((k, v) -> out.put(NODE_BROKER_PREFIX + k, v));
        adminClientProperties.forEach((k, v) -> out.put(NODE_ADMIN_PREFIX + k, v));
        for (int i = 0; i < scramArguments.size(); i++) {
            out.put(NODE_SCRAM_PREFIX + i, scramArguments.get(i));
        }
        return out;
    }

    /** The value a node settings file holds, or null when it has none (a plaintext node). */
    public static BrokerSecurity fromNodeSettings(Properties settings) {
        Map<String, String> broker = withPrefix(settings, NODE_BROKER_PREFIX);
        if (broker.isEmpty()) {
            return null;
        }
        List<String> scram = withPrefix(settings, NODE_SCRAM_PREFIX).entrySet().stream()
                .sorted(Map.Entry.comparingByKey((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b))))
                .map(Map.Entry::getValue).collect(Collectors.toList());
        return new BrokerSecurity(broker, scram, withPrefix(settings, NODE_ADMIN_PREFIX));
    }

    private static Map<String, String> withPrefix(Properties settings, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : settings.stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                out.put(name.substring(prefix.length()), settings.getProperty(name));
            }
        }
        return out;
    }

    static String jaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + requireSimple(user, "user name") + "\" password=\"" + requireSimple(password, "password") + "\";";
    }

    /** A random password: 24 hex digits, nothing a JAAS line or the SCRAM format argument would need to quote. */
    public static String randomPassword() {
        return HexFormat.of().formatHex(randomBytes(12));
    }

    private static String requireSimple(String value, String what) {
        if (value == null || !value.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(what + " may use only letters, digits, '.', '_' and '-'");
        }
        return value;
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
