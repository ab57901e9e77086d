package io.beacon.schemas.serde;

import java.io.Closeable;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.serialization.Serde;

/**
 * Makes the value serdes of Beacon's Avro records. The default, {@link WireFormatSerdeProvider}, writes
 * the Confluent wire format through a schema registry; a user can plug in another (for example one that
 * wraps Confluent's own {@code SpecificAvroSerde}) with the {@code serde.provider.class} setting.
 *
 * <p>{@link #configure(Map)} receives every Beacon setting ({@code schema.registry.url} and the rest)
 * before the first call to {@link #valueSerde(Class)}.
 */
public interface SerdeProvider extends Configurable, Closeable {

    /** A serde for values of {@code type}, ready to use (already configured for values). */
    <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type);

    /**
     * Makes {@code type}'s schema known for values of {@code topic} before any record is written, so a
     * client in another language that encodes with the latest registered schema finds it (a registry
     * serde registers it; others may do nothing).
     */
    default void prepare(String topic, Class<? extends SpecificRecord> type) {
    }

    @Override
    default void close() {
    }
}
