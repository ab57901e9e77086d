package io.beacon.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.schemas.SampleRecords;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.topics.TopicNames;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** How the serializer gets its schema id, and what it says when the registry will not give one. */
class WireFormatSerializerTest {

    private static final String TOPIC = TopicNames.defaults().requests();
    private static final String SUBJECT = TOPIC + "-value";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void shouldSayWhyTheRegistryRefusedToRegisterTheSchema() {
        // Given the subject already holds a schema today's InferenceRequest cannot read (it has no model)
        Schema older = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"InferenceRequest\","
                + "\"namespace\":\"io.beacon.schemas.avro\",\"fields\":[{\"name\":\"job_id\",\"type\":\"string\"}]}");
        registry.register(SUBJECT, older);
        WireFormatSerializer<InferenceRequest> serializer = new WireFormatSerializer<>(registry, true);

        assertThatThrownBy(() -> serializer.serialize(TOPIC, SampleRecords.promptRequest()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot get a schema id for io.beacon.schemas.avro.InferenceRequest on topic "
                        + TOPIC)
                .hasMessageContaining("incompatible with an earlier schema for subject \"" + SUBJECT + "\"")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE");
    }

    @Test
    void shouldUseTheLatestRegisteredIdWhenNotAutoRegistering() {
        int id = registry.register(SUBJECT, InferenceRequest.getClassSchema());
        WireFormatSerializer<InferenceRequest> serializer = new WireFormatSerializer<>(registry, false);

        byte[] bytes = serializer.serialize(TOPIC, SampleRecords.promptRequest());

        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        assertThat(registry.versions(SUBJECT)).containsExactly(1);
    }

    @Test
    void shouldNameTheMissingSubjectWhenNotAutoRegistering() {
        WireFormatSerializer<InferenceRequest> serializer = new WireFormatSerializer<>(registry, false);

        assertThatThrownBy(() -> serializer.serialize(TOPIC, SampleRecords.promptRequest()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Subject '" + SUBJECT + "' not found");
    }
}
