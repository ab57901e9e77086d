package io.beacon.router.http;

import io.beacon.ops.lag.LagReport;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the HTTP API reads of the running router, and nothing else: the HTTP layer sees the router through
 * this narrow view instead of the app that wires it, so the app's package depends on this one and never
 * the other way round. Implemented from Kafka Streams' stores and the lag monitor by the app.
 */
public interface RouterQueries {

    /** The state of this instance's Kafka Streams client. */
    KafkaStreams.State state();

    /** Every deployment's latest heartbeat (complete on every instance). */
    List<ProviderStatus> deployments();

    /** What the router has learned of each deployment from outcomes, by deployment id. */
    Map<String, DeploymentStats> deploymentStats();

    /** The state of a job held by this instance, in any of its partitions. */
    Optional<JobState> localJobAnyPartition(String jobId);

    /** The HTTP addresses ({@code host:port}) of the other instances, the job's owner first. */
    List<String> otherInstances(String jobId);

    /** The latest lag report (router and worker groups). */
    LagReport lag();

    /** Why {@code kind}'s worker group counts as behind, or empty while its queue flows. */
    Optional<String> backlog(ProviderKind kind);

    /** The worker group of a provider kind, as the lag monitor watches it. */
    String workerGroup(ProviderKind kind);

    /**
     * True when the deployment's heartbeat is fresh and reports it healthy and in service (not misconfigured,
     * not retired), as the router judges it.
     */
    boolean isUsable(ProviderStatus status, Instant now);
}
