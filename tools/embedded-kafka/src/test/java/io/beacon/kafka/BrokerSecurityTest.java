package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerSecurityTest {

    @TempDir
    Path dir;

    @Test
    void shouldIssueANodeCertificateSignedByTheCaForTheListenerHost() throws Exception {
        BrokerSecurity security = BrokerSecurity.generate(dir, "127.0.0.1", Map.of("admin", "pw1"), List.of("admin"),
                "admin");

        Map<String, String> broker = security.brokerProperties();
        KeyStore keystore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(broker.get("ssl.keystore.location")))) {
            keystore.load(in, broker.get("ssl.keystore.password").toCharArray());
        }
        X509Certificate node = (X509Certificate) keystore.getCertificate("kafka-node");
        X509Certificate ca;
        try (InputStream in = Files.newInputStream(dir.resolve(BrokerSecurity.CA_FILE))) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        node.verify(ca.getPublicKey());
        assertThat(node.getSubjectX500Principal().getName()).isEqualTo("CN=" + BrokerSecurity.NODE_COMMON_NAME);
        assertThat(node.getSubjectAlternativeNames()).anySatisfy(name -> assertThat(name.get(1)).isEqualTo("127.0.0.1"));
        assertThat(node.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void shouldMakeEveryUserAScramUserAndOnlyTheAdminAndNodesSuperUsers() {
        BrokerSecurity security = BrokerSecurity.generate(dir, "127.0.0.1",
                Map.of("admin", "pw-admin", "runner", "pw-runner"), List.of("admin"), "admin");

        assertThat(security.scramArguments()).contains("SCRAM-SHA-512=[name=runner,password=pw-runner]",
                "SCRAM-SHA-512=[name=admin,password=pw-admin]")
                .anyMatch(argument -> argument.startsWith("SCRAM-SHA-512=[name=" + BrokerSecurity.INTER_BROKER_USER + ","));
        assertThat(security.brokerProperties().get("super.users").split(";")).containsExactlyInAnyOrder("User:admin",
                "User:" + BrokerSecurity.INTER_BROKER_USER, "User:CN=" + BrokerSecurity.NODE_COMMON_NAME);
        assertThat(security.brokerProperties()).containsEntry("authorizer.class.name", BrokerSecurity.AUTHORIZER)
                .containsEntry("allow.everyone.if.no.acl.found", "false")
                .containsEntry("listener.name.controller.ssl.client.auth", "required");
        assertThat(security.adminClientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(security.adminClientProperties().get("sasl.jaas.config")).contains("username=\"admin\"");
    }

    @Test
    void shouldTravelThroughANodeSettingsFileUnchanged() {
        BrokerSecurity security = BrokerSecurity.generate(dir, "127.0.0.1", Map.of("admin", "pw", "a", "b", "c", "d"),
                List.of("admin"), "admin");
        Properties file = new Properties();
        security.toNodeSettings().forEach(file::setProperty);

        BrokerSecurity read = BrokerSecurity.fromNodeSettings(file);

        assertThat(read.brokerProperties()).isEqualTo(security.brokerProperties());
        assertThat(read.scramArguments()).isEqualTo(security.scramArguments());
        assertThat(read.adminClientProperties()).isEqualTo(security.adminClientProperties());
        assertThat(BrokerSecurity.fromNodeSettings(new Properties())).isNull();
    }

    @Test
    void shouldRefuseNamesAJaasLineWouldHaveToQuote() {
        assertThatThrownBy(() -> BrokerSecurity.generate(dir, "127.0.0.1", Map.of("admin", "pw\"; x"), List.of("admin"),
                "admin")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("password");
    }

    @Test
    void shouldServeSecureListenersOnANodeOfItsOwn() {
        BrokerSecurity security = BrokerSecurity.generate(dir, "127.0.0.1", Map.of("admin", "pw"), List.of("admin"), "admin");

        Map<String, String> props = EmbeddedKafkaBroker.brokerProperties(1, null, "127.0.0.1", 19092, 19093, dir,
                security, Map.of());

        assertThat(props).containsEntry("listeners", "SASL_SSL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093")
                .containsEntry("advertised.listeners", "SASL_SSL://127.0.0.1:19092")
                .containsEntry("inter.broker.listener.name", "SASL_SSL")
                .containsEntry("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
    }
}
