package io.beacon.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedDeploymentTest {

    @Test
    void shouldDefaultGolemNodesToCheapAlwaysWarmCapacity() {
        // When
        SimulatedDeployment golem = SimulatedDeployment.builder("golem-1", SimProvider.GOLEM).build();

        // Then
        assertThat(golem.pricePerSecondUsd()).isEqualTo(0.0001);
        assertThat(golem.capacity()).isEqualTo(4);
        assertThat(golem.queueLimit()).isEqualTo(8);
        assertThat(golem.coldStart()).isZero();
        assertThat(golem.models()).containsExactly("llama3.2:1b");
        assertThat(golem.defaultModel()).isEqualTo("llama3.2:1b");
    }

    @Test
    void shouldDefaultServerlessDeploymentsToColdStartsAfterIdling() {
        // When
        SimulatedDeployment modal = SimulatedDeployment.builder("modal-1", SimProvider.MODAL).build();
        SimulatedDeployment runpod = SimulatedDeployment.builder("runpod-1", SimProvider.RUNPOD).build();

        // Then
        assertThat(modal.pricePerSecondUsd()).isEqualTo(0.000164);
        assertThat(modal.coldStart()).isEqualTo(Duration.ofSeconds(3));
        assertThat(modal.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(runpod.pricePerSecondUsd()).isEqualTo(0.00016);
        assertThat(runpod.coldStart()).isEqualTo(Duration.ofSeconds(2));
        assertThat(runpod.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldCopyTheModelListSoLaterChangesDoNotLeakIn() {
        // Given
        List<String> models = new ArrayList<>(List.of("llama3.2:1b"));
        SimulatedDeployment deployment = SimulatedDeployment.builder("g", SimProvider.GOLEM).models(models).build();

        // When
        models.add("mistral:7b");

        // Then
        assertThat(deployment.models()).containsExactly("llama3.2:1b");
        assertThat(deployment.serves("mistral:7b")).isFalse();
    }

    @Test
    void shouldRoundTripThroughToBuilder() {
        // Given
        SimulatedDeployment original = SimulatedDeployment.builder("runpod-x", SimProvider.RUNPOD)
                .region("eu").capacity(3).queueLimit(0).latency(LatencyModel.fixed(Duration.ofMillis(7))).build();

        // When / Then
        assertThat(original.toBuilder().build()).isEqualTo(original);
        assertThat(original.toBuilder().capacity(5).build().capacity()).isEqualTo(5);
    }

    @Test
    void shouldDefaultBillingUnitsPerProviderAndValidateThem() {
        SimulatedDeployment golem = SimulatedDeployment.builder("g", SimProvider.GOLEM).capacity(6).build();
        SimulatedDeployment modal = SimulatedDeployment.builder("m", SimProvider.MODAL).capacity(8).slotsPerUnit(3)
                .build();
        SimulatedDeployment runpod = SimulatedDeployment.builder("r", SimProvider.RUNPOD).capacity(8).activeUnits(2)
                .activePricePerSecondUsd(0.00011).build();

        assertThat(golem.slotsPerUnit()).isEqualTo(6);
        assertThat(golem.maxUnits()).isEqualTo(1);
        assertThat(golem.startFeeUsd()).isZero();
        assertThat(golem.billingModel()).isEqualTo(BillingModel.LEASE);
        assertThat(modal.maxUnits()).isEqualTo(3);
        assertThat(SimulatedDeployment.builder("m1", SimProvider.MODAL).build().slotsPerUnit()).isEqualTo(1);
        assertThat(runpod.slotsPerUnit()).isEqualTo(1);
        assertThat(runpod.maxUnits()).isEqualTo(8);
        assertThat(runpod.toBuilder().build()).isEqualTo(runpod);
        assertThat(golem.toBuilder().capacity(2).build().slotsPerUnit()).isEqualTo(2);

        assertThatThrownBy(() -> SimulatedDeployment.builder("r", SimProvider.RUNPOD).capacity(2).activeUnits(3).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("activeUnits");
        assertThatThrownBy(() -> SimulatedDeployment.builder("m", SimProvider.MODAL).slotsPerUnit(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slotsPerUnit");
        assertThatThrownBy(() -> SimulatedDeployment.builder("g", SimProvider.GOLEM).startFeeUsd(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("startFeeUsd");
        assertThatThrownBy(() -> SimulatedDeployment.builder("r", SimProvider.RUNPOD)
                .activePricePerSecondUsd(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("activePricePerSecondUsd");
    }

    @Test
    void shouldRejectInvalidDeploymentsWithAMessageNamingTheField() {
        SimulatedDeployment.Builder valid = SimulatedDeployment.builder("ok", SimProvider.GOLEM);
        assertThatThrownBy(() -> SimulatedDeployment.builder("bad id/", SimProvider.GOLEM).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
        assertThatThrownBy(() -> valid.capacity(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> valid.capacity(1).queueLimit(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queueLimit");
        assertThatThrownBy(() -> valid.queueLimit(0).models(List.of()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model");
        assertThatThrownBy(() -> valid.models("m").pricePerSecondUsd(-0.1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pricePerSecondUsd");
        assertThatThrownBy(() -> valid.pricePerSecondUsd(0).coldStart(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coldStart");
    }

    @Test
    void shouldRequireModalKeyAndSecretTogetherAndNeverPrintThem() {
        assertThatThrownBy(() -> new SimCredentials("wk-1", null, null))
                .isInstanceOf(IllegalArgumentException.class);
        SimCredentials credentials = new SimCredentials("wk-secret-key", "ws-secret", "rp-secret");
        assertThat(credentials.toString()).doesNotContain("secret");
        assertThat(SimCredentials.none().modalAuthRequired()).isFalse();
        assertThat(SimCredentials.none().runpodAuthRequired()).isFalse();
    }
}
