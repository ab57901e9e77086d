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
 * The router as the lab runs it: the production processors of {@link RouterProcessors} (job lifecycle with the
 * policy, statistics aggregator, the global stores' updaters) wired as {@code RouterTopology} wires them, one
 * task per partition, with every topic between them a delay of one Kafka hop on the event queue. Jobs, attempts
 * and ledger entries reach the task of their key's partition (Kafka's default partitioner), so each task keeps
 * its own job stores and its own count of jobs routed since a heartbeat, as in a real instance.
 */
final class LabRouter {

    /** Where the router's output goes. */
    interface Outputs {
        /** A job was written to its provider's jobs topic. */
        void routed(RoutedJob job);

        /** A job's one final result was written. */
        void result(InferenceResult result);
    }

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

    LabRouter(RouterProcessors processors, int partitions, EventQueue events, long hopNanos, Outputs outputs) {
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

    /** A request read from {@code inference-requests}. */
    void request(InferenceRequest request) {
        String key = request.getJobId();
        lifecycles.get(partition(key)).process(new Record<>(key, new JobEvent.Requested(request), now()));
    }

    /** An attempt read from {@code job-attempts}, in the partition its routed job named. */
    void attempt(JobAttempt attempt, int partition) {
        lifecycles.get(partition).process(new Record<>(attempt.getJobId(), new JobEvent.Attempted(attempt), now()));
    }

    /** A heartbeat read from {@code provider-status}. */
    void heartbeat(ProviderStatus status) {
        stateUpdater.process(new Record<>(status.getDeploymentId(), status, now()));
    }

    /** A ledger entry read from {@code cost-ledger}. */
    void cost(CostEntry entry) {
        String key = entry.getDeploymentId();
        aggregators.get(partition(key)).process(new Record<>(key, entry, now()));
    }

    /** Every task's wall-clock punctuation (time-outs, waits, forgetting finished jobs). */
    void scan() {
        for (LabProcessorContext<String, SpecificRecord> context : lifecycleContexts) {
            context.punctuate();
        }
    }

    /** Heartbeats the router holds now, newest per deployment. */
    int deploymentsKnown() {
        return deploymentState.size();
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
            events.after(hopNanos, () -> aggregators.get(partition(key))
                    .process(new Record<>(key, attempt, now())));
        } else {
            throw new IllegalStateException("job-lifecycle forwarded to an unknown child " + child);
        }
    }

    private void fromAggregator(String child, Record<?, ?> record) {
        DeploymentStats stats = (DeploymentStats) record.value();
        String key = (String) record.key();
        events.after(hopNanos, () -> statsUpdater.process(new Record<>(key, stats, now())));
    }

    private long now() {
        return events.clock().epochMillis();
    }

    /** Kafka's default partitioner for a string key. */
    int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
