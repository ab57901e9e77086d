package io.beacon.router.topology;

import io.beacon.router.policy.BudgetTracker;
import io.beacon.router.policy.Decision;
import io.beacon.router.policy.DeploymentSnapshot;
import io.beacon.router.policy.ProviderBacklog;
import io.beacon.router.policy.RequestValidator;
import io.beacon.router.policy.RoutingContext;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.JobPhase;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Owns each job from request to its one final result. A request is validated and routed; an attempt
 * either finishes the job or, when retryable, fails it over to the next best deployment; a wall-clock
 * scan times jobs out, retries waiting jobs with back-off and forgets finished jobs after a retention
 * that absorbs late duplicates.
 *
 * <p>A job the policy holds for the baseline tier ({@link Decision#hold}) is kept HELD in the job-state store and
 * indexed, earliest deadline first, in the hold store (both changelogged, so a restarted router keeps them). The
 * front of that queue is judged again at every scan and after every attempt result (capacity may have freed),
 * and each held job has a timer at its latest release, when it is routed wherever it can still meet its
 * deadline: a held job is never lost to waiting.
 *
 * <p>All of a job's events reach the same task (requests and attempts are keyed by job id on topics
 * with the same partition count), so the job-state store is the single source of truth for a job and
 * a duplicate attempt finds the job already final.
 */
final class JobLifecycleProcessor implements Processor<String, JobEvent, String, SpecificRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(JobLifecycleProcessor.class);
    /** A new job has no timer yet. */
    private static final long NO_TIMER = -1;
    /** Most due timers handled in one punctuation; the rest wait for the next one. */
    private static final int SCAN_BATCH = 10_000;

    private final RouterSettings settings;
    private final RoutingDecider policy;
    private final RequestValidator validator;
    /**
     * Jobs this task routed to each deployment since the heartbeat it last saw from it. A heartbeat
     * reports the worker's load; this covers what the heartbeat cannot show yet. It is an estimate that
     * is reset by every heartbeat, so it is not state another instance would need.
     */
    private final Map<String, RoutedSinceHeartbeat> routedSince = new HashMap<>();
    private final DeploymentView view;
    private final ProviderBacklog backlog;
    private final RoutingEvents events;
    /** The global stores decoded, as of {@link #cachedVersion}; decoded again only when they change. */
    private List<ProviderStatus> cachedStatuses = List.of();
    private Map<String, DeploymentStats> cachedStats = Map.of();
    private long cachedVersion = -1;
    private long cachedAtMs;

    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, JobState> jobs;
    private KeyValueStore<String, String> timers;
    private KeyValueStore<String, ProviderStatus> deployments;
    private KeyValueStore<String, DeploymentStats> learned;
    /** Held jobs, earliest deadline first ({@link JobTimers} keys of the deadline). */
    private KeyValueStore<String, String> holds;
    /** Entries of the hold store; counted when first needed (-1 until then), then kept as jobs come and go. */
    private int heldCount = -1;
    /** The held jobs of every task of this instance. */
    private final HeldJobs instanceHeld;
    /** The rolling blended cost per inference, when a budget is set; null otherwise. */
    private final BudgetTracker budget;

    JobLifecycleProcessor(RouterSettings settings) {
        this(settings, new DeploymentView(), new HeldJobs(), ProviderBacklog.NONE, RoutingEvents.NONE,
                RouterProcessors.productionPolicy(settings));
    }

    JobLifecycleProcessor(RouterSettings settings, DeploymentView view, HeldJobs instanceHeld, ProviderBacklog backlog,
                          RoutingEvents events, RoutingDecider policy) {
        this.settings = settings;
        this.instanceHeld = instanceHeld;
        this.view = view;
        this.backlog = backlog;
        this.events = events;
        this.policy = policy;
        this.validator = new RequestValidator(settings.maxPromptChars(), settings.maxTokensLimit());
        this.budget = settings.budget().maxCostPerInferenceUsd().isPresent()
                ? new BudgetTracker(settings.budget().window()) : null;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.jobs = context.getStateStore(RouterNames.JOB_STATE_STORE);
        this.timers = context.getStateStore(RouterNames.JOB_TIMER_STORE);
        this.deployments = context.getStateStore(RouterNames.DEPLOYMENT_STATE_STORE);
        this.learned = context.getStateStore(RouterNames.DEPLOYMENT_STATS_VIEW_STORE);
        this.holds = context.getStateStore(RouterNames.JOB_HOLD_STORE);
        indexJobsWithoutTimers();
        context.schedule(settings.scanInterval(), PunctuationType.WALL_CLOCK_TIME, this::scan);
    }

    /**
     * A job-state store written before the timer store existed has jobs no timer points to: index them
     * once (a full scan, only when the timer store is empty and the job store is not).
     */
    private void indexJobsWithoutTimers() {
        try (KeyValueIterator<String, String> anyTimer = timers.all()) {
            if (anyTimer.hasNext()) {
                return;
            }
        }
        int indexed = 0;
        try (KeyValueIterator<String, JobState> all = jobs.all()) {
            while (all.hasNext()) {
                JobState state = all.next().value;
                timers.put(JobTimers.key(timerOf(state), state.getJobId()), state.getJobId());
                indexed++;
            }
        }
        if (indexed > 0) {
            LOG.info("indexed the timers of {} jobs stored before the timer store existed", indexed);
        }
    }

    @Override
    public void process(Record<String, JobEvent> record) {
        countHeld();
        JobEvent event = record.value();
        if (event instanceof JobEvent.Requested requested) {
            if (requested.request() != null) {
                withJob(requested.request().getJobId(), () -> onRequest(record.key(), requested.request()));
            }
        } else if (event instanceof JobEvent.Attempted attempted) {
            if (attempted.attempt() != null) {
                withJob(record.key(), () -> onAttempt(record.key(), attempted.attempt()));
                // An answer frees a slot somewhere: the front of the hold queue may go now.
                releaseHeld(now());
            }
        }
    }

    private void onRequest(String key, InferenceRequest request) {
        Instant now = now();
        String jobId = request.getJobId() == null || request.getJobId().isBlank() ? key : request.getJobId();
        JobState existing = jobId == null ? null : jobs.get(jobId);
        if (existing != null) {
            LOG.info("duplicate request ignored: job already {}", existing.getPhase());
            return;
        }
        Instant deadline = request.getDeadline() != null ? request.getDeadline()
                : request.getCreatedAt().plus(settings.defaultDeadline());
        JobState state = JobState.newBuilder().setJobId(jobId == null ? "" : jobId).setRequest(request)
                .setPhase(JobPhase.WAITING).setAttempt(0).setDeadline(deadline).build();
        Optional<String> problem = validator.problem(key, request);
        if (problem.isPresent()) {
            LOG.info("invalid request: {}", problem.get());
            finish(state, false, "invalid request: " + problem.get(), null, now, NO_TIMER);
            return;
        }
        if (!now.isBefore(deadline)) {
            finish(state, false, "deadline " + deadline + " had passed when the router received the job", null, now, NO_TIMER);
            return;
        }
        route(state, now, false, NO_TIMER, true);
        releaseHeld(now);
    }

    private void onAttempt(String key, JobAttempt attempt) {
        Instant now = now();
        JobState state = jobs.get(key);
        if (state == null) {
            LOG.warn("attempt {} from {} for an unknown job ignored (finished before the retention, or never"
                    + " requested)", attempt.getAttempt(), attempt.getDeploymentId());
            return;
        }
        if (isFinal(state)) {
            LOG.info("duplicate attempt {} from {} absorbed: job already {}", attempt.getAttempt(),
                    attempt.getDeploymentId(), state.getPhase());
            return;
        }
        if (attempt.getAttempt() != state.getAttempt()
                || !attempt.getDeploymentId().equals(state.getCurrentDeployment())) {
            LOG.info("stale attempt {} from {} ignored: job is on attempt {} at {}", attempt.getAttempt(),
                    attempt.getDeploymentId(), state.getAttempt(), state.getCurrentDeployment());
            return;
        }
        long timer = timerOf(state);
        state.setCostUsd(state.getCostUsd() + attempt.getCostEstimateUsd());
        // Teach the deployment's statistics (owned by the task of that deployment id) about this outcome.
        context.forward(new Record<String, SpecificRecord>(attempt.getDeploymentId(), attempt, now.toEpochMilli()),
                RouterNames.ATTEMPTS_BY_DEPLOYMENT_SINK);
        events.attempted(attempt);
        AttemptOutcome outcome = attempt.getOutcome();
        if (outcome == AttemptOutcome.SUCCEEDED) {
            finish(state, true, null, attempt, now, timer);
            return;
        }
        String error = attempt.getError() == null ? outcome.name().toLowerCase() : attempt.getError();
        state.setLastError(error);
        FailureBlame blame = attempt.getBlame();
        if (outcome == AttemptOutcome.PERMANENT_FAILURE) {
            // The request's fault (invalid parameters, context too long, content refused): another deployment
            // would refuse it too, so the job ends here, saying why.
            finish(state, false, "attempt " + attempt.getAttempt() + " on " + attempt.getDeploymentId()
                    + " failed permanently" + (blame == FailureBlame.REQUEST ? " (the request's fault)" : "")
                    + ": " + error, attempt, now, timer);
            return;
        }
        // A retryable failure is the deployment's: its set-up (misconfigured: credentials, model missing) or its
        // health. Either way another deployment may serve the job, within its attempts and deadline.
        if (state.getAttempt() >= settings.maxAttempts()) {
            finish(state, false, "all " + settings.maxAttempts() + " attempts failed; last on "
                    + attempt.getDeploymentId() + ": " + error, attempt, now, timer);
            return;
        }
        if (!now.isBefore(state.getDeadline())) {
            finish(state, false, "deadline passed after attempt " + attempt.getAttempt() + " failed: " + error,
                    attempt, now, timer);
            return;
        }
        LOG.info("attempt {} on {} failed ({}{}), failing over", attempt.getAttempt(), attempt.getDeploymentId(),
                blame == FailureBlame.MISCONFIGURED ? "deployment misconfigured; " : "", error);
        route(state, now, false, timer, true);
    }

    /**
     * Sends the job to the best deployment, or parks it to wait with back-off until its deadline.
     *
     * @param mayRetryTried when no untried deployment can take the job, may one it already tried (and
     *                      which is healthy again) get another attempt? True for retries after a wait.
     */
    private void route(JobState state, Instant now, boolean mayRetryTried, long previousTimer, boolean mayHold) {
        route(state, now, mayRetryTried, previousTimer, mayHold, heldAhead(state));
    }

    /**
     * @param mayHold   whether the policy may hold the job for the baseline (false at its latest release)
     * @param heldAhead held jobs of this task that will take the baseline before this one
     */
    private void route(JobState state, Instant now, boolean mayRetryTried, long previousTimer, boolean mayHold,
                       int heldAhead) {
        InferenceRequest request = state.getRequest();
        List<DeploymentSnapshot> snapshots = snapshots();
        RoutingContext routing = new RoutingContext(state.getDeadline(), heldAhead, mayHold,
                budget == null ? Double.NaN : budget.blendedCostPerInferenceUsd());
        Decision decision = policy.decide(request, new HashSet<>(state.getTried()), snapshots, now, backlog, routing);
        if (decision.chosen().isEmpty() && !decision.held() && mayRetryTried && !state.getTried().isEmpty()) {
            Decision again = policy.decide(request, Set.of(), snapshots, now, backlog, routing);
            if (again.chosen().isPresent() || again.held()) {
                decision = again;
            }
        }
        if (decision.held()) {
            hold(state, decision, now, previousTimer);
            return;
        }
        if (decision.chosen().isEmpty() && mayHold && state.getPhase() == JobPhase.HELD) {
            // Nothing can take it now (heartbeats stale, say): it stays held, in its place, until its latest release.
            return;
        }
        unhold(state);
        if (decision.chosen().isEmpty() && Decision.OVER_PRICE.equals(decision.rule()) && state.getAttempt() > 0) {
            // The max price holds across fallbacks: no deployment left under it, so the job ends here.
            finish(state, false, "no deployment left under the job's max price after attempt " + state.getAttempt()
                    + " failed: " + decision.reason() + (state.getLastError() == null ? ""
                    : "; last attempt failed: " + state.getLastError()), null, now, previousTimer);
            return;
        }
        if (decision.chosen().isEmpty()) {
            int waits = state.getWaits() + 1;
            long backoffMs = Math.min(settings.waitMax().toMillis(),
                    settings.waitInitial().toMillis() << Math.min(waits - 1, 20));
            Instant next = now.plusMillis(backoffMs);
            String why = decision.reason() + (state.getAttempt() > 0 && state.getLastError() != null
                    ? "; last attempt failed: " + state.getLastError() : "");
            if (!next.isBefore(state.getDeadline())) {
                finish(state, false, why + " (deadline " + state.getDeadline() + ")", null, now, previousTimer);
                return;
            }
            if (waits == 1) {
                LOG.info("no candidate, waiting: {}", why);
            }
            state.setPhase(JobPhase.WAITING);
            state.setWaits(waits);
            state.setNextRouteAt(next);
            if (state.getAttempt() == 0) {
                state.setLastError(decision.reason());
            }
            save(state, previousTimer);
            return;
        }
        DeploymentSnapshot chosen = decision.chosen().get();
        ProviderKind failoverFrom = state.getAttempt() == 0 ? null : snapshots.stream()
                .filter(d -> d.id().equals(state.getCurrentDeployment())).map(DeploymentSnapshot::provider)
                .findFirst().orElse(ProviderKind.UNKNOWN);
        int attempt = state.getAttempt() + 1;
        List<String> tried = new ArrayList<>(state.getTried());
        tried.add(chosen.id());
        state.setPhase(JobPhase.ROUTED);
        state.setAttempt(attempt);
        state.setCurrentDeployment(chosen.id());
        state.setTried(tried);
        state.setRoutedAt(now);
        state.setNextRouteAt(null);
        save(state, previousTimer);
        routedSince.computeIfAbsent(chosen.id(), id -> new RoutedSinceHeartbeat()).add(chosen.status().getObservedAt());

        RoutedJob routed = RoutedJob.newBuilder().setJobId(state.getJobId()).setRequest(request)
                .setDeploymentId(chosen.id()).setProvider(chosen.provider()).setRegion(chosen.region())
                .setAttempt(attempt).setReason(decision.reason()).setExpectedCostUsd(decision.expectedCostUsd())
                .setExpectedLatencyMs(decision.expectedLatencyMs()).setRoutedAt(now)
                .setDeadline(state.getDeadline()).setCandidates(decision.candidates())
                // The attempt must come back to this task, whichever partitioner put the request here.
                .setJobPartition(context.taskId().partition()).build();
        LOG.debug("routed attempt {} to {}: {}", attempt, chosen.id(), decision.reason());
        context.forward(new Record<String, SpecificRecord>(state.getJobId(), routed, now.toEpochMilli()),
                RouterNames.PROVIDER_JOBS_SINK);
        events.routed(routed, decision.rule(), failoverFrom);
    }

    /** Writes the one final result and keeps the state, marked final, to absorb duplicates. */
    private void finish(JobState state, boolean success, String error, JobAttempt attempt, Instant now,
                        long previousTimer) {
        InferenceRequest request = state.getRequest();
        String used = attempt != null && success ? attempt.getDeploymentId() : "";
        InferenceResult result = InferenceResult.newBuilder()
                .setJobId(state.getJobId())
                .setSuccess(success)
                .setResponse(success && attempt.getResponse() != null ? attempt.getResponse() : "")
                .setError(success ? null : error)
                .setProviderUsed(used)
                .setProvider(success ? attempt.getProvider() : ProviderKind.UNKNOWN)
                .setRegion(success ? attempt.getRegion() : "")
                .setInferenceTime(success ? attempt.getProviderTimeMs() / 1000.0 : 0.0)
                .setCostEstimate(state.getCostUsd())
                .setAttempts(state.getAttempt())
                .setRoute(state.getTried())
                .setCreatedAt(request.getCreatedAt())
                .setCompletedAt(now)
                .setMetadata(request.getMetadata())
                .build();
        unhold(state);
        state.setPhase(success ? JobPhase.SUCCEEDED : JobPhase.FAILED);
        state.setFinishedAt(now);
        state.setNextRouteAt(null);
        if (!success) {
            state.setLastError(error);
            LOG.info("job failed: {}", error);
        }
        if (!state.getJobId().isEmpty()) {
            save(state, previousTimer);
        }
        context.forward(new Record<String, SpecificRecord>(state.getJobId(), result, now.toEpochMilli()),
                RouterNames.RESULTS_SINK);
        events.finished(result, request.getCreatedAt() == null ? 0
                : Math.max(0, now.toEpochMilli() - request.getCreatedAt().toEpochMilli()));
    }

    /**
     * Wall-clock housekeeping: time out jobs past their deadline, retry waiting jobs whose back-off has
     * elapsed, and drop finished jobs older than the retention. Reads only the due entries of the timer
     * store, at most {@link #SCAN_BATCH} per run, so its cost follows the jobs that are due, not the jobs
     * stored (the full scan it replaced blocked the stream thread for 117 ms over 16,666 jobs).
     */
    private void scan(long timestampMs) {
        countHeld();
        Instant now = Instant.ofEpochMilli(timestampMs);
        List<String> dueKeys = new ArrayList<>();
        try (KeyValueIterator<String, String> due = timers.range(JobTimers.FIRST, JobTimers.upTo(timestampMs))) {
            while (due.hasNext() && dueKeys.size() < SCAN_BATCH) {
                dueKeys.add(due.next().key);
            }
        }
        for (String timerKey : dueKeys) {
            long timer = JobTimers.time(timerKey);
            String jobId = JobTimers.jobId(timerKey);
            JobState state = jobs.get(jobId);
            if (state == null || timerOf(state) != timer) {
                // The job was forgotten, or moved on and has a newer timer: this entry is left over.
                timers.delete(timerKey);
                continue;
            }
            if (isFinal(state)) {
                jobs.delete(jobId);
                timers.delete(timerKey);
                continue;
            }
            withJob(jobId, () -> {
                if (!now.isBefore(state.getDeadline())) {
                    String detail = state.getPhase() == JobPhase.ROUTED
                            ? "no answer from " + state.getCurrentDeployment() + " for attempt " + state.getAttempt()
                            : state.getPhase() == JobPhase.HELD ? "still held: " + state.getHoldReason()
                            : "still waiting: " + state.getLastError();
                    // (a job that waits after a failed attempt keeps that attempt's error as last_error)
                    finish(state, false, "timed out at the deadline " + state.getDeadline() + " (" + detail + ")",
                            null, now, timer);
                } else if (state.getPhase() == JobPhase.HELD) {
                    // Its latest release: routed now, wherever it can still meet its deadline.
                    LOG.info("held job released at its latest ({}), routing it now", state.getReleaseBy());
                    route(state, now, true, timer, false);
                } else {
                    route(state, now, true, timer, true);
                }
            });
        }
        releaseHeld(now);
    }

    /**
     * Judges the front of the hold queue again, earliest deadline first, routing each job the policy no longer
     * holds, and stops at the first it still holds: the jobs behind it would wait for the same capacity (and
     * each has its own timer at its latest release).
     */
    private void releaseHeld(Instant now) {
        int stillHeld = 0;
        while (heldCount > stillHeld) {
            List<String> front = new ArrayList<>();
            try (KeyValueIterator<String, String> all = holds.all()) {
                while (all.hasNext() && front.size() < stillHeld + 16) {
                    front.add(all.next().key);
                }
            }
            if (front.size() <= stillHeld) {
                return;
            }
            for (String holdKey : front.subList(stillHeld, front.size())) {
                String jobId = JobTimers.jobId(holdKey);
                JobState state = jobs.get(jobId);
                if (state == null || state.getPhase() != JobPhase.HELD) {
                    holds.delete(holdKey);
                    heldCount--;
                    heldChanged();
                    continue;
                }
                int held = stillHeld;
                withJob(jobId, () -> route(state, now, true, timerOf(state), true, held));
                if (state.getPhase() == JobPhase.HELD) {
                    return;
                }
            }
        }
    }

    /**
     * Counts the held jobs once, after the stores are restored (a restarted router keeps its held jobs), and tells
     * the listeners.
     */
    private void countHeld() {
        if (heldCount >= 0) {
            return;
        }
        int count = 0;
        try (KeyValueIterator<String, String> all = holds.all()) {
            while (all.hasNext()) {
                all.next();
                count++;
            }
        }
        heldCount = count;
        if (count > 0) {
            LOG.info("{} jobs held for the baseline tier", count);
        }
        heldChanged();
    }

    /** Keeps the job held for the baseline: HELD, indexed in the hold store, its timer at its latest release. */
    private void hold(JobState state, Decision decision, Instant now, long previousTimer) {
        if (state.getPhase() != JobPhase.HELD) {
            holds.put(holdKey(state), state.getJobId());
            heldCount++;
            heldChanged();
            LOG.debug("held for the baseline: {}", decision.reason());
        }
        state.setPhase(JobPhase.HELD);
        if (state.getHeldAt() == null) {
            state.setHeldAt(now);
        }
        state.setHoldReason(decision.reason());
        state.setPredictedStart(decision.predictedStart());
        state.setReleaseBy(decision.releaseBy());
        state.setNextRouteAt(decision.releaseBy().isAfter(now) ? decision.releaseBy() : now.plusMillis(1));
        save(state, previousTimer);
    }

    private void heldChanged() {
        instanceHeld.set(context.taskId().partition(), heldCount);
        events.held(context.taskId().partition(), heldCount);
    }

    /** Takes a job that leaves HELD out of the hold index. */
    private void unhold(JobState state) {
        if (state.getPhase() == JobPhase.HELD) {
            holds.delete(holdKey(state));
            heldCount--;
            heldChanged();
        }
    }

    /**
     * Held jobs ahead of this one: for a job not yet held, every job the instance's tasks hold; for a held one,
     * those before it in this task's queue.
     */
    private int heldAhead(JobState state) {
        if (state.getPhase() != JobPhase.HELD) {
            return instanceHeld.total();
        }
        String key = holdKey(state);
        int ahead = 0;
        try (KeyValueIterator<String, String> before = holds.range(JobTimers.FIRST, key)) {
            while (before.hasNext()) {
                if (!before.next().key.equals(key)) {
                    ahead++;
                }
            }
        }
        return ahead;
    }

    private static String holdKey(JobState state) {
        return JobTimers.key(state.getDeadline().toEpochMilli(), state.getJobId());
    }

    /** Stores the job and moves its timer entry when its next moment changed. */
    private void save(JobState state, long previousTimer) {
        jobs.put(state.getJobId(), state);
        long timer = timerOf(state);
        if (timer != previousTimer) {
            if (previousTimer != NO_TIMER) {
                timers.delete(JobTimers.key(previousTimer, state.getJobId()));
            }
            timers.put(JobTimers.key(timer, state.getJobId()), state.getJobId());
        }
    }

    /**
     * The next wall-clock moment the job needs attention: a finished job's end of retention, a waiting
     * job's next routing attempt, otherwise its deadline (epoch milliseconds).
     */
    private long timerOf(JobState state) {
        if (isFinal(state)) {
            return state.getFinishedAt().plus(settings.finishedRetention()).toEpochMilli();
        }
        long deadline = state.getDeadline().toEpochMilli();
        if ((state.getPhase() == JobPhase.WAITING || state.getPhase() == JobPhase.HELD) && state.getNextRouteAt() != null) {
            return Math.min(deadline, state.getNextRouteAt().toEpochMilli());
        }
        return deadline;
    }

    private List<DeploymentSnapshot> snapshots() {
        long version = view.version();
        long nowMs = context.currentSystemTimeMs();
        // Decode the global stores again when they changed, and at least every second should a change
        // ever go unsignalled (a store restored from its topic at start-up bypasses the updaters).
        if (version != cachedVersion || nowMs - cachedAtMs >= 1_000 || nowMs < cachedAtMs) {
            List<ProviderStatus> statuses = new ArrayList<>();
            try (KeyValueIterator<String, ProviderStatus> all = deployments.all()) {
                while (all.hasNext()) {
                    statuses.add(all.next().value);
                }
            }
            Map<String, DeploymentStats> stats = new HashMap<>();
            for (ProviderStatus status : statuses) {
                DeploymentStats learnedStats = learned.get(status.getDeploymentId());
                if (learnedStats != null) {
                    stats.put(status.getDeploymentId(), learnedStats);
                }
            }
            cachedStatuses = statuses;
            cachedStats = stats;
            if (budget != null) {
                double costUsd = 0;
                long successes = 0;
                for (DeploymentStats s : stats.values()) {
                    costUsd += s.getCostUsdTotal();
                    successes += s.getSuccesses();
                }
                budget.observe(Instant.ofEpochMilli(nowMs), costUsd, successes);
            }
            cachedVersion = version;
            cachedAtMs = nowMs;
        }
        List<DeploymentSnapshot> out = new ArrayList<>(cachedStatuses.size());
        for (ProviderStatus status : cachedStatuses) {
            RoutedSinceHeartbeat routed = routedSince.get(status.getDeploymentId());
            out.add(new DeploymentSnapshot(status, routed == null ? 0 : routed.since(status.getObservedAt()),
                    cachedStats.get(status.getDeploymentId())));
        }
        return out;
    }

    private Instant now() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
    }

    private static boolean isFinal(JobState state) {
        return state.getPhase() == JobPhase.SUCCEEDED || state.getPhase() == JobPhase.FAILED;
    }

    private static void withJob(String jobId, Runnable action) {
        MDC.put("job_id", jobId == null ? "" : jobId);
        try {
            action.run();
        } finally {
            MDC.remove("job_id");
        }
    }

    /** Count of jobs routed to one deployment since the heartbeat observed at {@code heartbeat}. */
    private static final class RoutedSinceHeartbeat {
        private Instant heartbeat = Instant.EPOCH;
        private int count;

        void add(Instant currentHeartbeat) {
            since(currentHeartbeat);
            count++;
        }

        int since(Instant currentHeartbeat) {
            if (currentHeartbeat.isAfter(heartbeat)) {
                heartbeat = currentHeartbeat;
                count = 0;
            }
            return count;
        }
    }

}
