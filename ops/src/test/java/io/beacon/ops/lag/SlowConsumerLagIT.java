package io.beacon.ops.lag;

import static io.beacon.ops.lag.KafkaClients.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** A worker group that falls behind its producer, then catches up. */
class SlowConsumerLagIT {

    /** Reads one record per tick while slow, everything there is while fast; commits after each tick. */
    private static final class Worker implements Runnable {

        private final KafkaConsumer<String, String> consumer;
        private volatile boolean fast;

        Worker(KafkaConsumer<String, String> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void run() {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(20));
            while (fast && !records.isEmpty()) {
                records = consumer.poll(Duration.ofMillis(20));
            }
            consumer.commitSync();
        }
    }

    @Test
    void shouldShowLagSecondsRisingAndTheGroupLeavingOkWhileItsConsumerIsSlowThenOkOnceCaughtUp() throws Exception {
        // Given a worker group that reads 1 record per 100 ms from a topic written at ~200 records/s
        String topic = unique("ops-slow");
        String group = unique("ops-slow-worker");
        KafkaClients.createTopic(topic, 1);
        List<LagReport> reports = new CopyOnWriteArrayList<>();
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, String> producer = KafkaClients.producer();
                KafkaConsumer<String, String> consumer = KafkaClients.consumer(group, 1);
                Admin admin = KafkaClients.admin();
                LagMonitor monitor = LagMonitor.builder(admin).group(group).pollInterval(Duration.ofMillis(250))
                        .window(4).build()) {
            try {
                Worker worker = new Worker(consumer);
                reader.execute(() -> consumer.subscribe(List.of(topic)));
                writer.scheduleAtFixedRate(() -> producer.send(new ProducerRecord<>(topic, "k", "v")),
                        0, 5, TimeUnit.MILLISECONDS);
                reader.scheduleWithFixedDelay(worker, 0, 100, TimeUnit.MILLISECONDS);
                monitor.addListener(reports::add);
                monitor.start();

                // When the worker falls behind
                await().atMost(Duration.ofSeconds(20)).until(() -> behindFor(reports, group, 5));

                // Then its lag in seconds rose at every poll and its status left OK
                List<GroupLag> slow = reports.stream().map(r -> r.group(group).orElseThrow()).toList();
                List<Double> lastSeconds = slow.subList(slow.size() - 5, slow.size()).stream()
                        .map(GroupLag::maxLagSeconds).toList();
                assertThat(lastSeconds).isSortedAccordingTo(Double::compare).doesNotHaveDuplicates();
                assertThat(lastSeconds.get(4)).isGreaterThan(lastSeconds.get(0));
                GroupLag latest = slow.get(slow.size() - 1);
                assertThat(latest.status()).isIn(LagStatus.WARNING, LagStatus.STALLED);
                assertThat(latest.totalLag()).isPositive();
                assertThat(latest.history()).isNotEmpty();

                // When the producer stops and the worker speeds up
                writer.shutdownNow();
                assertThat(writer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                worker.fast = true;

                // Then the group is caught up and OK again
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    GroupLag now = monitor.report().group(group).orElseThrow();
                    assertThat(now.totalLag()).isZero();
                    assertThat(now.maxLagSeconds()).isZero();
                    assertThat(now.status()).isEqualTo(LagStatus.OK);
                });
            } finally {
                writer.shutdownNow();
                reader.shutdownNow();
                writer.awaitTermination(10, TimeUnit.SECONDS);
                reader.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The last {@code polls} reports all show the group behind, with lag. */
    private static boolean behindFor(List<LagReport> reports, String group, int polls) {
        if (reports.size() < polls) {
            return false;
        }
        return reports.subList(reports.size() - polls, reports.size()).stream()
                .map(r -> r.group(group).orElseThrow())
                .allMatch(g -> g.status().isBehind() && g.totalLag() > 0);
    }
}
