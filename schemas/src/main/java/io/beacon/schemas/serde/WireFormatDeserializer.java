package io.beacon.schemas.serde;

import io.beacon.schemas.registry.SchemaRegistryClient;
import io.beacon.schemas.registry.SchemaRegistryException;
import java.io.EOFException;
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
        if (data.length > 0 && data[0] != WireFormat.MAGIC_BYTE) {
            throw new SerializationException("record on topic " + topic + " is not in the schema-registry wire"
                    + " format: its first byte is " + String.format("0x%02x", data[0] & 0xff) + ", not the magic"
                    + " byte 0 (was it written without a schema-registry serializer, e.g. as JSON or plain Avro?)");
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new SerializationException("record on topic " + topic + " is too short for the schema-registry"
                    + " wire format: " + data.length + " bytes, but the header alone (magic byte 0 and a 4-byte"
                    + " schema id) takes " + WireFormat.HEADER_SIZE);
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        SpecificDatumReader<T> reader = reader(topic, id);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE,
                data.length - WireFormat.HEADER_SIZE, null);
        T value;
        try {
            value = reader.read(null, decoder);
        } catch (EOFException e) {
            throw new SerializationException("record on topic " + topic + " ends before a whole "
                    + readerSchema.getName() + " (schema id " + id + ", " + data.length + " bytes): truncated?", e);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("record on topic " + topic + " is not a valid "
                    + readerSchema.getName() + " (schema id " + id + "): " + e, e);
        }
        boolean atEnd;
        try {
            atEnd = decoder.isEnd();
        } catch (IOException e) {
            atEnd = false;
        }
        if (!atEnd) {
            throw new SerializationException("record on topic " + topic + " has bytes left after a whole "
                    + readerSchema.getName() + " (schema id " + id + "): the bytes do not match the writer's"
                    + " schema, or something was appended");
        }
        return value;
    }

    private SpecificDatumReader<T> reader(String topic, int id) {
        SpecificDatumReader<T> cached = readers.get(id);
        if (cached != null) {
            return cached;
        }
        // Not computeIfAbsent: the look-up may be an HTTP call, which must not run inside the map's lock.
        Schema writer;
        try {
            writer = registry.getById(id);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("record on topic " + topic + " names schema id " + id
                    + ", which the registry cannot give: " + e.getMessage(), e);
        }
        if (!writer.getFullName().equals(readerSchema.getFullName())
                && !readerSchema.getAliases().contains(writer.getFullName())) {
            throw new SerializationException("record on topic " + topic + " names schema id " + id + ", which is a "
                    + writer.getFullName() + ", not a " + readerSchema.getFullName() + ": wrong topic or wrong type?");
        }
        SpecificDatumReader<T> created = new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForClass(type));
        SpecificDatumReader<T> raced = readers.putIfAbsent(id, created);
        return raced != null ? raced : created;
    }
}
