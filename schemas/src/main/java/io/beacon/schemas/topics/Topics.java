package io.beacon.schemas.topics;

import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.DeploymentSpec;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.serde.SerdeProvider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topic catalogue: every topic Beacon reads or writes, with its key and value serdes.
 * Keys are job ids, except {@code provider-status}, {@code cost-ledger}, {@code deployments} and the router's
 * per-deployment topics, which are keyed by deployment id.
 */
public final class Topics {

    private final TopicSpec<String, InferenceRequest> requests;
    private final TopicSpec<String, InferenceResult> results;
    private final Map<ProviderKind, TopicSpec<String, RoutedJob>> providerJobs;
    private final TopicSpec<String, JobAttempt> attempts;
    private final TopicSpec<String, ProviderStatus> status;
    private final TopicSpec<byte[], byte[]> requestsDlq;
    private final TopicSpec<String, JobAttempt> attemptsByDeployment;
    private final TopicSpec<String, DeploymentStats> deploymentStats;
    private final TopicSpec<String, CostEntry> costLedger;
    private final TopicSpec<String, DeploymentSpec> deployments;

    private Topics(TopicNames names, SerdeProvider serdes) {
        Serde<String> keys = Serdes.String();
        this.requests = new TopicSpec<>(names.requests(), keys, serdes.valueSerde(InferenceRequest.class), false);
        this.results = new TopicSpec<>(names.results(), keys, serdes.valueSerde(InferenceResult.class), false);
        Serde<RoutedJob> routed = serdes.valueSerde(RoutedJob.class);
        Map<ProviderKind, TopicSpec<String, RoutedJob>> jobs = new EnumMap<>(ProviderKind.class);
        names.providerJobs().forEach((kind, name) -> jobs.put(kind, new TopicSpec<>(name, keys, routed, false)));
        this.providerJobs = Map.copyOf(jobs);
        this.attempts = new TopicSpec<>(names.attempts(), keys, serdes.valueSerde(JobAttempt.class), false);
        this.status = new TopicSpec<>(names.status(), keys, serdes.valueSerde(ProviderStatus.class), true);
        this.requestsDlq = new TopicSpec<>(names.requestsDlq(), Serdes.ByteArray(), Serdes.ByteArray(), false);
        this.attemptsByDeployment = new TopicSpec<>(names.attemptsByDeployment(), keys, attempts.valueSerde(), false);
        this.deploymentStats = new TopicSpec<>(names.deploymentStats(), keys,
                serdes.valueSerde(DeploymentStats.class), true);
        this.costLedger = new TopicSpec<>(names.costLedger(), keys, serdes.valueSerde(CostEntry.class), false);
        this.deployments = new TopicSpec<>(names.deployments(), keys, serdes.valueSerde(DeploymentSpec.class), true);
    }

    public static Topics create(TopicNames names, SerdeProvider serdes) {
        return new Topics(names, serdes);
    }

    public TopicSpec<String, InferenceRequest> requests() {
        return requests;
    }

    public TopicSpec<String, InferenceResult> results() {
        return results;
    }

    public TopicSpec<String, RoutedJob> providerJobs(ProviderKind kind) {
        TopicSpec<String, RoutedJob> spec = providerJobs.get(kind);
        if (spec == null) {
            throw new IllegalArgumentException("no jobs topic for provider kind " + kind);
        }
        return spec;
    }

    public Collection<TopicSpec<String, RoutedJob>> allProviderJobs() {
        return providerJobs.values();
    }

    public TopicSpec<String, JobAttempt> attempts() {
        return attempts;
    }

    public TopicSpec<String, ProviderStatus> status() {
        return status;
    }

    public TopicSpec<byte[], byte[]> requestsDlq() {
        return requestsDlq;
    }

    /** Router-internal: applied attempts keyed by deployment id. */
    public TopicSpec<String, JobAttempt> attemptsByDeployment() {
        return attemptsByDeployment;
    }

    /** Router-internal: what the router learned per deployment, compacted. */
    public TopicSpec<String, DeploymentStats> deploymentStats() {
        return deploymentStats;
    }

    /** Every billed second of every deployment, keyed by deployment id; written by workers. */
    public TopicSpec<String, CostEntry> costLedger() {
        return costLedger;
    }

    /**
     * Deployments added, changed or retired while the pipeline runs, keyed by deployment id, compacted; written by
     * {@code beacon deployments}, read from the beginning by every worker.
     */
    public TopicSpec<String, DeploymentSpec> deployments() {
        return deployments;
    }

    /**
     * Every topic as a {@link NewTopic}. Requests and attempts must have the same partition count: the
     * router joins them by job id in one task.
     */
    public List<NewTopic> newTopics(int partitions, short replicationFactor) {
        List<NewTopic> out = new ArrayList<>();
        out.add(requests.newTopic(partitions, replicationFactor));
        out.add(results.newTopic(partitions, replicationFactor));
        providerJobs.values().forEach(spec -> out.add(spec.newTopic(partitions, replicationFactor)));
        out.add(attempts.newTopic(partitions, replicationFactor));
        out.add(status.newTopic(1, replicationFactor));
        out.add(requestsDlq.newTopic(1, replicationFactor));
        out.add(attemptsByDeployment.newTopic(partitions, replicationFactor));
        out.add(deploymentStats.newTopic(1, replicationFactor));
        // Same partition count as attempts-by-deployment (both keyed by deployment id): the router's stats
        // task of a deployment reads both.
        out.add(costLedger.newTopic(partitions, replicationFactor));
        // One partition: a handful of records, read whole by every worker at start.
        out.add(deployments.newTopic(1, replicationFactor));
        return out;
    }
}
