package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TopicAdmin against the shared broker, as other modules' integration tests will use them together. */
class TopicAdminIT {

    private static final String JOBS = "topic-admin-it-jobs";
    private static final String RESULTS = "topic-admin-it-results";
    private static final String DOOMED = "topic-admin-it-doomed";
    private static final String TOO_MANY_REPLICAS = "topic-admin-it-too-many-replicas";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static TopicAdmin topics;

    @BeforeAll
    static void connect() {
        topics = new TopicAdmin(SharedBroker.bootstrapServers(), Map.of(AdminClientConfig.CLIENT_ID_CONFIG,
                "topic-admin-it"));
    }

    @AfterAll
    static void disconnect() {
        topics.close();
    }

    @Test
    void shouldCreateTopicsWithLedPartitionsAndLeaveThemAloneWhenAskedAgain() throws Exception {
        // Given topics that do not exist yet
        List<NewTopic> wanted = List.of(new NewTopic(JOBS, 3, (short) 1), new NewTopic(RESULTS, 1, (short) 1));

        // When they are created twice
        topics.createTopics(wanted, TIMEOUT);
        assertThatCode(() -> topics.createTopics(wanted, TIMEOUT)).doesNotThrowAnyException();

        // Then they exist once, with every partition led
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedBroker.bootstrapServers()))) {
            Map<String, TopicDescription> described = admin.describeTopics(List.of(JOBS, RESULTS))
                    .allTopicNames().get();
            assertThat(described.get(JOBS).partitions()).hasSize(3)
                    .allSatisfy(partition -> assertThat(partition.leader().isEmpty()).isFalse());
            assertThat(described.get(RESULTS).partitions()).hasSize(1);
        }
    }

    @Test
    void shouldLeaveNewTopicsReadyForAnIdempotentProducerThatWritesAtOnce() throws Exception {
        // Given topics an idempotent producer writes to the moment they are created, five batches in
        // flight per partition (before KAFKA-15591's fix a batch refused while the leader was still taking
        // the partition over was lost once a later batch had landed)
        int topicCount = 12;
        int partitions = 3;
        int recordsPerTopic = 300;
        Map<String, Object> producerProps = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.BATCH_SIZE_CONFIG, 64,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        List<String> names = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                new StringSerializer())) {
            for (int t = 0; t < topicCount; t++) {
                String name = "topic-admin-it-write-at-once-" + t;
                names.add(name);

                // When each is created and written at once
                topics.createTopics(List.of(new NewTopic(name, partitions, (short) 1)), TIMEOUT);
                List<Future<?>> sends = new ArrayList<>();
                for (int i = 0; i < recordsPerTopic; i++) {
                    sends.add(producer.send(new ProducerRecord<>(name, i % partitions, "k" + i, "v" + i)));
                }
                producer.flush();
                for (Future<?> send : sends) {
                    send.get();
                }
            }
        }

        // Then every record of every topic is in its log
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedBroker.bootstrapServers()))) {
            for (String name : names) {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (int p = 0; p < partitions; p++) {
                    latest.put(new TopicPartition(name, p), OffsetSpec.latest());
                }
                long total = admin.listOffsets(latest).all().get().values().stream()
                        .mapToLong(info -> info.offset()).sum();
                assertThat(total).as("records in %s", name).isEqualTo(recordsPerTopic);
            }
            topics.deleteTopics(names, TIMEOUT);
        }
    }

    @Test
    void shouldDeleteTopicsSoTheyAreNoLongerListedAndIgnoreOnesThatDoNotExist() {
        // Given a topic
        topics.createTopics(List.of(new NewTopic(DOOMED, 1, (short) 1)), TIMEOUT);

        // When it is deleted, along with one that never existed
        topics.deleteTopics(List.of(DOOMED, "topic-admin-it-never-existed"), TIMEOUT);

        // Then it is no longer listed
        assertThat(topics.listTopics(TIMEOUT)).doesNotContain(DOOMED);
    }

    @Test
    void shouldReportATopicTheClusterRefusesNamingIt() {
        // Given a topic wanting more replicas than the one-node cluster has
        List<NewTopic> impossible = List.of(new NewTopic(TOO_MANY_REPLICAS, 1, (short) 3));

        // When / Then
        assertThatThrownBy(() -> topics.createTopics(impossible, TIMEOUT)).isInstanceOf(KafkaException.class)
                .hasMessageContaining(TOO_MANY_REPLICAS).hasMessageContaining("replication factor");
    }
}
