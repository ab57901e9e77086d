package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

class SharedBrokerIT {

    @Test
    void shouldStartOneBrokerForTheWholeJvmEvenWhenAskedFromSeveralThreadsAtOnce() throws Exception {
        // Given several test threads asking for the shared broker at the same moment
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            Callable<String> ask = SharedBroker::bootstrapServers;
            List<Future<String>> answers = threads.invokeAll(List.of(ask, ask, ask));

            // When it is asked again later
            String later = SharedBroker.bootstrapServers();

            // Then every caller got the same broker
            for (Future<String> answer : answers) {
                assertThat(answer.get()).isEqualTo(later);
            }
            assertThat(later).startsWith("127.0.0.1:");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void shouldReturnTheSameBootstrapServersTwice() {
        // When / Then
        assertThat(SharedBroker.bootstrapServers()).isEqualTo(SharedBroker.bootstrapServers());
    }
}
