package io.beacon.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.SampleRecords;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.registry.SchemaRegistryClient.RegisteredSchema;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.TopicSpec;
import io.beacon.schemas.topics.Topics;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every contract record survives a trip through the topic catalogue's serdes. Subclasses say which
 * registry the serdes talk to; the assertions are the same for all, which is the point: the embedded
 * default and a real registry must behave alike.
 */
abstract class SerdeRoundTripContract {

    private WireFormatSerdeProvider provider;
    private Topics topics;

    /** The {@code schema.registry.url} the serdes are configured with. */
    protected abstract String registryUrl();

    /** The registry that ends up holding the schemas, to check what was registered. */
    protected abstract InMemorySchemaRegistry backingRegistry();

    @BeforeEach
    void createSerdes() {
        provider = new WireFormatSerdeProvider();
        provider.configure(Map.of("schema.registry.url", registryUrl()));
        topics = Topics.create(TopicNames.defaults(), provider);
    }

    @AfterEach
    void closeSerdes() {
        provider.close();
    }

    @Test
    void shouldRoundTripAChatRequestWithMessagesMetadataAndEveryUnionSet() {
        InferenceRequest request = SampleRecords.chatRequest();

        InferenceRequest back = roundTrip(topics.requests(), request);

        assertThat(back).isEqualTo(request);
        assertThat(back.getMessages()).extracting("content").contains("Why is the sky blue? ¿Y en español? 空はなぜ青い");
        assertThat(back.getMetadata()).containsEntry("benchmark", "mmlu-mini");
        assertThat(back.getDeadline()).isEqualTo(SampleRecords.CREATED_AT.plusSeconds(30));
        assertThat(back.getMaxPricePerInferenceUsd()).isEqualTo(0.0025);
    }

    @Test
    void shouldRoundTripAPromptRequestWhoseUnionsAreNullAndDefaultsUnset() {
        InferenceRequest request = SampleRecords.promptRequest();

        InferenceRequest back = roundTrip(topics.requests(), request);

        assertThat(back).isEqualTo(request);
        assertThat(back.getRegionPreference()).isNull();
        assertThat(back.getMaxPricePerInferenceUsd()).isNull();
        assertThat(back.getDeadline()).isNull();
        assertThat(back.getMessages()).isEmpty();
        assertThat(back.getMetadata()).isEmpty();
        assertThat(back.getCreatedAt()).isEqualTo(SampleRecords.CREATED_AT);
    }

    @Test
    void shouldRoundTripARoutedJobWithItsRequestAndCandidates() {
        var job = SampleRecords.routedJob();

        var back = roundTrip(topics.providerJobs(ProviderKind.RUNPOD), job);

        assertThat(back).isEqualTo(job);
        assertThat(back.getRequest()).isEqualTo(SampleRecords.chatRequest());
        assertThat(back.getCandidates()).hasSize(2);
    }

    @Test
    void shouldRoundTripASucceededAndAFailedJobAttempt() {
        JobAttempt succeeded = SampleRecords.succeededAttempt();
        JobAttempt failed = SampleRecords.failedAttempt();

        JobAttempt succeededBack = roundTrip(topics.attempts(), succeeded);
        JobAttempt failedBack = roundTrip(topics.attempts(), failed);

        assertThat(succeededBack).isEqualTo(succeeded);
        assertThat(failedBack).isEqualTo(failed);
        assertThat(failedBack.getResponse()).isNull();
        assertThat(failedBack.getError()).contains("503");
    }

    @Test
    void shouldRoundTripAnInferenceResult() {
        var result = SampleRecords.result();

        var back = roundTrip(topics.results(), result);

        assertThat(back).isEqualTo(result);
        assertThat(back.getRoute()).containsExactly("golem-eu-central-1", "runpod-us-east");
    }

    @Test
    void shouldRoundTripAProviderStatusWithAndWithoutAProbeLatency() {
        ProviderStatus healthy = SampleRecords.healthyStatus();
        ProviderStatus unhealthy = SampleRecords.unhealthyStatus();

        ProviderStatus healthyBack = roundTrip(topics.status(), healthy);
        ProviderStatus unhealthyBack = roundTrip(topics.status(), unhealthy);

        assertThat(healthyBack).isEqualTo(healthy);
        assertThat(unhealthyBack).isEqualTo(unhealthy);
        assertThat(unhealthyBack.getProbeLatencyMs()).isNull();
    }

    @Test
    void shouldFrameValuesWithMagicByteZeroAndTheIdRegisteredForTheTopicsValueSubject() {
        TopicSpec<String, InferenceRequest> spec = topics.requests();

        byte[] bytes = spec.valueSerde().serializer().serialize(spec.name(), SampleRecords.promptRequest());

        RegisteredSchema registered = backingRegistry().latest(spec.name() + "-value");
        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registered.id());
        assertThat(registered.schema()).isEqualTo(InferenceRequest.getClassSchema());
    }

    @Test
    void shouldPassNullThroughBothWaysForTombstones() {
        TopicSpec<String, ProviderStatus> spec = topics.status();

        byte[] bytes = spec.valueSerde().serializer().serialize(spec.name(), null);
        ProviderStatus back = spec.valueSerde().deserializer().deserialize(spec.name(), null);

        assertThat(bytes).isNull();
        assertThat(back).isNull();
    }

    private static <V extends SpecificRecord> V roundTrip(TopicSpec<String, V> spec, V value) {
        byte[] bytes = spec.valueSerde().serializer().serialize(spec.name(), value);
        return spec.valueSerde().deserializer().deserialize(spec.name(), bytes);
    }
}
