package io.beacon.schemas.config;

import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Settings every Beacon process shares: where Kafka and the schema registry are, which serde to use
 * and what the topics are called. Each app's own config adds its settings to {@link #define(ConfigDef)}.
 */
public class CommonConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String SERDE_PROVIDER_CLASS = "serde.provider.class";

    public CommonConfig(ConfigDef definition, Map<?, ?> originals) {
        super(definition, originals, false);
    }

    /** Adds the shared settings to {@code definition} and returns it. */
    public static ConfigDef define(ConfigDef definition) {
        definition
                .define(BOOTSTRAP_SERVERS, Type.STRING, "", Importance.HIGH,
                        "Kafka bootstrap servers (host:port,...). Empty: the launcher starts an embedded"
                                + " single-node broker and uses it.")
                .define(SCHEMA_REGISTRY_URL, Type.STRING, "", Importance.HIGH,
                        "Confluent-compatible schema registry URL (Confluent, Karapace, Apicurio's"
                                + " /apis/ccompat/v7, Redpanda). 'mem://NAME' uses an in-process registry."
                                + " Empty: the launcher's embedded registry.")
                .define(SERDE_PROVIDER_CLASS, Type.CLASS, WireFormatSerdeProvider.class, Importance.MEDIUM,
                        "Class implementing io.beacon.schemas.serde.SerdeProvider that makes the value"
                                + " serdes; it receives every setting through configure().");
        TopicNames.define(definition);
        return definition;
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public String schemaRegistryUrl() {
        return getString(SCHEMA_REGISTRY_URL);
    }

    public TopicNames topicNames() {
        return TopicNames.from(this);
    }

    /** Settings for the Kafka clients: bootstrap servers plus every {@code kafka.}-prefixed setting. */
    public Map<String, Object> kafkaClientProperties() {
        Map<String, Object> props = ConfigLoader.kafkaPassthrough(originals());
        props.put(BOOTSTRAP_SERVERS, bootstrapServers());
        return props;
    }

    /** A new, configured instance of the chosen serde provider. */
    public SerdeProvider serdeProvider() {
        SerdeProvider provider = getConfiguredInstance(SERDE_PROVIDER_CLASS, SerdeProvider.class);
        return provider;
    }
}
