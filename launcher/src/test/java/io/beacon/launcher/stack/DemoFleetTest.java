package io.beacon.launcher.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.DeploymentEndpoints;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The demo fleet written as a {@code deployments} setting, for a worker started as its own process. */
class DemoFleetTest {

    @ParameterizedTest
    @EnumSource(value = ProviderKind.class, names = {"GOLEM", "MODAL", "RUNPOD"})
    void shouldWriteEveryTermSoThatAWorkerProcessReadsTheSameDeployments(ProviderKind kind) {
        // Given the demo fleet's deployments of one provider, as the pipeline's own workers call them
        List<DeploymentEndpoint> endpoints = DemoFleet.defaultEndpoints(kind);
        assertThat(endpoints).isNotEmpty();

        // When they are written as the deployments setting and read back the way `beacon worker` reads it
        String setting = DemoFleet.deploymentsSetting(endpoints);
        List<DeploymentEndpoint> read = DeploymentEndpoints.parse(kind, setting,
                DeploymentEndpoints.Defaults.of(Duration.ofSeconds(1)), "deployments");

        // Then ids, addresses, prices, capacity, models, time-outs and billing terms all survive
        assertThat(read).isEqualTo(endpoints);
    }

    @Test
    void shouldWriteNothingForNoDeployments() {
        assertThat(DemoFleet.deploymentsSetting(List.of())).isEmpty();
    }
}
