package io.beacon.schemas.serde;

import io.beacon.schemas.registry.SchemaRegistryClient;
import io.beacon.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format into a specific record, resolving the writer's schema (looked up by
 * id) against the reader's, so records written with an older or newer compatible schema still decode.
 */
public final class WireFormatDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final SchemaRegistryClient registry;
    private final Class<T> type;
    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();

    public WireFormatDeserializer(SchemaRegistryClient registry, Class<T> type) {
        this.registry = registry;
        this.type = type;
        this.readerSchema = SpecificData.get().getSchema(type);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < WireFormat.HEADER_SIZE || data[0] != WireFormat.MAGIC_BYTE) {
            throw new SerializationException("record on topic " + topic + " is not in the schema-registry wire"
                    + " format (expected magic byte 0 and a 4-byte schema id, got " + data.length + " bytes"
                    + (data.length > 0 ? " starting with " + data[0] : "") + ")");
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        SpecificDatumReader<T> reader;
        try {
            reader = readers.computeIfAbsent(id, this::readerFor);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("record on topic " + topic + " names schema id " + id
                    + " which the registry cannot give: " + e.getMessage(), e);
        }
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE,
                    data.length - WireFormat.HEADER_SIZE, null);
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("record on topic " + topic + " has bytes left after a "
                        + readerSchema.getName() + " (schema id " + id + ")");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("record on topic " + topic + " is not a valid "
                    + readerSchema.getName() + " (schema id " + id + "): " + e, e);
        }
    }

    private SpecificDatumReader<T> readerFor(int id) {
        Schema writer = registry.getById(id);
        if (!writer.getFullName().equals(readerSchema.getFullName())
                && !readerSchema.getAliases().contains(writer.getFullName())) {
            throw new SchemaRegistryException("schema id " + id + " is a " + writer.getFullName()
                    + ", not a " + readerSchema.getFullName(), -1, -1);
        }
        return new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForClass(type));
    }
}
