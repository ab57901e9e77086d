package io.beacon.lab.engine;

import io.beacon.lab.workload.JobSpec;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.LatencyClass;
import java.time.Instant;

/**
 * A workload job as the runner would send it. The job's deadline becomes the request's {@code deadline}, its
 * latency class the request's {@code latency_class}, and the request's {@code cost_priority} is the class's
 * (batch: true, interactive: false, unless the scenario says otherwise). {@code beacon-no-deadline} sends
 * neither (the class UNSPECIFIED, the router's default deadline).
 */
final class RequestMapper {

    /** The prompt's text does not change routing; one short prompt keeps the lab's requests cheap. */
    private static final String PROMPT = "Describe a typical day of a nurse in three sentences.";

    private RequestMapper() {
    }

    static String jobId(int index) {
        return "j" + index;
    }

    static int index(String jobId) {
        return Integer.parseInt(jobId, 1, jobId.length(), 10);
    }

    /**
     * @param withDeadline whether the job's deadline and latency class are sent ({@code beacon-no-deadline}:
     *                     not, so the router's default deadline applies)
     */
    static InferenceRequest request(JobSpec job, Instant createdAt, boolean withDeadline) {
        return request(job, createdAt, withDeadline, true);
    }

    private static LatencyClass latencyClass(JobSpec job) {
        return switch (job.latencyClass()) {
            case INTERACTIVE -> LatencyClass.INTERACTIVE;
            case BATCH -> LatencyClass.BATCH;
        };
    }

    /** @param withPreferences whether the job's region and provider preference are sent */
    static InferenceRequest request(JobSpec job, Instant createdAt, boolean withDeadline, boolean withPreferences) {
        return InferenceRequest.newBuilder()
                .setJobId(jobId(job.index()))
                .setModel(job.model())
                .setPrompt(PROMPT)
                .setTemperature(0.1)
                .setMaxTokens(job.maxTokens())
                .setRegionPreference(withPreferences ? job.region() : null)
                .setCostPriority(job.costPriority())
                .setProviderPreference(withPreferences ? job.providerPreference() : java.util.List.of())
                .setDeadline(withDeadline ? createdAt.plusNanos(job.deadlineNanos()) : null)
                .setLatencyClass(withDeadline ? latencyClass(job) : LatencyClass.UNSPECIFIED)
                .setCreatedAt(createdAt)
                .build();
    }
}
