package io.beacon.workers.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeploymentLaneTest {

    @Test
    void shouldRunAtMostCapacityCallsAndStartTheNextWhenOneFinishes() {
        DeploymentLane lane = new DeploymentLane("d1", 2);
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        AtomicInteger started = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            lane.submit(() -> {
                started.incrementAndGet();
                CompletableFuture<Void> call = new CompletableFuture<>();
                calls.add(call);
                return call;
            });
        }

        assertThat(started).hasValue(2);
        assertThat(lane.inFlight()).isEqualTo(2);
        assertThat(lane.queued()).isEqualTo(3);

        calls.get(0).complete(null);
        assertThat(started).hasValue(3);
        assertThat(lane.inFlight()).isEqualTo(2);
        assertThat(lane.queued()).isEqualTo(2);
    }

    @Test
    void shouldNotGrowTheStackWhenManyQueuedCallsFinishAtOnce() {
        DeploymentLane lane = new DeploymentLane("d1", 1);
        CompletableFuture<Void> first = new CompletableFuture<>();
        lane.submit(() -> first);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 50_000; i++) {
            lane.submit(() -> {
                ran.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            });
        }

        first.complete(null);

        assertThat(ran).hasValue(50_000);
        assertThat(lane.inFlight()).isZero();
    }

    @Test
    void shouldDropQueuedCallsAndRefuseNewOnesOnceClosed() {
        DeploymentLane lane = new DeploymentLane("d1", 1);
        CompletableFuture<Void> running = new CompletableFuture<>();
        lane.submit(() -> running);
        lane.submit(CompletableFuture::new);

        assertThat(lane.close()).isEqualTo(1);
        assertThat(lane.submit(CompletableFuture::new)).isFalse();
        running.complete(null);
        assertThat(lane.inFlight()).isZero();
    }

    @Test
    void shouldReleaseTheSlotWhenACallFailsToStart() {
        DeploymentLane lane = new DeploymentLane("d1", 1);
        lane.submit(() -> {
            throw new IllegalStateException("boom");
        });
        assertThat(lane.inFlight()).isZero();
    }
}
