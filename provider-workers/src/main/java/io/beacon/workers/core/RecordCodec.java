package io.beacon.workers.core;

import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The worker's three topics and their value serdes, taken from the {@link Topics} catalogue. The worker
 * consumes and produces raw bytes and converts here, so a record that does not decode becomes an attempt
 * record saying so instead of an exception inside {@code poll} that would stall the partition.
 */
public final class RecordCodec {

    private final String jobsTopic;
    private final Deserializer<RoutedJob> jobs;
    private final String attemptsTopic;
    private final Serializer<JobAttempt> attempts;
    private final String statusTopic;
    private final Serializer<ProviderStatus> status;
    private final String costTopic;
    private final Serializer<CostEntry> cost;

    private RecordCodec(Topics topics, ProviderKind kind) {
        this.jobsTopic = topics.providerJobs(kind).name();
        this.jobs = topics.providerJobs(kind).valueSerde().deserializer();
        this.attemptsTopic = topics.attempts().name();
        this.attempts = topics.attempts().valueSerde().serializer();
        this.statusTopic = topics.status().name();
        this.status = topics.status().valueSerde().serializer();
        this.costTopic = topics.costLedger().name();
        this.cost = topics.costLedger().valueSerde().serializer();
    }

    public static RecordCodec of(Topics topics, ProviderKind kind) {
        return new RecordCodec(topics, kind);
    }

    public String jobsTopic() {
        return jobsTopic;
    }

    public String attemptsTopic() {
        return attemptsTopic;
    }

    public String statusTopic() {
        return statusTopic;
    }

    /** The cost ledger's topic ({@code cost-ledger}, keyed by deployment id). */
    public String costTopic() {
        return costTopic;
    }

    public byte[] encodeCost(CostEntry value) {
        return cost.serialize(costTopic, value);
    }

    /** @throws org.apache.kafka.common.errors.SerializationException when the bytes are not a RoutedJob */
    public RoutedJob decodeJob(byte[] value) {
        return jobs.deserialize(jobsTopic, value);
    }

    public byte[] encodeAttempt(JobAttempt attempt) {
        return attempts.serialize(attemptsTopic, attempt);
    }

    public byte[] encodeStatus(ProviderStatus value) {
        return status.serialize(statusTopic, value);
    }
}
