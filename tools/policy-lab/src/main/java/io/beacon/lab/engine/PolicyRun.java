package io.beacon.lab.engine;

import io.beacon.lab.policy.LabObserver;
import io.beacon.lab.policy.LabPolicy;
import io.beacon.lab.scenario.Scenario;
import io.beacon.lab.workload.JobSpec;
import io.beacon.lab.workload.Workload;
import io.beacon.router.RouterConfig;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.router.topology.RouterProcessors;
import io.beacon.router.topology.RouterSettings;
import io.beacon.router.topology.RoutingEvents;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.workers.WorkerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One policy on one scenario: the router (production processors and, for {@code beacon}, the production
 * policy), one worker per provider kind, the fleet in the simulators' engine, the workload and the faults, all
 * on one virtual clock. Deterministic: the same scenario, seed, policy and options give the same result.
 */
public final class PolicyRun {

    /** The longest a run may go on past the last arrival before jobs without a result count as failed. */
    private static final Duration GRACE = Duration.ofMinutes(10);

    private final Scenario scenario;
    private final Workload workload;
    private final LabPolicy policy;
    private final LabOptions options;

    private final VirtualClock clock = new VirtualClock();
    private final EventQueue events = new EventQueue(clock);
    private final Map<ProviderKind, LabWorker> workers = new EnumMap<>(ProviderKind.class);
    private final long hop;
    private final long start;
    private RouterEngine router;
    private LabObserver observer;
    private ResultCollector results;
    private int failovers;

    public PolicyRun(Scenario scenario, Workload workload, LabPolicy policy, LabOptions options) {
        this.scenario = scenario;
        this.workload = workload;
        this.policy = policy;
        this.options = options;
        this.hop = options.kafkaHop().toNanos();
        this.start = scenario.warmUp().toNanos();
    }

    public PolicyResult run() {
        long wallStart = System.nanoTime();
        RouterConfig config = new RouterConfig(options.routerSettings());
        RouterSettings settings = config.settings();
        LabBacklog backlog = new LabBacklog(config.getDouble(RouterConfig.BACKLOG_MAX_LAG_SECONDS));
        RoutingDecider decider = policy.decider().map(make -> make.apply(settings, scenario.seed())).orElse(null);
        observer = decider instanceof LabObserver o ? o : new LabObserver() {
        };
        RoutingEvents routingEvents = new RoutingEvents() {
            @Override
            public void routed(RoutedJob job, String rule, ProviderKind failoverFrom) {
                if (failoverFrom != null) {
                    failovers++;
                }
                observer.routed(job);
            }
        };
        // beacon: the router exactly as production builds it, so whatever its policy becomes is what runs here.
        RouterProcessors processors = decider == null
                ? new RouterProcessors(settings, backlog, routingEvents)
                : new RouterProcessors(settings, backlog, routingEvents, decider);
        results = new ResultCollector(workload, start);
        RouterEngine.Outputs outputs = new RouterEngine.Outputs() {
            @Override
            public void routed(RoutedJob job) {
                LabWorker worker = workers.get(job.getProvider());
                events.after(hop, () -> worker.deliver(job));
            }

            @Override
            public void result(InferenceResult result) {
                results.result(result, events.now());
            }
        };
        router = options.engine() == RouterEngine.Kind.TOPOLOGY
                ? new TopologyRouter(settings, backlog, routingEvents, decider, events, outputs)
                : new DirectRouter(processors, options.partitions(), events, hop, outputs);

        for (SimulatedDeployment d : scenario.fleet()) {
            ProviderKind kind = LabDeployment.kind(d.provider());
            LabWorker worker = workers.computeIfAbsent(kind, k -> new LabWorker(k, events,
                    WorkerSettings.defaults(k, "lab-worker-" + k.name().toLowerCase(Locale.ROOT)),
                    jobId -> workload.job(RequestMapper.index(jobId)).outputTokens(), sink()));
            worker.serve(d, scenario.seed() ^ d.id().hashCode());
        }
        workers.values().forEach(LabWorker::start);
        every(settings.scanInterval().toNanos(), router::advance);
        every(config.getLong(RouterConfig.LAG_POLL_INTERVAL_MS) * 1_000_000L, () -> backlog.poll(workers.values()));
        new FaultPlayer(scenario, events, new ArrayList<>(workers.values()), workers.get(ProviderKind.GOLEM), start,
                workload.lastArrivalNanos()).schedule();
        arrive(0);

        long maxDeadline = workload.jobs().stream().mapToLong(JobSpec::deadlineNanos).max().orElse(0);
        long limit = start + workload.lastArrivalNanos() + Math.max(maxDeadline, settings.defaultDeadline().toNanos())
                + GRACE.toNanos();
        events.runWhile(() -> results.results() < workload.size(), limit);
        long end = Math.max(events.now(), results.lastResultNanos()) + longestIdleWindow() + 1_000_000_000L;
        events.runUntil(end);
        results.closeAt(end);
        workers.values().forEach(LabWorker::stop);
        router.close();

        Map<String, Double> billed = new LinkedHashMap<>();
        double total = 0;
        for (LabWorker w : workers.values()) {
            double sum = 0;
            for (LabDeployment d : w.everServed()) {
                sum += d.sim.billedUsd();
                d.sim.close();
            }
            billed.put(w.kind().name().toLowerCase(Locale.ROOT), sum);
            total += sum;
        }
        return new PolicyResult(policy.name(), workload.size(), results.succeeded(), total,
                results.percentileMs(0.50), results.percentileMs(0.99), results.baselineShare(), results.misses(),
                results.successesByProvider(), billed, failovers, results.duplicates(), results.unanswered(),
                clock.nanos() / 1e9,
                (System.nanoTime() - wallStart) / 1_000_000);
    }

    private LabWorker.Sink sink() {
        return new LabWorker.Sink() {
            @Override
            public void attempt(RoutedJob job, JobAttempt attempt) {
                events.after(hop, () -> {
                    observer.answered(job, attempt);
                    router.attempt(attempt, job.getJobPartition());
                });
            }

            @Override
            public void cost(CostEntry entry) {
                events.after(hop, () -> router.cost(entry));
            }

            @Override
            public void heartbeat(ProviderStatus status) {
                events.after(hop, () -> router.heartbeat(status));
            }
        };
    }

    /** Sends job {@code index} at its instant, then schedules the next: one pending arrival at a time. */
    private void arrive(int index) {
        if (index >= workload.size()) {
            return;
        }
        JobSpec job = workload.job(index);
        events.at(start + job.arrivalNanos(), () -> {
            // Produced now, read by the router one hop later.
            var request = RequestMapper.request(job, clock.instant(), policy.deadlines(), !options.withoutPreferences());
            events.after(hop, () -> router.request(request));
            arrive(index + 1);
        });
    }

    private void every(long intervalNanos, Runnable action) {
        events.after(intervalNanos, () -> {
            action.run();
            every(intervalNanos, action);
        });
    }

    private long longestIdleWindow() {
        // A Golem lease has no scale-down window (its idle timeout is not used); serverless units stop after theirs.
        return scenario.fleet().stream().filter(d -> d.provider() != io.beacon.sim.SimProvider.GOLEM)
                .mapToLong(d -> d.idleTimeout().toNanos()).max().orElse(0);
    }
}
