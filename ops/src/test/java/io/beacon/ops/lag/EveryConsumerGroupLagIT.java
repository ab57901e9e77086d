package io.beacon.ops.lag;

import static io.beacon.ops.lag.KafkaClients.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.beacon.ops.metrics.OpsMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A runner's results consumer, a plain consumer group no pipeline setting names, is watched with no
 * configuration (discovering every group, as the router does by default), and hidden by an exclude pattern.
 */
class EveryConsumerGroupLagIT {

    private static final int RECORDS_PER_PARTITION = 10;
    /** What the runner commits on partitions 0 and 1: 6 records behind on partition 0, caught up on 1. */
    private static final long[] COMMITTED = {4, 10};

    @ParameterizedTest(name = "{0} protocol")
    @EnumSource(value = GroupType.class, names = {"CLASSIC", "CONSUMER"})
    void shouldReportTheLagAndStatusOfAResultsConsumerNoPipelineSettingNames(GroupType protocol) {
        // Given a results-like topic and a runner's consumer group that read it all but committed only part
        String topic = unique("inference-results");
        String runnerGroup = unique("runner-results");
        String routerGroup = unique("router-it");
        KafkaClients.createTopic(topic, 2);
        produce(topic);
        try (OpsMetrics metrics = OpsMetrics.create("router");
                Admin admin = KafkaClients.admin();
                LagMonitor monitor = LagMonitor.builder(admin).group(routerGroup, GroupRole.ROUTER)
                        .discover(GroupFilter.ALL).meterRegistry(metrics.registry()).build()) {
            try (KafkaConsumer<String, String> runner = consumer(runnerGroup, protocol)) {
                readAllAndCommitPart(runner, topic);

                // When the monitor, told only the pipeline's own group, polls
                GroupLag lag = awaitGroup(monitor, runnerGroup, g -> g.totalLag() == 6);

                // Then the runner's group is reported with its lag per partition and its status
                assertThat(lag.role()).isEqualTo(GroupRole.OTHER);
                assertThat(lag.partitions()).extracting(PartitionLag::topic, PartitionLag::partition,
                                PartitionLag::committedOffset, PartitionLag::endOffset, PartitionLag::lag)
                        .containsExactly(tuple(topic, 0, 4L, 10L, 6L),
                                tuple(topic, 1, 10L, 10L, 0L));
                assertThat(lag.status()).isEqualTo(LagStatus.OK);
                assertThat(monitor.report().group(routerGroup).orElseThrow().role()).isEqualTo(GroupRole.ROUTER);
                // and in the metrics
                String scrape = metrics.scrape(null);
                assertThat(scrape).contains("beacon_consumer_lag{application=\"router\",group=\"" + runnerGroup
                        + "\",partition=\"0\",topic=\"" + topic + "\"} 6.0");
                assertThat(scrape).contains("beacon_consumer_group_status{application=\"router\",group=\""
                        + runnerGroup + "\"} 0.0");
            }

            // When the runner stops with records left unread
            // Then its group is STOPPED: nobody consumes and lag is left
            awaitGroup(monitor, runnerGroup, g -> g.status() == LagStatus.STOPPED);
            assertThat(metrics.scrape(null)).contains("beacon_consumer_group_status{application=\"router\",group=\""
                    + runnerGroup + "\"} 3.0");

            // When the group is deleted
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    admin.deleteConsumerGroups(List.of(runnerGroup)).all().get());

            // Then it leaves the report and the metrics
            await().atMost(Duration.ofSeconds(30)).until(() -> monitor.poll().group(runnerGroup).isEmpty());
            assertThat(metrics.scrape(null)).doesNotContain("group=\"" + runnerGroup + "\"");
        }
    }

    @Test
    void shouldHideAGroupTheExcludePatternMatches() {
        // Given two runners' groups on a results-like topic, one of them matching the exclude pattern
        String topic = unique("inference-results");
        String hidden = unique("console-consumer");
        String shown = unique("runner-results");
        KafkaClients.createTopic(topic, 2);
        produce(topic);
        try (Admin admin = KafkaClients.admin();
                LagMonitor monitor = LagMonitor.builder(admin)
                        .discover(GroupFilter.of(".*", Pattern.quote(hidden) + "|unrelated-.*")).build();
                KafkaConsumer<String, String> hiddenConsumer = consumer(hidden, GroupType.CLASSIC);
                KafkaConsumer<String, String> shownConsumer = consumer(shown, GroupType.CLASSIC)) {
            readAllAndCommitPart(hiddenConsumer, topic);
            readAllAndCommitPart(shownConsumer, topic);

            // When the monitor reports the group it may show
            awaitGroup(monitor, shown, g -> g.totalLag() == 6);

            // Then the excluded group, which committed before it, is not there
            assertThat(monitor.report().groups()).extracting(GroupLag::group).doesNotContain(hidden);
            assertThat(admin.listGroups().all()).succeedsWithin(Duration.ofSeconds(10))
                    .satisfies(groups -> assertThat(groups).anyMatch(g -> g.groupId().equals(hidden)));
        }
    }

    private static void produce(String topic) {
        try (KafkaProducer<String, String> producer = KafkaClients.producer()) {
            for (int partition = 0; partition < COMMITTED.length; partition++) {
                for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                    producer.send(new ProducerRecord<>(topic, partition, "job-" + i, "result-" + i));
                }
            }
            producer.flush();
        }
    }

    /** Subscribes (a live member), reads every record, then commits {@link #COMMITTED}. */
    private static void readAllAndCommitPart(KafkaConsumer<String, String> consumer, String topic) {
        consumer.subscribe(List.of(topic));
        AtomicInteger received = new AtomicInteger();
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
            received.addAndGet(consumer.poll(Duration.ofMillis(200)).count());
            return received.get() >= RECORDS_PER_PARTITION * COMMITTED.length;
        });
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (int partition = 0; partition < COMMITTED.length; partition++) {
            commits.put(new TopicPartition(topic, partition), new OffsetAndMetadata(COMMITTED[partition]));
        }
        consumer.commitSync(commits);
    }

    private static GroupLag awaitGroup(LagMonitor monitor, String group,
                                       Predicate<GroupLag> condition) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> monitor.poll().group(group).orElse(null),
                g -> g != null && condition.test(g));
    }

    /** A plain consumer, as a runner would write it, on the classic or the consumer rebalance protocol. */
    private static KafkaConsumer<String, String> consumer(String group, GroupType protocol) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaClients.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.toString().toLowerCase(Locale.ROOT));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(props);
    }
}
