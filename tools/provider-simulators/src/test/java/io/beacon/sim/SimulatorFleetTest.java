package io.beacon.sim;

import static io.beacon.sim.SimHttp.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class SimulatorFleetTest {

    private final SimHttp http = SimHttp.client();

    @Test
    void shouldMakeGolemTheCheapestTierOfTheDemoFleet() {
        // When
        List<SimulatedDeployment> demo = SimulatorFleet.demoDeployments();

        // Then
        assertThat(demo).extracting(SimulatedDeployment::id).containsExactly(
                "golem-eu-central-1", "golem-eu-central-2", "golem-us-east-1", "golem-us-west-1",
                "modal-us-east", "modal-eu-west", "runpod-us-east", "runpod-eu-central");
        assertThat(demo).allSatisfy(d -> assertThat(d.serves("llama3.2:1b")).isTrue());
        assertThat(demo).anySatisfy(d -> assertThat(d.serves("mistral:7b")).isTrue());
        SimulatedDeployment cheapest = demo.stream()
                .max(Comparator.comparingDouble(SimulatedDeployment::pricePerSecondUsd).reversed()).orElseThrow();
        assertThat(cheapest.provider()).isEqualTo(SimProvider.GOLEM);
        double dearestGolem = demo.stream().filter(d -> d.provider() == SimProvider.GOLEM)
                .mapToDouble(SimulatedDeployment::pricePerSecondUsd).max().orElseThrow();
        double cheapestServerless = demo.stream().filter(d -> d.provider() != SimProvider.GOLEM)
                .mapToDouble(SimulatedDeployment::pricePerSecondUsd).min().orElseThrow();
        assertThat(dearestGolem).isLessThan(cheapestServerless);
        assertThat(demo).filteredOn(d -> d.provider() == SimProvider.GOLEM)
                .allSatisfy(d -> assertThat(d.coldStart()).isZero());
        assertThat(demo).filteredOn(d -> d.provider() != SimProvider.GOLEM)
                .allSatisfy(d -> assertThat(d.coldStart()).isPositive());
    }

    @Test
    void shouldStartTheDemoFleetOnFreePortsAndDescribeIt() {
        // Given
        try (SimulatorFleet fleet = SimulatorFleet.startDemo("127.0.0.1", 0, SimCredentials.none())) {

            // When
            String table = fleet.describe();

            // Then
            assertThat(fleet.simulators()).hasSize(8);
            for (ProviderSimulator simulator : fleet.simulators()) {
                assertThat(table).contains(simulator.deployment().id(), simulator.baseUrl().toString());
            }
            assertThat(table).contains("GOLEM", "MODAL", "RUNPOD", "0.000164", "llama3.2:1b");
            assertThat(fleet.get("runpod-us-east").baseUrl().getPath()).isEqualTo("/v2/runpod-us-east");
            assertThat(http.get(fleet.get("golem-us-west-1").baseUrl()).body()).isEqualTo("Ollama is running");
            assertThat(http.get(at(fleet.get("modal-us-east").baseUrl(), "/health")).statusCode()).isEqualTo(200);
            assertThat(fleet.find("nope")).isEmpty();
            assertThatThrownBy(() -> fleet.get("nope")).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    void shouldGiveEachDeploymentTheNextPortAfterTheFirst() throws IOException {
        // Given a port that is free now
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        List<SimulatedDeployment> one = List.of(SimulatedDeployment.builder("golem-port", SimProvider.GOLEM).build());

        // When
        try (SimulatorFleet fleet = SimulatorFleet.start(one, "127.0.0.1", port, null)) {

            // Then
            assertThat(fleet.get("golem-port").port()).isEqualTo(port);
            assertThat(fleet.get("golem-port").baseUrl().toString()).isEqualTo("http://127.0.0.1:" + port);
        }
    }

    @Test
    void shouldStartNothingWhenOneDeploymentCannotBind() throws IOException {
        // Given a port already taken
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            SimulatedDeployment deployment = SimulatedDeployment.builder("golem-clash", SimProvider.GOLEM).build();

            // When / Then
            assertThatThrownBy(() -> SimulatorFleet.start(List.of(deployment), "127.0.0.1", taken.getLocalPort(), null))
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("golem-clash");
        }
    }

    @Test
    void shouldRejectDuplicateDeploymentIds() {
        SimulatedDeployment a = SimulatedDeployment.builder("same", SimProvider.GOLEM).build();
        SimulatedDeployment b = SimulatedDeployment.builder("same", SimProvider.MODAL)
                .coldStart(Duration.ZERO).build();
        assertThatThrownBy(() -> SimulatorFleet.start(List.of(a, b), "127.0.0.1", 0, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same");
    }
}
