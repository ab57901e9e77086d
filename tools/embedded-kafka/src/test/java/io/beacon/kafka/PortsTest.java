package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.List;

import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void shouldFindDistinctFreePortsThatCanThenBeBound() {
        // When two free ports are asked for
        List<Integer> ports = Ports.findFree("127.0.0.1", 2);

        // Then they differ and each can be bound
        assertThat(ports).hasSize(2).doesNotHaveDuplicates().allSatisfy(port -> assertThat(port).isPositive());
        assertThatCode(() -> ports.forEach(port -> Ports.requireAvailable("127.0.0.1", port, "test.port")))
                .doesNotThrowAnyException();
    }
}
