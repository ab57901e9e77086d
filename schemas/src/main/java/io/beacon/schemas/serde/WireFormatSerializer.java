package io.beacon.schemas.serde;

import io.beacon.schemas.registry.SchemaRegistryClient;
import io.beacon.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/** Writes a specific record in the Confluent wire format, registering (or looking up) its schema once per topic. */
public final class WireFormatSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final SchemaRegistryClient registry;
    private final boolean autoRegister;
    private final Map<String, Integer> idByTopic = new ConcurrentHashMap<>();

    public WireFormatSerializer(SchemaRegistryClient registry, boolean autoRegister) {
        this.registry = registry;
        this.autoRegister = autoRegister;
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        Integer id = idByTopic.get(topic);
        if (id == null) {
            // Not computeIfAbsent: registering may be an HTTP call, which must not run inside the map's lock.
            try {
                id = schemaId(topic, schema);
            } catch (SchemaRegistryException e) {
                throw new SerializationException("cannot get a schema id for " + schema.getFullName()
                        + " on topic " + topic + ": " + e.getMessage(), e);
            }
            idByTopic.putIfAbsent(topic, id);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(WireFormat.MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            @SuppressWarnings("unchecked")
            SpecificDatumWriter<T> writer = new SpecificDatumWriter<>((Class<T>) record.getClass());
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write " + schema.getFullName() + " for topic " + topic
                    + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private int schemaId(String topic, Schema schema) {
        String subject = WireFormat.valueSubject(topic);
        if (autoRegister) {
            return registry.register(subject, schema);
        }
        SchemaRegistryClient.RegisteredSchema latest = registry.latest(subject);
        return latest.id();
    }
}
