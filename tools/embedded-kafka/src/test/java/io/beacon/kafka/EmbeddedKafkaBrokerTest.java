package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import kafka.server.KafkaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the broker decides before Kafka runs: its configuration and its port checks. */
class EmbeddedKafkaBrokerTest {

    private static final String LOOPBACK = EmbeddedKafkaBroker.DEFAULT_HOST;

    @TempDir
    Path dataDir;

    @Test
    void shouldRefuseATakenBrokerPortBeforeStartingKafkaWithAMessageNamingTheSetting() throws IOException {
        // Given a port held by someone else
        try (ServerSocket holder = holdAFreePort()) {
            int taken = holder.getLocalPort();
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                    .brokerPort(taken).controllerPort(EmbeddedKafkaBroker.FREE_PORT).dataDir(dataDir).build();

            // When the broker is started on it / Then it fails naming the port, the host and the setting
            assertThatThrownBy(broker::start)
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage("port " + taken + " on " + LOOPBACK + " is already in use (setting: broker.port);"
                            + " stop what holds it or choose another port");
            // And nothing was started or written
            assertThat(broker.isRunning()).isFalse();
            assertThat(dataDir).isEmptyDirectory();
        }
    }

    @Test
    void shouldNameTheControllerPortSettingWhenTheControllerPortIsTaken() throws IOException {
        // Given a port held by someone else
        try (ServerSocket holder = holdAFreePort()) {
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                    .brokerPort(EmbeddedKafkaBroker.FREE_PORT).controllerPort(holder.getLocalPort()).build();

            // When the broker is started / Then it fails naming the controller's setting
            assertThatThrownBy(broker::start)
                    .isInstanceOfSatisfying(PortInUseException.class, e -> {
                        assertThat(e.setting()).isEqualTo(EmbeddedKafkaBroker.CONTROLLER_PORT_SETTING);
                        assertThat(e.port()).isEqualTo(holder.getLocalPort());
                        assertThat(e.host()).isEqualTo(LOOPBACK);
                    })
                    .hasMessageContaining("(setting: controller.port)");
        }
    }

    @Test
    void shouldDefaultToKafkasUsualPortsOnLoopback() {
        // Given the fixed defaults the launcher relies on / Then they are Kafka's usual ones
        assertThat(EmbeddedKafkaBroker.DEFAULT_HOST).isEqualTo("127.0.0.1");
        assertThat(EmbeddedKafkaBroker.DEFAULT_BROKER_PORT).isEqualTo(9092);
        assertThat(EmbeddedKafkaBroker.DEFAULT_CONTROLLER_PORT).isEqualTo(9093);
    }

    @Test
    void shouldConfigureAOneNodeClusterWhoseInternalTopicsHaveOneReplica() {
        // When the broker properties are built
        Map<String, String> props = EmbeddedKafkaBroker.brokerProperties(LOOPBACK, 19092, 19093, dataDir, Map.of());

        // Then they describe one combined node on the given ports
        assertThat(props).containsEntry("process.roles", "broker,controller")
                .containsEntry("node.id", "1")
                .containsEntry("controller.quorum.voters", "1@127.0.0.1:19093")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093")
                .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:19092")
                .containsEntry("controller.listener.names", "CONTROLLER")
                .containsEntry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT")
                .containsEntry("log.dirs", dataDir.toAbsolutePath().toString())
                // And every internal topic fits on one node
                .containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("offsets.topic.num.partitions", "1")
                .containsEntry("transaction.state.log.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("share.coordinator.state.topic.replication.factor", "1")
                .containsEntry("share.coordinator.state.topic.min.isr", "1")
                .containsEntry("group.initial.rebalance.delay.ms", "0")
                .containsEntry("log.cleaner.dedupe.buffer.size", "2097152")
                .containsEntry("auto.create.topics.enable", "false")
                // And Kafka's own start-up deadline, which ends the JVM when it passes, is left unset
                .doesNotContainKey("server.max.startup.time.ms");
        // And Kafka itself accepts them
        KafkaConfig config = new KafkaConfig(props, false);
        assertThat(config.logDirs()).containsExactly(dataDir.toAbsolutePath().toString());
    }

    @Test
    void shouldLetExtraPropertiesOverrideTheDefaults() {
        // Given extra broker properties, one of which replaces a default
        Map<String, String> extra = Map.of("auto.create.topics.enable", "true", "num.partitions", "3");

        // When the broker properties are built
        Map<String, String> props = EmbeddedKafkaBroker.brokerProperties(LOOPBACK, 19092, 19093, dataDir, extra);

        // Then the extra properties win
        assertThat(props).containsEntry("auto.create.topics.enable", "true").containsEntry("num.partitions", "3");
    }

    @Test
    void shouldAdvertiseLoopbackWhenListeningOnAllInterfaces() {
        // When the broker listens on every interface
        Map<String, String> props = EmbeddedKafkaBroker.brokerProperties("0.0.0.0", 19092, 19093, dataDir, Map.of());

        // Then clients and the controller quorum are pointed at an address they can actually reach
        assertThat(props).containsEntry("listeners", "PLAINTEXT://0.0.0.0:19092,CONTROLLER://0.0.0.0:19093")
                .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:19092")
                .containsEntry("controller.quorum.voters", "1@127.0.0.1:19093");
    }

    @Test
    void shouldRejectOneFixedPortForBothBrokerAndController() {
        // Given the same fixed port for both listeners
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().brokerPort(19092).controllerPort(19092);

        // When it is built / Then both settings are named
        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("broker.port").hasMessageContaining("controller.port");
    }

    @Test
    void shouldRejectAPortOutOfRangeNamingTheSetting() {
        // Given a builder
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();

        // When a port beyond 65535 is given / Then the setting is named
        assertThatThrownBy(() -> builder.brokerPort(70_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broker.port");
    }

    @Test
    void shouldRefuseToGiveABootstrapAddressBeforeStarting() {
        // Given a broker that was never started
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().freePorts().build();

        // When its address is asked for / Then it refuses
        assertThatThrownBy(broker::bootstrapServers).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldCloseABrokerThatWasNeverStartedWithoutComplaint() {
        // Given a broker that was never started
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().freePorts().build();

        // When it is closed twice / Then nothing happens and it cannot be started any more
        assertThatCode(() -> {
            broker.close();
            broker.close();
        }).doesNotThrowAnyException();
        assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class);
    }

    private static ServerSocket holdAFreePort() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
        return socket;
    }
}
