package io.beacon.schemas.serde;

import io.beacon.schemas.registry.SchemaRegistryClient;
import io.beacon.schemas.registry.SchemaRegistryClients;
import java.util.Map;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The default {@link SerdeProvider}: Avro in the Confluent wire format (magic byte 0, 4-byte big-endian
 * schema id, Avro binary), with schemas registered under the topic-name strategy's subject
 * ({@code <topic>-value}).
 *
 * <p>Settings: {@code schema.registry.url} (required; {@code mem://NAME} for an in-process registry),
 * {@code auto.register.schemas} (default true), and for HTTP registries {@code basic.auth.user.info}.
 */
public class WireFormatSerdeProvider implements SerdeProvider {

    public static final String AUTO_REGISTER = "auto.register.schemas";

    private SchemaRegistryClient registry;
    private boolean autoRegister = true;

    @Override
    public void configure(Map<String, ?> configs) {
        this.registry = SchemaRegistryClients.create(configs);
        Object auto = configs.get(AUTO_REGISTER);
        this.autoRegister = auto == null || Boolean.parseBoolean(auto.toString());
    }

    /** Uses {@code registry} directly (tests, embedded default). */
    public WireFormatSerdeProvider withRegistry(SchemaRegistryClient registry) {
        this.registry = registry;
        return this;
    }

    @Override
    public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
        if (registry == null) {
            throw new IllegalStateException("WireFormatSerdeProvider is not configured: set schema.registry.url");
        }
        return Serdes.serdeFrom(new WireFormatSerializer<>(registry, autoRegister),
                new WireFormatDeserializer<>(registry, type));
    }

    @Override
    public void prepare(String topic, Class<? extends SpecificRecord> type) {
        if (registry != null && autoRegister) {
            registry.register(WireFormat.valueSubject(topic), SpecificData.get().getSchema(type));
        }
    }

    @Override
    public void close() {
        if (registry != null) {
            registry.close();
        }
    }
}
