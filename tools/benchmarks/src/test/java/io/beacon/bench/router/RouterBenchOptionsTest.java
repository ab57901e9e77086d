package io.beacon.bench.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RouterBenchOptionsTest {

    @Test
    void shouldLetLaterOptionsOverrideQuick() {
        // When
        RouterBenchOptions options = RouterBenchOptions.parse(new String[] {"--quick", "--records", "2000",
                "--sweep-eos", "20,50,20", "--broker-dir", "/dev/shm"});

        // Then
        assertThat(options.records()).isEqualTo(2_000);
        assertThat(options.repeat()).isEqualTo(1);
        assertThat(options.latencyMeasured()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.sweepExactlyOnce()).containsExactly(20L, 50L);
        assertThat(options.brokerDir()).isEqualTo(Path.of("/dev/shm"));
    }

    @Test
    void shouldCountTheLatencyRunsRequestsFromRateAndDurations() {
        // When
        RouterBenchOptions options = RouterBenchOptions.parse(new String[0]);

        // Then: 500 jobs/s for 5 s of warm-up and 20 s measured
        assertThat(options.latencyWarmupCount()).isEqualTo(2_500);
        assertThat(options.latencyTotal()).isEqualTo(12_500);
    }

    @Test
    void shouldNameTheOptionThatIsWrong() {
        assertThatThrownBy(() -> RouterBenchOptions.parse(new String[] {"--sweep-alos", "5"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--sweep-alos");
        assertThatThrownBy(() -> RouterBenchOptions.parse(new String[] {"--records"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--records needs a value");
        assertThatThrownBy(() -> RouterBenchOptions.parse(new String[] {"--fast"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option --fast");
    }
}
