package io.beacon.ops.metrics;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Binds a Kafka Streams instance's metrics ({@code kafka_stream_*} and those of its clients) to an
 * {@link OpsMetrics}. It is the only class here that names a Kafka Streams type, and {@link OpsMetrics}
 * does not refer to it, so a worker (which has no kafka-streams jar) never loads one, not even when
 * something reflects over {@link OpsMetrics}' methods. Not an overload of {@code OpsMetrics.bind} for the
 * same reason at compile time: javac needs every overload's parameter types to pick one.
 */
public final class StreamsBinding {

    private StreamsBinding() {
    }

    /** Binds {@code streams}' metrics to {@code metrics}' registry until the returned binding is closed. */
    public static MetricsBinding bind(OpsMetrics metrics, KafkaStreams streams) {
        KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams, Tags.empty(), metrics.kafkaMetricsRefresh());
        binder.bindTo(metrics.registry());
        return binder::close;
    }
}
