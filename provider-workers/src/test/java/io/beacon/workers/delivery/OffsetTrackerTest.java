package io.beacon.workers.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.workers.delivery.OffsetTracker.PartitionOffsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    private final TopicPartition p0 = new TopicPartition("provider-jobs.golem", 0);
    private final TopicPartition p1 = new TopicPartition("provider-jobs.golem", 1);
    private final OffsetTracker tracker = new OffsetTracker();

    @Test
    void shouldCommitOnlyUpToTheLowestUnacknowledgedOffset() {
        // Given offsets 10..14 taken
        PartitionOffsets token = null;
        for (long offset = 10; offset <= 14; offset++) {
            token = tracker.track(p0, offset);
        }

        // When 11, 12 and 14 are acknowledged
        tracker.acknowledge(token, 11);
        tracker.acknowledge(token, 12);
        tracker.acknowledge(token, 14);

        // Then the committable offset stays at 10 and nothing moves past the group's position
        assertThat(tracker.committable(p0)).isEqualTo(10);
        assertThat(tracker.takeCommittable()).isEmpty();

        // When 10 is acknowledged, the commit moves to 13 (still pending)
        tracker.acknowledge(token, 10);
        assertThat(tracker.takeCommittable()).containsEntry(p0, new OffsetAndMetadata(13));

        // When 13 is acknowledged, it moves past the highest offset seen
        tracker.acknowledge(token, 13);
        assertThat(tracker.takeCommittable()).containsEntry(p0, new OffsetAndMetadata(15));
        assertThat(tracker.pendingCount()).isZero();
    }

    @Test
    void shouldOfferEachCommitOnlyOnceUnlessItFailed() {
        PartitionOffsets token = tracker.track(p0, 0);
        tracker.track(p0, 1);
        tracker.acknowledge(token, 0);

        Map<TopicPartition, OffsetAndMetadata> first = tracker.takeCommittable();
        assertThat(first).containsEntry(p0, new OffsetAndMetadata(1));
        assertThat(tracker.takeCommittable()).isEmpty();

        tracker.commitFailed(first);
        assertThat(tracker.takeCommittable()).containsEntry(p0, new OffsetAndMetadata(1));
    }

    @Test
    void shouldTrackPartitionsIndependently() {
        PartitionOffsets a = tracker.track(p0, 5);
        PartitionOffsets b = tracker.track(p1, 7);
        tracker.track(p1, 8);

        tracker.acknowledge(b, 7);
        tracker.acknowledge(b, 8);

        assertThat(tracker.takeCommittable()).containsOnlyKeys(p1).containsEntry(p1, new OffsetAndMetadata(9));
        tracker.acknowledge(a, 5);
        assertThat(tracker.takeCommittable()).containsOnlyKeys(p0).containsEntry(p0, new OffsetAndMetadata(6));
    }

    @Test
    void shouldIgnoreAnAcknowledgementFromBeforeThePartitionWasRevokedAndReassigned() {
        // Given offset 3 taken, then the partition revoked and assigned again, and 3 taken again
        PartitionOffsets old = tracker.track(p0, 3);
        tracker.forget(List.of(p0));
        PartitionOffsets fresh = tracker.track(p0, 3);

        // When the old call's attempt is acknowledged
        boolean counted = tracker.acknowledge(old, 3);

        // Then the new assignment still waits for its own attempt
        assertThat(counted).isFalse();
        assertThat(tracker.committable(p0)).isEqualTo(3);
        assertThat(tracker.acknowledge(fresh, 3)).isTrue();
        assertThat(tracker.committable(p0)).isEqualTo(4);
    }
    @Test
    void shouldCommitPastATransactionMarkerOnceNothingIsPending() {
        // Given the last job of a transaction at offset 9 and the consumer positioned past its marker (11)
        PartitionOffsets token = tracker.track(p0, 9);
        tracker.positioned(p0, 11);

        // While the job is pending, the commit stays at it
        assertThat(tracker.committable(p0)).isEqualTo(9);

        // Once acknowledged, the commit reaches the position, so the group shows no lag
        tracker.acknowledge(token, 9);
        assertThat(tracker.takeCommittable()).containsEntry(p0, new OffsetAndMetadata(11));
    }

    @Test
    void shouldIgnoreThePositionOfAPartitionWithoutRecords() {
        tracker.positioned(p0, 42);

        assertThat(tracker.committable(p0)).isEqualTo(-1);
        assertThat(tracker.takeCommittable()).isEmpty();
    }
}
