package io.beacon.ops.lag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class EndOffsetHistoryTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    @Test
    void shouldReportZeroSecondsWhenTheCommittedOffsetHasReachedTheEnd() {
        // Given
        EndOffsetHistory history = new EndOffsetHistory(10);
        history.record(100, at(0));
        history.record(150, at(10));

        // When / Then
        assertThat(history.estimate(150, at(20))).isEqualTo(new LagEstimate(0.0, false));
        assertThat(history.estimate(170, at(20))).isEqualTo(new LagEstimate(0.0, false));
    }

    @Test
    void shouldInterpolateTheTimeTheLogEndStoodAtTheCommittedOffset() {
        // Given the log end went from 100 to 200 between t=0 s and t=10 s
        EndOffsetHistory history = new EndOffsetHistory(10);
        history.record(100, at(0));
        history.record(200, at(10));
        history.record(300, at(20));

        // When the group has committed 150 and it is now t=25 s
        LagEstimate estimate = history.estimate(150, at(25));

        // Then the end was at 150 at t=5 s: 20 s ago
        assertThat(estimate.seconds()).isCloseTo(20.0, within(1e-6));
        assertThat(estimate.lowerBound()).isFalse();
    }

    @Test
    void shouldUseTheReadingItselfWhenTheCommittedOffsetEqualsOne() {
        // Given
        EndOffsetHistory history = new EndOffsetHistory(10);
        history.record(100, at(0));
        history.record(200, at(10));
        history.record(300, at(20));

        // When / Then: the end stood at 200 at t=10 s
        assertThat(history.estimate(200, at(30)).seconds()).isCloseTo(20.0, within(1e-6));
        assertThat(history.estimate(100, at(30))).isEqualTo(new LagEstimate(30.0, false));
    }

    @Test
    void shouldDateACommittedOffsetAtTheEndOfAnIdleRunNotItsStart() {
        // Given the end stood at 100 from t=0 s to t=50 s, then reached 150 at t=60 s
        EndOffsetHistory history = new EndOffsetHistory(10);
        history.record(100, at(0));
        history.record(100, at(20));
        history.record(100, at(50));
        history.record(150, at(60));

        // When the group has committed 120 at t=60 s
        LagEstimate estimate = history.estimate(120, at(60));

        // Then offset 120 was written between t=50 s and t=60 s (t=54 s), not during the idle run
        assertThat(estimate.seconds()).isCloseTo(6.0, within(1e-6));
        assertThat(history.size()).isEqualTo(3);
    }

    @Test
    void shouldGiveALowerBoundWhenTheCommittedOffsetIsOlderThanTheHistory() {
        // Given
        EndOffsetHistory history = new EndOffsetHistory(10);
        history.record(500, at(100));
        history.record(600, at(110));

        // When
        LagEstimate estimate = history.estimate(200, at(120));

        // Then at least as old as the oldest reading
        assertThat(estimate).isEqualTo(new LagEstimate(20.0, true));
    }

    @Test
    void shouldForgetTheOldestReadingsBeyondItsCapacity() {
        // Given a history of 3 readings, 4 recorded
        EndOffsetHistory history = new EndOffsetHistory(3);
        history.record(10, at(0));
        history.record(20, at(1));
        history.record(30, at(2));
        history.record(40, at(3));

        // When / Then: offset 15 is older than what is left
        assertThat(history.size()).isEqualTo(3);
        assertThat(history.estimate(15, at(4))).isEqualTo(new LagEstimate(3.0, true));
        assertThat(history.estimate(25, at(4)).seconds()).isCloseTo(2.5, within(1e-6));
    }

    @Test
    void shouldStartOverWhenTheEndOffsetFalls() {
        // Given a topic that was recreated
        EndOffsetHistory history = new EndOffsetHistory(10);
        history.record(1_000, at(0));
        history.record(2_000, at(10));
        history.record(5, at(20));

        // When / Then only the new reading counts
        assertThat(history.size()).isEqualTo(1);
        assertThat(history.estimate(0, at(25))).isEqualTo(new LagEstimate(5.0, true));
    }
}
