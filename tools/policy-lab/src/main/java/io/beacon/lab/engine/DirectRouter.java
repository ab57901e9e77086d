package io.beacon.lab.engine;

import io.beacon.router.topology.JobEvent;
import io.beacon.router.topology.RouterNames;
import io.beacon.router.topology.RouterProcessors;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The router as the lab runs it by default: the production processors of {@link RouterProcessors} (job
 * lifecycle with the policy, statistics aggregator, the global stores' updaters) wired as {@code RouterTopology}
 * wires them, one task per partition, with each of the router's own topics (attempts by deployment, deployment
 * statistics) a delay of one Kafka hop on the event queue. Jobs, attempts and ledger entries reach the task of
 * their key's partition (Kafka's default partitioner), so each task keeps its own job stores and its own count of
 * jobs routed since a heartbeat, as in a real instance. Values are passed as objects, not serialised.
 *
 * <p>With a zero hop it follows TopologyTestDriver's order exactly: a record forwarded to one of the router's own
 * source topics is processed after the record that produced it, and a statistics update reaches the global view
 * at once; wall-clock punctuations run as Kafka Streams' punctuation queue runs them.
 */
final class DirectRouter implements RouterEngine {

    private final EventQueue events;
    private final long hopNanos;
    private final Outputs outputs;
    private final int partitions;
    private final List<Processor<String, JobEvent, String, SpecificRecord>> lifecycles = new ArrayList<>();
    private final List<LabProcessorContext<String, SpecificRecord>> lifecycleContexts = new ArrayList<>();
    private final List<Processor<String, SpecificRecord, String, DeploymentStats>> aggregators = new ArrayList<>();
    private final Processor<String, ProviderStatus, Void, Void> stateUpdater;
    private final Processor<String, DeploymentStats, Void, Void> statsUpdater;
    private final ObjectStore<ProviderStatus> deploymentState = new ObjectStore<>(RouterNames.DEPLOYMENT_STATE_STORE);
    /** With a zero hop: records forwarded to the router's own source topics, processed after the current one. */
    private final java.util.ArrayDeque<Runnable> reenqueued = new java.util.ArrayDeque<>();

    DirectRouter(RouterProcessors processors, int partitions, EventQueue events, long hopNanos, Outputs outputs) {
        this.events = events;
        this.hopNanos = hopNanos;
        this.outputs = outputs;
        this.partitions = partitions;
        VirtualClock clock = events.clock();
        ObjectStore<DeploymentStats> statsView = new ObjectStore<>(RouterNames.DEPLOYMENT_STATS_VIEW_STORE);

        LabProcessorContext<Void, Void> stateContext = new LabProcessorContext<Void, Void>(new TaskId(-1, 0), clock,
                (child, record) -> { }).store(deploymentState);
        stateUpdater = processors.deploymentStateUpdater();
        stateUpdater.init(stateContext);
        LabProcessorContext<Void, Void> statsViewContext = new LabProcessorContext<Void, Void>(new TaskId(-1, 1), clock,
                (child, record) -> { }).store(statsView);
        statsUpdater = processors.deploymentStatsUpdater();
        statsUpdater.init(statsViewContext);

        for (int p = 0; p < partitions; p++) {
            LabProcessorContext<String, SpecificRecord> context = new LabProcessorContext<String, SpecificRecord>(
                    new TaskId(0, p), clock, this::fromLifecycle)
                    .store(new ObjectStore<JobState>(RouterNames.JOB_STATE_STORE))
                    .store(new ObjectStore<String>(RouterNames.JOB_TIMER_STORE))
                    .store(new ObjectStore<String>(RouterNames.JOB_HOLD_STORE))
                    .store(deploymentState)
                    .store(statsView);
            Processor<String, JobEvent, String, SpecificRecord> lifecycle = processors.jobLifecycle();
            lifecycle.init(context);
            lifecycles.add(lifecycle);
            lifecycleContexts.add(context);

            LabProcessorContext<String, DeploymentStats> aggregatorContext = new LabProcessorContext<String, DeploymentStats>(
                    new TaskId(1, p), clock, this::fromAggregator)
                    .store(new ObjectStore<DeploymentStats>(RouterNames.DEPLOYMENT_STATS_STORE));
            Processor<String, SpecificRecord, String, DeploymentStats> aggregator = processors.deploymentStats();
            aggregator.init(aggregatorContext);
            aggregators.add(aggregator);
        }
    }

    @Override
    public void request(InferenceRequest request) {
        advance();
        String key = request.getJobId();
        lifecycles.get(partition(key)).process(new Record<>(key, new JobEvent.Requested(request), now()));
        processReenqueued();
    }

    @Override
    public void attempt(JobAttempt attempt, int partition) {
        advance();
        lifecycles.get(partition).process(new Record<>(attempt.getJobId(), new JobEvent.Attempted(attempt), now()));
        processReenqueued();
    }

    @Override
    public void heartbeat(ProviderStatus status) {
        advance();
        stateUpdater.process(new Record<>(status.getDeploymentId(), status, now()));
    }

    @Override
    public void cost(CostEntry entry) {
        advance();
        String key = entry.getDeploymentId();
        aggregators.get(partition(key)).process(new Record<>(key, entry, now()));
        processReenqueued();
    }

    @Override
    public void advance() {
        long nowMs = now();
        for (LabProcessorContext<String, SpecificRecord> context : lifecycleContexts) {
            context.maybePunctuate(nowMs);
        }
        processReenqueued();
    }

    @Override
    public void close() {
    }

    private void processReenqueued() {
        while (!reenqueued.isEmpty()) {
            reenqueued.pollFirst().run();
        }
    }

    /** A record to one of the router's own source topics: one hop later, or (zero hop) after the current record. */
    private void loop(Runnable delivery) {
        if (hopNanos == 0) {
            reenqueued.addLast(delivery);
        } else {
            events.after(hopNanos, delivery);
        }
    }

    private void fromLifecycle(String child, Record<?, ?> record) {
        Object value = record.value();
        if (RouterNames.PROVIDER_JOBS_SINK.equals(child)) {
            outputs.routed((RoutedJob) value);
        } else if (RouterNames.RESULTS_SINK.equals(child)) {
            outputs.result((InferenceResult) value);
        } else if (RouterNames.ATTEMPTS_BY_DEPLOYMENT_SINK.equals(child)) {
            JobAttempt attempt = (JobAttempt) value;
            String key = attempt.getDeploymentId();
            loop(() -> aggregators.get(partition(key)).process(new Record<>(key, attempt, now())));
        } else {
            throw new IllegalStateException("job-lifecycle forwarded to an unknown child " + child);
        }
    }

    private void fromAggregator(String child, Record<?, ?> record) {
        DeploymentStats stats = (DeploymentStats) record.value();
        String key = (String) record.key();
        if (hopNanos == 0) {
            // A global topic's record reaches the global store as soon as it is written.
            statsUpdater.process(new Record<>(key, stats, now()));
        } else {
            events.after(hopNanos, () -> statsUpdater.process(new Record<>(key, stats, now())));
        }
    }

    private long now() {
        return events.clock().epochMillis();
    }

    /** Kafka's default partitioner for a string key. */
    int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
