package io.beacon.router.topology;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;

/**
 * What can happen to a job: a request arrives or an attempt reports back. Both streams are keyed by
 * job id and co-partitioned, so one task sees every event of a job; this type lets one processor own
 * the job-state store. It is never serialized (it only travels between processors of one task); public so
 * that a runtime other than Kafka Streams (the policy lab) can feed {@link RouterProcessors#jobLifecycle()}.
 */
public sealed interface JobEvent {

    /** A request arrived (null when its record could not be read). */
    record Requested(InferenceRequest request) implements JobEvent {
    }

    /** A worker reported an attempt. */
    record Attempted(JobAttempt attempt) implements JobEvent {
    }
}
