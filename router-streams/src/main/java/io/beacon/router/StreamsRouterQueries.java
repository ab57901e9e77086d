package io.beacon.router;

import io.beacon.ops.lag.LagMonitor;
import io.beacon.ops.lag.LagReport;
import io.beacon.router.http.RouterQueries;
import io.beacon.router.monitoring.LagBacklog;
import io.beacon.router.policy.DeploymentConditions;
import io.beacon.router.topology.RouterNames;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The running router as its HTTP API reads it: Kafka Streams' stores and metadata of this instance, the
 * lag monitor's latest report and the backlog rule. Built once all three exist, so nothing reads a
 * half-built router.
 */
final class StreamsRouterQueries implements RouterQueries {

    private final KafkaStreams streams;
    private final LagMonitor lag;
    private final LagBacklog backlog;
    private final Duration heartbeatStaleness;
    private final String self;

    /**
     * @param self this instance's HTTP address ({@code host:port}), its {@code application.server}
     */
    StreamsRouterQueries(KafkaStreams streams, LagMonitor lag, LagBacklog backlog, Duration heartbeatStaleness,
                         String self) {
        this.streams = streams;
        this.lag = lag;
        this.backlog = backlog;
        this.heartbeatStaleness = heartbeatStaleness;
        this.self = self;
    }

    @Override
    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public List<ProviderStatus> deployments() {
        ReadOnlyKeyValueStore<String, ProviderStatus> store = streams.store(StoreQueryParameters.fromNameAndType(
                RouterNames.DEPLOYMENT_STATE_STORE, QueryableStoreTypes.keyValueStore()));
        List<ProviderStatus> out = new ArrayList<>();
        try (KeyValueIterator<String, ProviderStatus> all = store.all()) {
            all.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    @Override
    public Map<String, DeploymentStats> deploymentStats() {
        ReadOnlyKeyValueStore<String, DeploymentStats> store = streams.store(StoreQueryParameters.fromNameAndType(
                RouterNames.DEPLOYMENT_STATS_VIEW_STORE, QueryableStoreTypes.keyValueStore()));
        Map<String, DeploymentStats> out = new HashMap<>();
        try (KeyValueIterator<String, DeploymentStats> all = store.all()) {
            all.forEachRemaining(kv -> out.put(kv.key, kv.value));
        }
        return out;
    }

    @Override
    public Optional<JobState> localJobAnyPartition(String jobId) {
        ReadOnlyKeyValueStore<String, JobState> store = streams.store(StoreQueryParameters.fromNameAndType(
                RouterNames.JOB_STATE_STORE, QueryableStoreTypes.<String, JobState>keyValueStore()));
        return Optional.ofNullable(store.get(jobId));
    }

    /** The owner by Streams' metadata (Java's partitioner) first, then every other instance. */
    @Override
    public List<String> otherInstances(String jobId) {
        List<String> out = new ArrayList<>();
        KeyQueryMetadata owner = streams.queryMetadataForKey(RouterNames.JOB_STATE_STORE, jobId,
                Serdes.String().serializer());
        if (owner != null && !owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            String hostPort = owner.activeHost().host() + ":" + owner.activeHost().port();
            if (!hostPort.equals(self)) {
                out.add(hostPort);
            }
        }
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            String hostPort = instance.hostInfo().host() + ":" + instance.hostInfo().port();
            if (!hostPort.equals(self) && !out.contains(hostPort)) {
                out.add(hostPort);
            }
        }
        return out;
    }

    @Override
    public LagReport lag() {
        return lag.report();
    }

    @Override
    public Optional<String> backlog(ProviderKind kind) {
        return backlog.behind(kind);
    }

    @Override
    public String workerGroup(ProviderKind kind) {
        return backlog.groupOf(kind);
    }

    @Override
    public boolean isUsable(ProviderStatus status, Instant now) {
        return status.getHealthy() && !DeploymentConditions.outOfService(status)
                && !status.getObservedAt().plus(heartbeatStaleness).isBefore(now);
    }
}
