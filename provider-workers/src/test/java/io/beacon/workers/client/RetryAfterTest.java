package io.beacon.workers.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private final Instant now = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void shouldReadDelaySeconds() {
        assertThat(RetryAfter.parse("1", now)).contains(Duration.ofSeconds(1));
        assertThat(RetryAfter.parse(" 120 ", now)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("0", now)).contains(Duration.ZERO);
    }

    @Test
    void shouldReadAnHttpDateRelativeToNow() {
        assertThat(RetryAfter.parse("Sun, 01 Mar 2026 12:00:03 GMT", now)).contains(Duration.ofSeconds(3));
    }

    @Test
    void shouldTreatADateInThePastAsNoWait() {
        assertThat(RetryAfter.parse("Sun, 01 Mar 2026 11:59:00 GMT", now)).contains(Duration.ZERO);
    }

    @Test
    void shouldIgnoreWhatIsNeitherSecondsNorADate() {
        assertThat(RetryAfter.parse(null, now)).isEmpty();
        assertThat(RetryAfter.parse("", now)).isEmpty();
        assertThat(RetryAfter.parse("-5", now)).isEmpty();
        assertThat(RetryAfter.parse("1.5", now)).isEmpty();
        assertThat(RetryAfter.parse("soon", now)).isEmpty();
    }

    @Test
    void shouldClampAbsurdlyLongWaits() {
        assertThat(RetryAfter.parse("99999999999999999999", now)).contains(Duration.ofDays(1));
    }
}
