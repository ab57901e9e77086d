package io.beacon.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lost jobs, duplicates and each fault's recovery, from send and result times (nanoseconds, 1 s = 1e9). */
class ReliabilityTest {

    private static final long S = 1_000_000_000L;
    private static final long START = 5 * S;

    @Test
    void shouldCountJobsWithoutAResultAsLostAndResultsBeyondTheFirstAsDuplicates() {
        // Given four jobs sent: a answered once, b three times, c once, d never
        Map<String, Long> sent = Map.of("a", START, "b", START + S, "c", START + 2 * S, "d", START + 3 * S);
        Map<String, Long> resultAt = Map.of("a", START + S, "b", START + 2 * S, "c", START + 3 * S);
        Map<String, Integer> counts = Map.of("a", 1, "b", 3, "c", 1, "x-from-an-earlier-run", 2);

        // When the run is summed up
        Reliability reliability = Reliability.of(START, sent, resultAt, counts, List.of());

        // Then d is lost, b's two extra results are duplicates, and another run's job counts for nothing
        assertThat(reliability.lost()).isEqualTo(1);
        assertThat(reliability.duplicates()).isEqualTo(2);
        assertThat(reliability.faults()).isEmpty();
        assertThat(reliability.worstRecoverySeconds()).isEqualTo(0.0);
    }

    @Test
    void shouldMeasureRecoveryToTheFirstResultOfAJobSentAfterTheFault() {
        // Given a fault at 10 s; a job sent before it answered at 11 s (it does not count: sent before),
        // jobs sent at 10.5 s and 12 s answered at 19.25 s and 14 s
        Map<String, Long> sent = Map.of("before", START + 9 * S, "after-1", START + 10 * S + S / 2,
                "after-2", START + 12 * S);
        Map<String, Long> resultAt = Map.of("before", START + 11 * S, "after-1", START + 19 * S + S / 4,
                "after-2", START + 14 * S);
        Map<String, Integer> counts = Map.of("before", 1, "after-1", 1, "after-2", 1);
        List<FaultLog.Fault> faults = List.of(new FaultLog.Fault("kill -9 broker 2", START + 10 * S),
                new FaultLog.Fault("kill -9 router-2", START + 13 * S));

        // When the run is summed up
        Reliability reliability = Reliability.of(START, sent, resultAt, counts, faults);

        // Then the first fault recovered when after-2 was answered (4 s), the earliest result of a later job;
        // the second struck after every job was sent, so nothing shows it recovered
        assertThat(reliability.faults()).containsExactly(
                new Reliability.FaultRecovery("kill -9 broker 2", 10.0, 4.0),
                new Reliability.FaultRecovery("kill -9 router-2", 13.0, null));
        assertThat(reliability.worstRecoverySeconds()).isNull();
        assertThat(reliability.lost()).isZero();
    }

    @Test
    void shouldIgnoreJobsSentAfterTheFaultThatGotNoResult() {
        // Given a fault at 1 s, a job sent after it never answered and one answered 2.5 s after the fault
        Map<String, Long> sent = Map.of("lost", START + S, "ok", START + 2 * S);
        Map<String, Long> resultAt = Map.of("ok", START + 3 * S + S / 2);
        Map<String, Integer> counts = Map.of("ok", 1);

        // When the run is summed up
        Reliability reliability = Reliability.of(START, sent, resultAt, counts,
                List.of(new FaultLog.Fault("kill -9 golem-worker-2", START + S)));

        // Then the lost job is lost and the recovery comes from the answered one
        assertThat(reliability.lost()).isEqualTo(1);
        assertThat(reliability.faults().get(0).recoveredSeconds()).isEqualTo(2.5);
        assertThat(reliability.worstRecoverySeconds()).isEqualTo(2.5);
    }
}
