package io.beacon.router.topology;

import io.beacon.router.policy.ProviderBacklog;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.Topics;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The router as a Kafka Streams topology. A pure function of its inputs: no I/O, so the app and the
 * tests build the same thing.
 *
 * <pre>
 * provider-status ─> update-deployment-state ─> [deployment-state-store, global]
 * router.deployment-stats ─> update-deployment-stats ─> [deployment-stats-view-store, global]
 * inference-requests ─> tag-request ─┐  (a null value: ─> requests-dlq-sink ─> inference-requests.dlq)
 * job-attempts ───────> tag-attempt ─┴─> job-lifecycle ─┬─> provider-jobs.{golem,modal,runpod}
 *                     [job-state-store, job-timer-store, ├─> inference-results
 *                      job-hold-store]                   └─> router.attempts-by-deployment
 * router.attempts-by-deployment ─┬─> aggregate-deployment-stats [deployment-stats-store] ─> router.deployment-stats
 * cost-ledger ────────────────────┘      (and RoutingEvents.spent: hybrid_cost_total, dashboard cost)
 * </pre>
 * The cost ledger (written by the workers, keyed by deployment id, as many partitions as the attempts by
 * deployment) is co-partitioned with the attempts: the task that owns a deployment's statistics also folds
 * its money, and is the one that counts it in the metrics.
 * Undecodable records never reach a processor: the deserialization handler writes them to the
 * dead-letter topic with headers naming the error (see {@code RouterApp}). A request without a value decodes
 * to null; tag-request writes it there with the same headers ({@link RequestTagger}).
 */
public final class RouterTopology {

    private RouterTopology() {
    }

    public static Topology build(RouterSettings settings, Topics topics, SerdeProvider serdes) {
        return build(settings, topics, serdes, ProviderBacklog.NONE);
    }

    /**
     * @param backlog which providers' worker groups fall behind (from consumer lag, which each instance
     *                reads from Kafka itself); consulted on every routing decision
     */
    public static Topology build(RouterSettings settings, Topics topics, SerdeProvider serdes, ProviderBacklog backlog) {
        return build(settings, topics, serdes, backlog, RoutingEvents.NONE);
    }

    /** @param events told of every routing and every final result (metrics, dashboard) */
    public static Topology build(RouterSettings settings, Topics topics, SerdeProvider serdes, ProviderBacklog backlog,
                                 RoutingEvents events) {
        return build(topics, serdes, new RouterProcessors(settings, backlog, events));
    }

    /**
     * The topology with another decision policy in place of {@link RouterProcessors#productionPolicy} (the
     * policy lab's alternatives, run through the real topology).
     */
    public static Topology build(RouterSettings settings, Topics topics, SerdeProvider serdes, ProviderBacklog backlog,
                                 RoutingEvents events, RoutingDecider decider) {
        return build(topics, serdes, new RouterProcessors(settings, backlog, events, decider));
    }

    private static Topology build(Topics topics, SerdeProvider serdes, RouterProcessors processors) {
        Serde<String> keys = Serdes.String();
        Serde<ProviderStatus> statusSerde = topics.status().valueSerde();
        Serde<JobState> jobStateSerde = serdes.valueSerde(JobState.class);

        Topology topology = new Topology();

        StoreBuilder<KeyValueStore<String, ProviderStatus>> deploymentState = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(RouterNames.DEPLOYMENT_STATE_STORE), keys, statusSerde)
                // A global store is restored from its source topic; it has no changelog of its own.
                .withLoggingDisabled();
        topology.addGlobalStore(deploymentState, RouterNames.STATUS_SOURCE, keys.deserializer(),
                statusSerde.deserializer(), topics.status().name(), RouterNames.UPDATE_DEPLOYMENT_STATE,
                processors::deploymentStateUpdater);

        topology.addSource(RouterNames.REQUESTS_SOURCE, keys.deserializer(),
                topics.requests().valueSerde().deserializer(), topics.requests().name());
        topology.addSource(RouterNames.ATTEMPTS_SOURCE, keys.deserializer(),
                topics.attempts().valueSerde().deserializer(), topics.attempts().name());
        topology.addProcessor(RouterNames.TAG_REQUEST, RequestTagger::new, RouterNames.REQUESTS_SOURCE);
        topology.addProcessor(RouterNames.TAG_ATTEMPT,
                tag((JobAttempt attempt) -> new JobEvent.Attempted(attempt)), RouterNames.ATTEMPTS_SOURCE);

        StoreBuilder<KeyValueStore<String, JobState>> jobState = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RouterNames.JOB_STATE_STORE), keys, jobStateSerde);
        StoreBuilder<KeyValueStore<String, String>> jobTimers = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RouterNames.JOB_TIMER_STORE), keys, Serdes.String());
        StoreBuilder<KeyValueStore<String, String>> jobHolds = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RouterNames.JOB_HOLD_STORE), keys, Serdes.String());
        topology.addProcessor(RouterNames.JOB_LIFECYCLE, new ProcessorSupplier<String, JobEvent, String, SpecificRecord>() {
            @Override
            public Processor<String, JobEvent, String, SpecificRecord> get() {
                return processors.jobLifecycle();
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(jobState, jobTimers, jobHolds);
            }
        }, RouterNames.TAG_REQUEST, RouterNames.TAG_ATTEMPT);

        topology.addSink(RouterNames.PROVIDER_JOBS_SINK, new ProviderTopicExtractor(topics), keys.serializer(),
                topics.providerJobs(ProviderKind.GOLEM).valueSerde().serializer(), RouterNames.JOB_LIFECYCLE);
        topology.addSink(RouterNames.ATTEMPTS_BY_DEPLOYMENT_SINK, topics.attemptsByDeployment().name(),
                keys.serializer(), topics.attemptsByDeployment().valueSerde().serializer(), RouterNames.JOB_LIFECYCLE);

        // Learning from outcomes: one writer per deployment (keyed by deployment id), read back by all.
        Serde<DeploymentStats> statsSerde = topics.deploymentStats().valueSerde();
        StoreBuilder<KeyValueStore<String, DeploymentStats>> statsStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RouterNames.DEPLOYMENT_STATS_STORE), keys, statsSerde);
        topology.addSource(RouterNames.ATTEMPTS_BY_DEPLOYMENT_SOURCE, keys.deserializer(),
                topics.attemptsByDeployment().valueSerde().deserializer(), topics.attemptsByDeployment().name());
        topology.addSource(RouterNames.COST_LEDGER_SOURCE, keys.deserializer(),
                topics.costLedger().valueSerde().deserializer(), topics.costLedger().name());
        topology.addProcessor(RouterNames.AGGREGATE_DEPLOYMENT_STATS,
                new ProcessorSupplier<String, SpecificRecord, String, DeploymentStats>() {
                    @Override
                    public Processor<String, SpecificRecord, String, DeploymentStats> get() {
                        return processors.deploymentStats();
                    }

                    @Override
                    public Set<StoreBuilder<?>> stores() {
                        return Set.of(statsStore);
                    }
                }, RouterNames.ATTEMPTS_BY_DEPLOYMENT_SOURCE, RouterNames.COST_LEDGER_SOURCE);
        topology.addSink(RouterNames.DEPLOYMENT_STATS_SINK, topics.deploymentStats().name(), keys.serializer(),
                statsSerde.serializer(), RouterNames.AGGREGATE_DEPLOYMENT_STATS);
        topology.addGlobalStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(RouterNames.DEPLOYMENT_STATS_VIEW_STORE), keys, statsSerde)
                        .withLoggingDisabled(),
                RouterNames.DEPLOYMENT_STATS_SOURCE, keys.deserializer(), statsSerde.deserializer(),
                topics.deploymentStats().name(), RouterNames.UPDATE_DEPLOYMENT_STATS, processors::deploymentStatsUpdater);
        // A request without a value goes to the dead-letter topic like undecodable bytes, with the same headers.
        topology.addSink(RouterNames.REQUESTS_DLQ_SINK, topics.requestsDlq().name(), keys.serializer(),
                Serdes.ByteArray().serializer(), RouterNames.TAG_REQUEST);
        Serializer<?> resultSerializer = topics.results().valueSerde().serializer();
        topology.addSink(RouterNames.RESULTS_SINK, topics.results().name(), keys.serializer(), resultSerializer,
                RouterNames.JOB_LIFECYCLE);
        return topology;
    }

    /** Keeps the global view of every deployment's learned statistics. */
    static final class LatestStatsUpdater implements Processor<String, DeploymentStats, Void, Void> {
        private final DeploymentView view;
        private KeyValueStore<String, DeploymentStats> store;

        LatestStatsUpdater(DeploymentView view) {
            this.view = view;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(RouterNames.DEPLOYMENT_STATS_VIEW_STORE);
        }

        @Override
        public void process(Record<String, DeploymentStats> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
            view.changed();
        }
    }

    /** Sends a routed job to the jobs topic of its deployment's provider kind. */
    static final class ProviderTopicExtractor implements TopicNameExtractor<String, RoutedJob> {
        private final Topics topics;

        ProviderTopicExtractor(Topics topics) {
            this.topics = topics;
        }

        @Override
        public String extract(String key, RoutedJob job, RecordContext context) {
            return topics.providerJobs(job.getProvider()).name();
        }
    }

    /** A stateless step that wraps a source's value into a {@link JobEvent}. */
    private static <V> ProcessorSupplier<String, V, String, JobEvent> tag(java.util.function.Function<V, JobEvent> wrap) {
        return () -> new Processor<>() {
            private ProcessorContext<String, JobEvent> context;

            @Override
            public void init(ProcessorContext<String, JobEvent> context) {
                this.context = context;
            }

            @Override
            public void process(Record<String, V> record) {
                context.forward(record.withValue(wrap.apply(record.value())));
            }
        };
    }
}
