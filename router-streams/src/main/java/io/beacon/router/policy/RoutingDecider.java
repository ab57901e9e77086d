package io.beacon.router.policy;

import io.beacon.schemas.avro.InferenceRequest;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;

/**
 * The one question the job lifecycle asks when a job needs a deployment (a new job, a failover, a retry after
 * a wait, a held job judged again): which deployment, if any, and why. {@link RoutingPolicy} is the router's
 * answer; the policy lab runs other answers (round-robin, cheapest-first, ...) through the same lifecycle to
 * compare them.
 *
 * <p>An implementation must be deterministic for the same inputs or say where it is not (a weighted random
 * choice), must never choose a deployment that is not in {@code deployments}, and returns
 * {@link Decision#none} when nothing can take the job: the lifecycle then waits with back-off until the
 * job's deadline. A decider may instead {@link Decision#hold} the job for cheaper capacity: the lifecycle keeps
 * it, durably, and asks again when capacity frees, time passes or the job must be released.
 */
@FunctionalInterface
public interface RoutingDecider {

    /**
     * @param request      the job as the runner sent it
     * @param alreadyTried deployments this job has had an attempt on (empty on a retry after a wait)
     * @param deployments  every deployment the router knows, with its heartbeat, the load routed since it and
     *                     what the router learned from outcomes
     * @param now          the router's wall clock
     * @param backlog      which provider kinds' job queues are falling behind
     */
    Decision decide(InferenceRequest request, Set<String> alreadyTried, Collection<DeploymentSnapshot> deployments,
                    Instant now, ProviderBacklog backlog);

    /**
     * The same question with what the lifecycle knows of the job's deadline, the jobs held ahead of it and the
     * blended cost so far. A decider that neither holds jobs nor steers by budget ignores it (the default).
     */
    default Decision decide(InferenceRequest request, Set<String> alreadyTried,
                            Collection<DeploymentSnapshot> deployments, Instant now, ProviderBacklog backlog,
                            RoutingContext context) {
        return decide(request, alreadyTried, deployments, now, backlog);
    }
}
