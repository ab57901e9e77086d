package io.beacon.workers;

import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.Topics;
import io.beacon.workers.core.DeploymentEndpoint;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Builds jobs, deployments and a topic catalogue on an in-process registry for tests. */
public final class TestJobs {

    public static final String MODEL = "llama3.2:1b";

    private TestJobs() {
    }

    /** A catalogue with the default topic names on a fresh in-process registry. */
    public static Topics topics() {
        WireFormatSerdeProvider serdes = new WireFormatSerdeProvider();
        serdes.configure(Map.of("schema.registry.url", "mem://workers-test-" + UUID.randomUUID()));
        return Topics.create(TopicNames.defaults(), serdes);
    }

    public static DeploymentEndpoint deployment(String id, ProviderKind kind, URI baseUrl, int capacity) {
        return new DeploymentEndpoint(id, kind, "eu-central", baseUrl, List.of(MODEL), 0.0002, capacity,
                Duration.ofSeconds(10));
    }

    public static RoutedJob promptJob(String jobId, DeploymentEndpoint d, Instant deadline) {
        return job(jobId, d.id(), d.provider(), request(jobId, "Say hello", List.of()), deadline);
    }

    public static RoutedJob chatJob(String jobId, DeploymentEndpoint d, Instant deadline) {
        List<ChatMessage> messages = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"));
        return job(jobId, d.id(), d.provider(), request(jobId, "", messages), deadline);
    }

    public static RoutedJob job(String jobId, String deploymentId, ProviderKind kind, InferenceRequest request,
                                Instant deadline) {
        return RoutedJob.newBuilder()
                .setJobId(jobId)
                .setRequest(request)
                .setDeploymentId(deploymentId)
                .setProvider(kind)
                .setRegion("eu-central")
                .setAttempt(1)
                .setReason("test")
                .setExpectedCostUsd(0.0001)
                .setExpectedLatencyMs(1000)
                .setRoutedAt(Instant.now())
                .setDeadline(deadline)
                .build();
    }

    public static InferenceRequest request(String jobId, String prompt, List<ChatMessage> messages) {
        return InferenceRequest.newBuilder()
                .setJobId(jobId)
                .setModel(MODEL)
                .setPrompt(prompt)
                .setMessages(messages)
                .setTemperature(0.2)
                .setMaxTokens(32)
                .setCreatedAt(Instant.now())
                .build();
    }

    public static byte[] encode(Topics topics, RoutedJob job) {
        String topic = topics.providerJobs(job.getProvider()).name();
        return topics.providerJobs(job.getProvider()).valueSerde().serializer().serialize(topic, job);
    }

    public static JobAttempt decodeAttempt(Topics topics, byte[] value) {
        return topics.attempts().valueSerde().deserializer().deserialize(topics.attempts().name(), value);
    }

    public static io.beacon.schemas.avro.CostEntry decodeCost(Topics topics, byte[] value) {
        return topics.costLedger().valueSerde().deserializer().deserialize(topics.costLedger().name(), value);
    }

    public static ProviderStatus decodeStatus(Topics topics, byte[] value) {
        return topics.status().valueSerde().deserializer().deserialize(topics.status().name(), value);
    }
}
