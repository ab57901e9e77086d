package io.beacon.ops.lag;

import static io.beacon.ops.lag.KafkaClients.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.ops.metrics.MetricsBinding;
import io.beacon.ops.metrics.OpsMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.tools.consumer.group.ConsumerGroupsTool;
import org.apache.kafka.tools.consumer.group.ConsumerGroupsTool.Row;
import org.junit.jupiter.api.Test;

/** The monitor's figures against those of Kafka's own {@code kafka-consumer-groups --describe}. */
class LagMonitorAgreesWithConsumerGroupsToolIT {

    private static final int PARTITIONS = 3;

    @Test
    void shouldReportTheSameOffsetsAndLagAsKafkaConsumerGroupsForEachPartition() throws Exception {
        // Given a topic whose partitions hold 10, 20 and 30 records
        String topic = unique("ops-agree");
        String group = unique("ops-agree-group");
        String absent = unique("ops-never-created");
        KafkaClients.createTopic(topic, PARTITIONS);
        int[] produced = {10, 20, 30};
        long[] committed = {4, 20, 11};
        try (OpsMetrics metrics = OpsMetrics.create("ops-it");
                KafkaProducer<String, String> producer = KafkaClients.producer();
                KafkaConsumer<String, String> consumer = KafkaClients.consumer(group, 500);
                Admin admin = KafkaClients.admin();
                MetricsBinding producerMetrics = metrics.bind(producer);
                MetricsBinding consumerMetrics = metrics.bind(consumer);
                MetricsBinding adminMetrics = metrics.bind(admin);
                LagMonitor monitor = LagMonitor.builder(admin).group(group).group(absent)
                        .pollInterval(Duration.ofMillis(500)).meterRegistry(metrics.registry()).build()) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                for (int i = 0; i < produced[partition]; i++) {
                    producer.send(new ProducerRecord<>(topic, partition, "key-" + i, "value-" + i));
                }
            }
            producer.flush();
            // and a live member of the group that read them all but committed only part
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return received.size() >= 60;
            });
            Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                commits.put(new TopicPartition(topic, partition), new OffsetAndMetadata(committed[partition]));
            }
            consumer.commitSync(commits);

            // When both tools look
            LagReport report = monitor.poll();
            List<Row> tool = ConsumerGroupsTool.describe(KafkaClients.bootstrapServers(), group);

            // Then they agree partition by partition
            GroupLag lag = report.group(group).orElseThrow();
            assertThat(tool).hasSize(PARTITIONS);
            assertThat(lag.partitions()).hasSize(PARTITIONS);
            for (Row row : tool) {
                PartitionLag ours = lag.partitions().get(row.partition());
                assertThat(ours.topic()).isEqualTo(row.topic());
                assertThat(ours.partition()).isEqualTo(row.partition());
                assertThat(ours.committedOffset()).isEqualTo(row.currentOffset().orElseThrow());
                assertThat(ours.endOffset()).isEqualTo(row.logEndOffset().orElseThrow());
                assertThat(ours.lag()).isEqualTo(row.lag().orElseThrow());
            }
            // and both match what the test produced and committed
            for (int partition = 0; partition < PARTITIONS; partition++) {
                assertThat(lag.partitions().get(partition).lag()).isEqualTo(produced[partition] - committed[partition]);
            }
            assertThat(lag.totalLag()).isEqualTo(tool.stream().mapToLong(r -> r.lag().orElseThrow()).sum());
            assertThat(report.group(absent).orElseThrow().status()).isEqualTo(LagStatus.UNKNOWN);
            String scrape = metrics.scrape(null);
            assertThat(scrape)
                    .contains("beacon_consumer_lag{application=\"ops-it\",group=\"" + group + "\",partition=\"2\","
                            + "topic=\"" + topic + "\"} " + (double) (produced[2] - committed[2]))
                    .contains("beacon_consumer_group_lag{application=\"ops-it\",group=\"" + group + "\"} "
                            + (double) lag.totalLag())
                    .contains("beacon_consumer_group_status{application=\"ops-it\",group=\"" + absent + "\"} -1.0")
                    // and the clients' own metrics are bound
                    .contains("kafka_producer_record_send_total{")
                    .contains("kafka_consumer_fetch_manager_records_consumed_total{")
                    .contains("kafka_admin_client_");
        }
    }

    @Test
    void shouldAgreeWithinOnePollWhileRecordsKeepArriving() throws Exception {
        // Given a group that committed 5 on every partition while a producer keeps writing
        String topic = unique("ops-agree-live");
        String group = unique("ops-agree-live-group");
        KafkaClients.createTopic(topic, PARTITIONS);
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        try (KafkaProducer<String, String> producer = KafkaClients.producer();
                Admin admin = KafkaClients.admin();
                LagMonitor monitor = LagMonitor.builder(admin).group(group).pollInterval(Duration.ofMillis(500))
                        .build()) {
            try {
                agreeWhileWriting(topic, group, producer, admin, monitor, writer);
            } finally {
                // Stop writing before the producer closes.
                writer.shutdownNow();
                writer.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void agreeWhileWriting(String topic, String group, KafkaProducer<String, String> producer,
            Admin admin, LagMonitor monitor, ScheduledExecutorService writer) throws Exception {
        for (int partition = 0; partition < PARTITIONS; partition++) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, partition, "k", "v"));
            }
        }
        producer.flush();
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            commits.put(new TopicPartition(topic, partition), new OffsetAndMetadata(5));
        }
        admin.alterConsumerGroupOffsets(group, commits).all().get(30, TimeUnit.SECONDS);
        AtomicLong sent = new AtomicLong();
        writer.scheduleAtFixedRate(() -> producer.send(new ProducerRecord<>(topic,
                (int) (sent.getAndIncrement() % PARTITIONS), "k", "v")), 0, 2, TimeUnit.MILLISECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() > 30);

        for (int round = 0; round < 3; round++) {
            // When the tool runs between two polls
            GroupLag before = monitor.poll().group(group).orElseThrow();
            List<Row> tool = ConsumerGroupsTool.describe(KafkaClients.bootstrapServers(), group);
            GroupLag after = monitor.poll().group(group).orElseThrow();

            // Then its figures lie between the two polls'
            assertThat(tool).hasSize(PARTITIONS);
            for (Row row : tool) {
                PartitionLag first = before.partitions().get(row.partition());
                PartitionLag second = after.partitions().get(row.partition());
                assertThat(row.currentOffset()).hasValue(first.committedOffset()).hasValue(second.committedOffset());
                assertThat(row.logEndOffset().orElseThrow())
                        .isBetween(first.endOffset(), second.endOffset());
                assertThat(row.lag().orElseThrow()).isBetween(first.lag(), second.lag());
            }
            assertThat(after.partitions()).allSatisfy(p -> assertThat(p.lag()).isPositive());
        }
    }
}
