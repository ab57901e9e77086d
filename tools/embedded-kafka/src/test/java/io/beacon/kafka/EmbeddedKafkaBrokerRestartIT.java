package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker's life cycle: its data directory, restarts and closing. */
class EmbeddedKafkaBrokerRestartIT {

    private static final String SURVIVOR = "restart-it-survivor";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void shouldKeepTopicsAndRecordsWhenRestartedOnTheSameDataDirectory() throws Exception {
        // Given a broker on a data directory of ours, with a topic and a record
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().freePorts().dataDir(dataDir).build().start();
                TopicAdmin topics = new TopicAdmin(first.bootstrapServers());
                KafkaProducer<String, String> producer = TestClients.producer(first.bootstrapServers(), Map.of())) {
            topics.createTopics(List.of(new NewTopic(SURVIVOR, 1, (short) 1)), TIMEOUT);
            producer.send(new ProducerRecord<>(SURVIVOR, "job-3", "survives")).get();
        }
        String clusterIdBefore = clusterId(dataDir);
        assertThat(dataDir).isNotEmptyDirectory();

        // When a new broker is started on the same directory
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().freePorts().dataDir(dataDir).build().start();
                TopicAdmin topics = new TopicAdmin(second.bootstrapServers());
                KafkaConsumer<String, String> consumer =
                        TestClients.groupConsumer(second.bootstrapServers(), "restart-it-group", Map.of())) {

            // Then the directory was not formatted again (same cluster) and the topic and record are there
            assertThat(clusterId(dataDir)).isEqualTo(clusterIdBefore);
            assertThat(topics.listTopics(TIMEOUT)).contains(SURVIVOR);
            consumer.subscribe(List.of(SURVIVOR));
            List<ConsumerRecord<String, String>> received = TestClients.pollUntil(consumer, 1);
            assertThat(received).extracting(ConsumerRecord::value).containsExactly("survives");
        }
        // And a data directory we gave it is ours: closing leaves it in place
        assertThat(dataDir).isNotEmptyDirectory();
    }

    @Test
    void shouldDeleteItsOwnTemporaryDirectoryAndTolerateASecondClose() {
        // Given a running broker with a temporary data directory of its own
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().freePorts().build().start();
        Path ownDir = broker.dataDir();
        assertThat(ownDir.resolve(EmbeddedKafkaBroker.META_PROPERTIES)).exists();

        // When it is closed twice
        broker.close();
        broker.close();

        // Then it is stopped and its directory is gone
        assertThat(broker.isRunning()).isFalse();
        assertThat(ownDir).doesNotExist();
    }

    @Test
    void shouldGiveUpWithAClearErrorAndCleanUpWhenTheBrokerIsNotReadyInTime() {
        // Given a broker allowed less time than Kafka needs to start
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().freePorts()
                .startupTimeout(Duration.ofMillis(1)).build();

        // When it is started / Then it says it ran out of time, and where the broker was
        assertThatThrownBy(broker::start).isInstanceOf(BrokerStartException.class)
                .hasMessageStartingWith("embedded Kafka broker at 127.0.0.1:")
                .hasMessageContaining("was not ready within its startup timeout of PT0.001S");
        // And it stopped what it started and removed its temporary directory
        assertThat(broker.isRunning()).isFalse();
        assertThat(broker.dataDir()).doesNotExist();
    }

    private static String clusterId(Path logDir) throws IOException {
        Properties meta = new Properties();
        try (Reader reader = Files.newBufferedReader(logDir.resolve(EmbeddedKafkaBroker.META_PROPERTIES))) {
            meta.load(reader);
        }
        return meta.getProperty("cluster.id");
    }
}
