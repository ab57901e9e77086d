package io.beacon.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.schemas.SampleRecords;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.topics.TopicNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** What the deserializer does with bytes it cannot trust, and with records written by other schema versions. */
class WireFormatDeserializerTest {

    private static final String TOPIC = TopicNames.defaults().requests();
    private static final String SUBJECT = TOPIC + "-value";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final WireFormatSerializer<InferenceRequest> serializer = new WireFormatSerializer<>(registry, true);
    private final WireFormatDeserializer<InferenceRequest> deserializer =
            new WireFormatDeserializer<>(registry, InferenceRequest.class);

    @Test
    void shouldRefuseBytesThatDoNotStartWithTheMagicByte() {
        byte[] json = "{\"job_id\":\"job-1\"}".getBytes();

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, json))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("record on topic inference-requests is not in the schema-registry wire format")
                .hasMessageContaining("first byte is 0x7b, not the magic byte 0");
    }

    @Test
    void shouldRefuseBytesTooShortForTheHeader() {
        byte[] shortRecord = {0, 0, 0};

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, shortRecord))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("is too short for the schema-registry wire format: 3 bytes")
                .hasMessageContaining("takes 5");
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[0]))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("0 bytes");
    }

    @Test
    void shouldNameAnUnknownSchemaId() {
        byte[] framed = frame(999, new byte[] {2, 'x'});

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, framed))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("names schema id 999, which the registry cannot give")
                .hasMessageContaining("Schema 999 not found");
    }

    @Test
    void shouldRefuseBytesLeftAfterTheRecord() {
        byte[] valid = serializer.serialize(TOPIC, SampleRecords.chatRequest());
        byte[] withTrailer = Arrays.copyOf(valid, valid.length + 2);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, withTrailer))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("has bytes left after a whole InferenceRequest (schema id 1)");
    }

    @Test
    void shouldRefuseATruncatedRecord() {
        byte[] valid = serializer.serialize(TOPIC, SampleRecords.chatRequest());
        byte[] truncated = Arrays.copyOf(valid, valid.length / 2);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, truncated))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("ends before a whole InferenceRequest (schema id 1, " + truncated.length + " bytes)");
    }

    @Test
    void shouldRefuseASchemaIdThatNamesAnotherRecordType() {
        int statusId = registry.register("provider-status-value", ProviderStatus.getClassSchema());
        byte[] framed = frame(statusId, new byte[] {2, 'x'});

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, framed))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("which is a io.beacon.schemas.avro.ProviderStatus, not a"
                        + " io.beacon.schemas.avro.InferenceRequest");
    }

    @Test
    void shouldFillDefaultsWhenReadingARecordWrittenWithAnOlderSchema() throws IOException {
        // Given a previous InferenceRequest that had no provider preference, fallback flag or metadata
        Schema previous = withoutFields(InferenceRequest.getClassSchema(),
                Set.of("provider_preference", "allow_fallbacks", "metadata"));
        int previousId = registry.register(SUBJECT, previous);
        GenericRecord written = new GenericRecordBuilder(previous)
                .set("job_id", "job-old")
                .set("model", "llama3.2:1b")
                .set("prompt", "Say hello.")
                .set("region_preference", "eu-central-1")
                .set("created_at", SampleRecords.CREATED_AT.toEpochMilli())
                .build();

        // When today's reader reads it
        InferenceRequest read = deserializer.deserialize(TOPIC, frame(previousId, avro(previous, written)));

        // Then the fields it had are kept and the new ones take their defaults
        assertThat(read.getJobId()).isEqualTo("job-old");
        assertThat(read.getRegionPreference()).isEqualTo("eu-central-1");
        assertThat(read.getCreatedAt()).isEqualTo(SampleRecords.CREATED_AT);
        assertThat(read.getProviderPreference()).isEmpty();
        assertThat(read.getAllowFallbacks()).isTrue();
        assertThat(read.getMetadata()).isEmpty();
        assertThat(read.getMaxTokens()).isEqualTo(512);
    }

    @Test
    void shouldIgnoreFieldsAndMapUnknownEnumSymbolsWhenReadingARecordWrittenWithANewerSchema() throws IOException {
        // Given a future InferenceRequest with an extra field and an extra provider kind
        ObjectNode json = (ObjectNode) JSON.readTree(InferenceRequest.getClassSchema().toString());
        ArrayNode fields = (ArrayNode) json.get("fields");
        fields.addObject().put("name", "tenant").put("type", "string").put("doc", "Who pays.").put("default", "");
        ObjectNode providerKind = (ObjectNode) findField(fields, "provider_preference").get("type").get("items");
        ((ArrayNode) providerKind.get("symbols")).add("LAMBDA");
        Schema future = new Schema.Parser().parse(json.toString());
        int futureId = registry.register("future-value", future);
        GenericRecord written = new GenericRecordBuilder(future)
                .set("job_id", "job-new")
                .set("model", "llama3.2:1b")
                .set("provider_preference", List.of(
                        new GenericData.EnumSymbol(providerKind(future), "LAMBDA"),
                        new GenericData.EnumSymbol(providerKind(future), "MODAL")))
                .set("created_at", SampleRecords.CREATED_AT.toEpochMilli())
                .set("tenant", "acme")
                .build();

        // When today's reader reads it
        InferenceRequest read = deserializer.deserialize(TOPIC, frame(futureId, avro(future, written)));

        // Then the unknown field is skipped and the unknown symbol becomes the enum's default
        assertThat(read.getJobId()).isEqualTo("job-new");
        assertThat(read.getProviderPreference()).containsExactly(ProviderKind.UNKNOWN, ProviderKind.MODAL);
    }

    private static Schema providerKind(Schema request) {
        return request.getField("provider_preference").schema().getElementType();
    }

    private static ObjectNode findField(ArrayNode fields, String name) {
        for (var field : fields) {
            if (field.get("name").asText().equals(name)) {
                return (ObjectNode) field;
            }
        }
        throw new IllegalArgumentException("no field " + name);
    }

    private static Schema withoutFields(Schema schema, Set<String> names) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(schema.toString());
        ArrayNode fields = (ArrayNode) json.get("fields");
        for (int i = fields.size() - 1; i >= 0; i--) {
            if (names.contains(fields.get(i).get("name").asText())) {
                fields.remove(i);
            }
        }
        return new Schema.Parser().parse(json.toString());
    }

    private static byte[] avro(Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static byte[] frame(int schemaId, byte[] avro) {
        return ByteBuffer.allocate(5 + avro.length).put((byte) 0).putInt(schemaId).put(avro).array();
    }
}
