package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three-node cluster harness: three node JVMs form one KRaft cluster, a topic gets three replicas and
 * min.insync.replicas 2, and an idempotent acks=all producer loses and doubles nothing while the leader of
 * its partition is killed with SIGKILL and started again.
 */
class KafkaClusterIT {

    private static final String TOPIC = "cluster-it-jobs";
    private static final int BATCH = 400;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static KafkaCluster cluster;
    private static Admin admin;

    @BeforeAll
    static void startCluster() {
        cluster = KafkaCluster.builder().nodes(3).freePorts().build().start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }

    @AfterAll
    static void stopCluster() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldKeepEveryAcknowledgedRecordOnceWhenTheLeaderIsKilledAndRestarted() throws Exception {
        // Given three nodes, each its own process with its own ports and directory, all registered
        assertThat(cluster.nodeIds()).containsExactly(1, 2, 3);
        assertThat(cluster.nodeIds().stream().map(cluster::pid).collect(Collectors.toSet())).hasSize(3);
        assertThat(cluster.nodeIds().stream().map(cluster::brokerPort).collect(Collectors.toSet())).hasSize(3);
        assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).extracting(Node::id)
                .containsExactlyInAnyOrder(1, 2, 3);
        // And a topic created without saying more gets three replicas and min.insync.replicas 2
        try (TopicAdmin topics = new TopicAdmin(cluster.bootstrapServers())) {
            topics.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 3)), TIMEOUT);
        }
        TopicDescription description = admin.describeTopics(Set.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(TOPIC);
        assertThat(description.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
        Config config = admin.describeConfigs(Set.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC)))
                .all().get(30, TimeUnit.SECONDS).values().iterator().next();
        assertThat(config.get("min.insync.replicas").value()).isEqualTo("2");

        Collection<String> acknowledged = new ConcurrentLinkedQueue<>();
        Collection<Exception> failures = new ConcurrentLinkedQueue<>();
        try (KafkaProducer<String, String> producer = TestClients.producer(cluster.bootstrapServers(),
                Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5))) {
            // When a batch is written, the leader of partition 0 is killed with SIGKILL, another batch is
            // written while it is down, it is restarted and has caught up, and a last batch is written
            sendBatch(producer, 0, acknowledged, failures);
            int victim = cluster.leaderOf(TOPIC, 0);
            long victimPid = cluster.pid(victim);
            cluster.kill(victim);
            assertThat(cluster.isRunning(victim)).isFalse();
            assertThat(ProcessHandle.of(victimPid)).isEmpty();
            sendBatch(producer, 1, acknowledged, failures);
            assertThat(cluster.leaderOf(TOPIC, 0)).isNotEqualTo(victim);

            cluster.restart(victim, TIMEOUT);
            cluster.awaitInSync(TIMEOUT);
            sendBatch(producer, 2, acknowledged, failures);
        }

        // Then every write was acknowledged, and a reader finds each exactly once: nothing lost, nothing doubled
        assertThat(failures).isEmpty();
        assertThat(acknowledged).hasSize(3 * BATCH);
        List<ConsumerRecord<String, String>> read;
        try (KafkaConsumer<String, String> consumer = TestClients.groupConsumer(cluster.bootstrapServers(),
                "cluster-it-reader", Map.of())) {
            consumer.subscribe(List.of(TOPIC));
            read = TestClients.pollUntil(consumer, 3 * BATCH);
        }
        Map<String, Long> copies = read.stream().collect(Collectors.groupingBy(ConsumerRecord::value,
                Collectors.counting()));
        assertThat(copies.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
        assertThat(copies.values()).allMatch(count -> count == 1);
        // And the restarted node holds a replica of every partition in sync again
        assertThat(admin.describeTopics(Set.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS).get(TOPIC)
                .partitions()).allSatisfy(p -> assertThat(p.isr()).hasSize(3));
    }

    /** Sends one batch without waiting between records and returns once every send has completed. */
    private static void sendBatch(KafkaProducer<String, String> producer, int batch, Collection<String> acknowledged,
            Collection<Exception> failures) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            values.add("b" + batch + "-" + i);
        }
        Function<String, String> key = value -> "job-" + value.hashCode() % 97;
        for (String value : values) {
            producer.send(new ProducerRecord<>(TOPIC, key.apply(value), value), (metadata, error) -> {
                if (error != null) {
                    failures.add(error);
                } else {
                    acknowledged.add(value);
                }
            });
        }
        producer.flush();
    }
}
