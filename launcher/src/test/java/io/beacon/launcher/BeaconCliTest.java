package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class BeaconCliTest {

    @Test
    void shouldStopWithAClearMessageWhenTheBrokerPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            StringWriter err = new StringWriter();

            int exit = BeaconCli.run(new PrintWriter(err, true), "demo", "--jobs", "1",
                    "--broker-port", Integer.toString(taken.getLocalPort()), "--controller-port", "0",
                    "--registry-port", "0", "--http-port", "0", "--sim-port", "0");

            assertThat(exit).isEqualTo(2);
            assertThat(err.toString()).contains("port " + taken.getLocalPort()).contains("already in use");
        }
    }

    @Test
    void shouldRefuseAnUnknownProviderKind() {
        StringWriter err = new StringWriter();

        int exit = BeaconCli.run(new PrintWriter(err, true), "worker", "--provider", "azure");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--provider must be golem, modal or runpod");
    }
}
