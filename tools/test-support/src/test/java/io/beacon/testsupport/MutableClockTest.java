package io.beacon.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class MutableClockTest {

    @Test
    void shouldStandStillUntilMovedByHand() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

        clock.advance(Duration.ofSeconds(90));

        assertThat(clock.instant()).isEqualTo(Instant.parse("2026-01-01T00:01:30Z"));
        assertThat(clock.millis()).isEqualTo(clock.instant().toEpochMilli());
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }
}
