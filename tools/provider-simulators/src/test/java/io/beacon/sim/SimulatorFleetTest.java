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
    void shouldGiveTheDemoFleetThePublishedBillingTerms() {
        // When
        java.util.Map<String, SimulatedDeployment> demo = new java.util.HashMap<>();
        SimulatorFleet.demoDeployments().forEach(d -> demo.put(d.id(), d));

        // Then
        assertThat(demo.values()).filteredOn(d -> d.provider() == SimProvider.GOLEM).allSatisfy(d -> {
            assertThat(d.startFeeUsd()).isEqualTo(0.0005);
            assertThat(d.slotsPerUnit()).isEqualTo(d.capacity()).isEqualTo(4);
        });
        assertThat(demo.get("modal-us-east").pricePerSecondUsd()).isEqualTo(0.000164);
        assertThat(demo.get("modal-eu-west").pricePerSecondUsd()).isEqualTo(0.000222);
        assertThat(demo.values()).filteredOn(d -> d.provider() == SimProvider.MODAL).allSatisfy(d -> {
            assertThat(d.maxUnits()).isEqualTo(2);
            assertThat(d.slotsPerUnit()).isEqualTo(4);
            assertThat(d.coldStart()).isEqualTo(Duration.ofSeconds(3));
            assertThat(d.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        });
        SimulatedDeployment east = demo.get("runpod-us-east");
        assertThat(east.pricePerSecondUsd()).isEqualTo(0.00016);
        assertThat(east.activeUnits()).isEqualTo(1);
        assertThat(east.activePricePerSecondUsd()).isEqualTo(0.00011);
        assertThat(demo.get("runpod-eu-central").pricePerSecondUsd()).isEqualTo(0.00019);
        assertThat(demo.get("runpod-eu-central").activeUnits()).isZero();
        assertThat(demo.values()).filteredOn(d -> d.provider() == SimProvider.RUNPOD).allSatisfy(d -> {
            assertThat(d.capacity()).isEqualTo(8);
            assertThat(d.slotsPerUnit()).isEqualTo(1);
            assertThat(d.coldStart()).isEqualTo(Duration.ofSeconds(2));
            assertThat(d.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        });
    }

    @Test
    void shouldMakeGolemTheCheapestTierOfTheDemoFleet() {
        // When
        List<SimulatedDeployment> demo = SimulatorFleet.demoDeployments();

        // Then
        assertThat(demo).extracting(SimulatedDeployment::id).containsExactly(
                "golem-eu-central-1", "golem-eu-central-2", "golem-us-east-1", "golem-us-west-1",
                "modal-us-east", "modal-eu-west", "runpod-us-east", "runpod-eu-central");
        // Llama 3.2 1B everywhere: Ollama's tag on Golem, the Hugging Face id only on the vLLM deployments.
        assertThat(demo).filteredOn(d -> d.provider() == SimProvider.GOLEM)
                .allSatisfy(d -> assertThat(d.serves("llama3.2:1b")).isTrue());
        assertThat(demo).filteredOn(d -> d.provider() != SimProvider.GOLEM)
                .allSatisfy(d -> assertThat(d.models()).containsExactly(SimulatorFleet.LLAMA_3_2_1B_HF));
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
