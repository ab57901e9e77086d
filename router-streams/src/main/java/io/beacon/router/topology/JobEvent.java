package io.beacon.router.topology;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;

/**
 * What can happen to a job: a request arrives or an attempt reports back. Both streams are keyed by
 * job id and co-partitioned, so one task sees every event of a job; this type lets one processor own
 * the job-state store. It is never serialized (it only travels between processors of one task).
 */
sealed interface JobEvent {

    record Requested(InferenceRequest request) implements JobEvent {
    }

    record Attempted(JobAttempt attempt) implements JobEvent {
    }
}
