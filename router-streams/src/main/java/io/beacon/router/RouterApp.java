package io.beacon.router;

import io.beacon.router.http.RouterHttpServer;
import io.beacon.router.topology.RouterNames;
import io.beacon.router.topology.RouterTopology;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the router: the Kafka Streams topology plus its HTTP API. Wiring only; the routing logic lives in
 * {@link RouterTopology} and the policy classes.
 */
public final class RouterApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RouterApp.class);

    private final RouterConfig config;
    private final SerdeProvider serdes;
    private final KafkaStreams streams;
    private final RouterHttpServer http;
    private final CountDownLatch running = new CountDownLatch(1);

    private RouterApp(RouterConfig config) {
        this.config = config;
        this.serdes = config.serdeProvider();
        Topics topics = Topics.create(config.topicNames(), serdes);
        String stateDir = config.getString(RouterConfig.STATE_DIR);
        if (stateDir.isBlank()) {
            try {
                stateDir = Files.createTempDirectory("beacon-router-state").toString();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a state directory", e);
            }
        }
        // Bind the HTTP port first: its address is this instance's application.server, which other
        // instances use to forward a job query to the instance that owns the job.
        this.http = new RouterHttpServer(config.getString(RouterConfig.HTTP_HOST), config.getInt(RouterConfig.HTTP_PORT),
                this);
        Properties props = RouterStreamsProperties.forTopology(config.getString(RouterConfig.APPLICATION_ID),
                config.bootstrapServers(), topics, config.getString(RouterConfig.PROCESSING_GUARANTEE),
                config.getLong(RouterConfig.COMMIT_INTERVAL_MS), stateDir);
        props.put("num.stream.threads", config.getInt(RouterConfig.NUM_STREAM_THREADS));
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, http.hostAndPort());
        RouterStreamsProperties.withPassthrough(props, config.kafkaClientProperties());
        this.streams = new KafkaStreams(RouterTopology.build(config.settings(), topics, serdes), props);
        this.streams.setUncaughtExceptionHandler(error -> {
            // A bug or a broker hiccup in one thread: replace the thread, keep the instance serving.
            LOG.error("stream thread failed, replacing it", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.streams.setStateListener((now, before) -> {
            LOG.info("router state {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
    }

    /** Builds and starts the router; the HTTP API answers from the moment this returns. */
    public static RouterApp start(RouterConfig config) {
        RouterApp app = new RouterApp(config);
        app.http.start();
        app.streams.start();
        LOG.info("router started: application.id={}, guarantee={}, http={}",
                config.getString(RouterConfig.APPLICATION_ID), config.getString(RouterConfig.PROCESSING_GUARANTEE),
                app.http.url());
        return app;
    }

    /** Waits until every stream thread runs; false on time-out. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public String httpUrl() {
        return http.url();
    }

    /** Every deployment's latest heartbeat, from the global store (complete on every instance). */
    public List<ProviderStatus> deployments() {
        ReadOnlyKeyValueStore<String, ProviderStatus> store = streams.store(StoreQueryParameters.fromNameAndType(
                RouterNames.DEPLOYMENT_STATE_STORE, QueryableStoreTypes.keyValueStore()));
        List<ProviderStatus> out = new ArrayList<>();
        try (KeyValueIterator<String, ProviderStatus> all = store.all()) {
            all.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    /** What the router has learned of each deployment from outcomes, by deployment id (global store). */
    public Map<String, DeploymentStats> deploymentStats() {
        ReadOnlyKeyValueStore<String, DeploymentStats> store = streams.store(StoreQueryParameters.fromNameAndType(
                RouterNames.DEPLOYMENT_STATS_VIEW_STORE, QueryableStoreTypes.keyValueStore()));
        Map<String, DeploymentStats> out = new HashMap<>();
        try (KeyValueIterator<String, DeploymentStats> all = store.all()) {
            all.forEachRemaining(kv -> out.put(kv.key, kv.value));
        }
        return out;
    }

    /** Where a job's state lives: this instance, another one (host:port of its HTTP API), or unknown yet. */
    public JobLocation locate(String jobId) {
        KeyQueryMetadata metadata = streams.queryMetadataForKey(RouterNames.JOB_STATE_STORE, jobId,
                Serdes.String().serializer());
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return new JobLocation(false, null, -1);
        }
        HostInfo active = metadata.activeHost();
        boolean local = active.host().equals(http.host()) && active.port() == http.port();
        return new JobLocation(local, active.host() + ":" + active.port(), metadata.partition());
    }

    /** The state of a job owned by this instance, or empty when this instance has no such job. */
    public Optional<JobState> localJob(String jobId, int partition) {
        ReadOnlyKeyValueStore<String, JobState> store = streams.store(StoreQueryParameters.fromNameAndType(
                RouterNames.JOB_STATE_STORE, QueryableStoreTypes.<String, JobState>keyValueStore())
                .withPartition(partition));
        return Optional.ofNullable(store.get(jobId));
    }

    /**
     * @param local     this instance owns the job's partition
     * @param hostPort  the owning instance's HTTP address, when known
     */
    public record JobLocation(boolean local, String hostPort, int partition) {
        public boolean known() {
            return hostPort != null;
        }
    }

    /** True when the deployment's heartbeat is fresh and reports it healthy, as the router judges it. */
    public boolean isUsable(ProviderStatus status, Instant now) {
        return status.getHealthy()
                && !status.getObservedAt().plus(config.settings().heartbeatStaleness()).isBefore(now);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        http.close();
        streams.close(timeout);
        serdes.close();
        LOG.info("router stopped");
    }
}
