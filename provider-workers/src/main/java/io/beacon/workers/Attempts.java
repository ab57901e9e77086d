package io.beacon.workers;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.core.JobMdc;
import java.time.Instant;

/** Builds the {@link JobAttempt} records a worker publishes (and the policy lab's virtual workers). */
public final class Attempts {

    static final String UNKNOWN = JobMdc.UNKNOWN;

    private Attempts() {
    }

    /** The attempt for {@code job}, as the call (or the refusal to call) ended. */
    public static JobAttempt of(RoutedJob job, CallOutcome outcome, String workerId) {
        return JobAttempt.newBuilder()
                .setJobId(job.getJobId())
                .setDeploymentId(job.getDeploymentId())
                .setProvider(job.getProvider())
                .setRegion(job.getRegion())
                .setAttempt(job.getAttempt())
                .setOutcome(outcome.outcome())
                .setResponse(outcome.response())
                .setError(outcome.error())
                .setStartedAt(outcome.startedAt())
                .setFinishedAt(outcome.finishedAt())
                .setProviderTimeMs(outcome.providerTimeMs())
                .setQueueTimeMs(outcome.queueTimeMs())
                .setBilledSeconds(outcome.billedSeconds())
                .setCostEstimateUsd(outcome.costEstimateUsd())
                .setPromptTokens(outcome.promptTokens())
                .setCompletionTokens(outcome.completionTokens())
                .setWorkerId(workerId)
                .setBlame(outcome.blame())
                .build();
    }

    /** The attempt for a record that is not a RoutedJob: only the key tells which job it was. */
    static JobAttempt undecodable(String jobId, ProviderKind kind, String error, Instant at, String workerId) {
        return JobAttempt.newBuilder()
                .setJobId(jobId == null ? UNKNOWN : jobId)
                .setDeploymentId(UNKNOWN)
                .setProvider(kind)
                .setRegion(UNKNOWN)
                .setAttempt(0)
                .setOutcome(AttemptOutcome.PERMANENT_FAILURE)
                .setResponse(null)
                .setError(error)
                .setStartedAt(at)
                .setFinishedAt(at)
                .setProviderTimeMs(0)
                .setQueueTimeMs(0)
                .setBilledSeconds(0.0)
                .setCostEstimateUsd(0.0)
                .setPromptTokens(0)
                .setCompletionTokens(0)
                .setWorkerId(workerId)
                // The job itself cannot be read: it would fail anywhere.
                .setBlame(FailureBlame.REQUEST)
                .build();
    }
}
