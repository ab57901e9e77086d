package io.beacon.ops.lag;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.ops.lag.PartitionWindow.Observation;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PartitionWindowTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private int polls;

    private Observation observe(long committed, long lag) {
        return new Observation(T0.plusSeconds(5L * polls++), committed, lag);
    }

    private PartitionWindow windowOf(int size, long[][] committedAndLag) {
        PartitionWindow window = new PartitionWindow(size);
        for (long[] observation : committedAndLag) {
            window.add(observe(observation[0], observation[1]));
        }
        return window;
    }

    @Test
    void shouldBeOkWhenTheConsumerIsCaughtUp() {
        // Given
        PartitionWindow window = windowOf(3, new long[][] {{10, 5}, {15, 7}, {30, 0}});

        // When / Then
        assertThat(window.status(GroupMembership.ACTIVE)).isEqualTo(LagStatus.OK);
        assertThat(window.status(GroupMembership.EMPTY)).isEqualTo(LagStatus.OK);
    }

    @Test
    void shouldBeOkWhenLagWasZeroSomewhereInTheWindow() {
        // Given lag growing since it was last zero
        PartitionWindow window = windowOf(3, new long[][] {{10, 0}, {12, 5}, {14, 9}});

        // When / Then
        assertThat(window.status(GroupMembership.ACTIVE)).isEqualTo(LagStatus.OK);
    }

    @Test
    void shouldBeOkUntilTheWindowIsFull() {
        // Given two observations of a window of three, offset not moving
        PartitionWindow window = windowOf(3, new long[][] {{10, 5}, {10, 5}});

        // When / Then
        assertThat(window.status(GroupMembership.ACTIVE)).isEqualTo(LagStatus.OK);
    }

    @Test
    void shouldWarnWhenTheConsumerCommitsButLagGrowsAcrossTheWholeWindow() {
        // Given
        PartitionWindow window = windowOf(4, new long[][] {{10, 5}, {12, 8}, {14, 8}, {16, 20}});

        // When / Then
        assertThat(window.status(GroupMembership.ACTIVE)).isEqualTo(LagStatus.WARNING);
        assertThat(window.status(GroupMembership.UNKNOWN)).isEqualTo(LagStatus.WARNING);
    }

    @Test
    void shouldBeOkWhenLagFellOnceInTheWindow() {
        // Given
        PartitionWindow window = windowOf(4, new long[][] {{10, 5}, {12, 8}, {20, 6}, {22, 20}});

        // When / Then
        assertThat(window.status(GroupMembership.ACTIVE)).isEqualTo(LagStatus.OK);
    }

    @Test
    void shouldBeOkWhenLagHoldsSteadyWhileTheConsumerProgresses() {
        // Given a consumer exactly as fast as its producer
        PartitionWindow window = windowOf(3, new long[][] {{10, 5}, {20, 5}, {30, 5}});

        // When / Then
        assertThat(window.status(GroupMembership.ACTIVE)).isEqualTo(LagStatus.OK);
    }

    @Test
    void shouldBeStalledWhenTheCommittedOffsetDoesNotMoveWhileLagRemains() {
        // Given
        PartitionWindow window = windowOf(3, new long[][] {{10, 5}, {10, 5}, {10, 9}});

        // When / Then
        assertThat(window.status(GroupMembership.ACTIVE)).isEqualTo(LagStatus.STALLED);
        assertThat(window.status(GroupMembership.UNKNOWN)).isEqualTo(LagStatus.STALLED);
    }

    @Test
    void shouldBeStoppedAtOnceWhenTheGroupHasNoMembersAndLagRemains() {
        // Given one observation only
        PartitionWindow window = windowOf(10, new long[][] {{10, 5}});

        // When / Then
        assertThat(window.status(GroupMembership.EMPTY)).isEqualTo(LagStatus.STOPPED);
        assertThat(window.status(GroupMembership.ACTIVE)).isEqualTo(LagStatus.OK);
    }

    @Test
    void shouldMoveFromOkToWarningToStalledAndBackToOkAsTheWindowSlides() {
        // Given a window of three
        PartitionWindow window = new PartitionWindow(3);

        // When the consumer keeps up, then falls behind, then stops moving, then catches up
        window.add(observe(10, 0));
        LagStatus keepingUp = window.status(GroupMembership.ACTIVE);
        window.add(observe(12, 4));
        window.add(observe(14, 9));
        LagStatus stillSawZero = window.status(GroupMembership.ACTIVE);
        window.add(observe(16, 15));
        LagStatus fallingBehind = window.status(GroupMembership.ACTIVE);
        window.add(observe(16, 20));
        LagStatus notMovingYet = window.status(GroupMembership.ACTIVE);
        window.add(observe(16, 25));
        LagStatus stuck = window.status(GroupMembership.ACTIVE);
        window.add(observe(46, 0));
        LagStatus caughtUp = window.status(GroupMembership.ACTIVE);

        // Then
        assertThat(keepingUp).isEqualTo(LagStatus.OK);
        assertThat(stillSawZero).isEqualTo(LagStatus.OK);
        assertThat(fallingBehind).isEqualTo(LagStatus.WARNING);
        assertThat(notMovingYet).isEqualTo(LagStatus.WARNING);
        assertThat(stuck).isEqualTo(LagStatus.STALLED);
        assertThat(caughtUp).isEqualTo(LagStatus.OK);
    }
}
