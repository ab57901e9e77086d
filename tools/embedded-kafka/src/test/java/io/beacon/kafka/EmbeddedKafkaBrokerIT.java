package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker of its own, on free ports, proving the one-node settings: consumer groups need the offsets
 * topic and transactions need the transaction log, both of which Kafka would otherwise give 3 replicas.
 */
class EmbeddedKafkaBrokerIT {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBrokerIT.class);
    private static final String ORDERS = "broker-it-orders";
    private static final String PAYMENTS = "broker-it-payments";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        long startNanos = System.nanoTime();
        broker = EmbeddedKafkaBroker.builder().freePorts().build().start();
        LOG.info("Broker start-up measured by the test: {} ms",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        try (TopicAdmin topics = new TopicAdmin(broker.bootstrapServers())) {
            topics.createTopics(List.of(new NewTopic(ORDERS, 1, (short) 1), new NewTopic(PAYMENTS, 1, (short) 1)),
                    TIMEOUT);
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void shouldDeliverARecordProducedWithAcksAllToAConsumerGroupAndKeepItsCommittedOffset() throws Exception {
        // Given a record written with acks=all
        try (KafkaProducer<String, String> producer = TestClients.producer(broker.bootstrapServers(), Map.of())) {
            RecordMetadata written = producer.send(new ProducerRecord<>(ORDERS, "job-1", "route me")).get();
            assertThat(written.offset()).isZero();
        }

        // When a consumer group reads it and commits
        try (KafkaConsumer<String, String> consumer =
                TestClients.groupConsumer(broker.bootstrapServers(), "broker-it-group", Map.of())) {
            consumer.subscribe(List.of(ORDERS));
            List<ConsumerRecord<String, String>> received = TestClients.pollUntil(consumer, 1);
            consumer.commitSync();

            // Then the group got the record
            assertThat(received).extracting(ConsumerRecord::key, ConsumerRecord::value)
                    .containsExactly(tuple("job-1", "route me"));
        }
        // And the broker kept the group's offset in its offsets topic
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets("broker-it-group").partitionsToOffsetAndMetadata().get();
            assertThat(committed).containsKey(new TopicPartition(ORDERS, 0));
            assertThat(committed.get(new TopicPartition(ORDERS, 0)).offset()).isEqualTo(1);
        }
    }

    @Test
    void shouldShowOnlyCommittedTransactionsToAReadCommittedConsumer() {
        // Given a transactional producer that aborts one transaction and commits the next
        try (KafkaProducer<String, String> producer = TestClients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "broker-it-tx"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(PAYMENTS, "job-2", "aborted"));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(PAYMENTS, "job-2", "committed"));
            producer.commitTransaction();
        }

        // When a read_committed consumer group reads the topic
        try (KafkaConsumer<String, String> consumer = TestClients.groupConsumer(broker.bootstrapServers(),
                "broker-it-tx-group", Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.subscribe(List.of(PAYMENTS));
            List<ConsumerRecord<String, String>> received = TestClients.pollUntil(consumer, 1);

            // Then it sees the committed record only (the aborted one is earlier in the log)
            assertThat(received).extracting(ConsumerRecord::value).containsExactly("committed");
        }
    }

    @Test
    void shouldRefuseASecondBrokerOnAPortTheFirstOneHolds() {
        // Given a second broker told to use the running broker's port
        EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder()
                .brokerPort(broker.brokerPort()).controllerPort(EmbeddedKafkaBroker.FREE_PORT).build();

        // When it starts / Then it fails before starting Kafka, saying which setting to change
        assertThatThrownBy(second::start).isInstanceOf(PortInUseException.class)
                .hasMessage("port " + broker.brokerPort() + " on 127.0.0.1 is already in use (setting: broker.port);"
                        + " stop what holds it or choose another port");
        assertThat(second.isRunning()).isFalse();
        // And the first broker is unaffected
        assertThat(broker.isRunning()).isTrue();
    }
}
