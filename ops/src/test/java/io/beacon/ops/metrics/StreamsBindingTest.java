package io.beacon.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamsBindingTest {

    @TempDir
    Path stateDir;

    @Test
    void shouldBindAndUnbindAKafkaStreamsInstancesMetrics() {
        // Given a Kafka Streams instance (never started, so no broker is needed)
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in").to("out");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ops-streams-binding-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        try (OpsMetrics metrics = OpsMetrics.create("router")) {
            // When
            MetricsBinding binding = StreamsBinding.bind(metrics, streams);

            // Then
            assertThat(metrics.scrape(null)).contains("kafka_stream_alive_stream_threads{application=\"router\"");
            binding.close();
            assertThat(metrics.scrape(null)).doesNotContain("kafka_stream_alive_stream_threads");
        } finally {
            streams.close(Duration.ofSeconds(10));
        }
    }
}
