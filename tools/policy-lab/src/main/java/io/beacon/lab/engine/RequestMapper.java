package io.beacon.lab.engine;

import io.beacon.lab.workload.JobSpec;
import io.beacon.schemas.avro.InferenceRequest;
import java.time.Instant;
import java.util.Map;

/**
 * A workload job as the runner would send it. The job's deadline becomes the request's {@code deadline}. Its
 * latency class has no field of its own in the request yet: it travels in {@code metadata.latency_class}, and
 * the request's {@code cost_priority} is the class's (batch: true, interactive: false, unless the scenario says
 * otherwise). When the request gains a latency-class field, it is set here and nowhere else.
 */
final class RequestMapper {

    static final String LATENCY_CLASS = "latency_class";
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
                .setCreatedAt(createdAt)
                .setMetadata(withDeadline ? Map.of(LATENCY_CLASS, job.latencyClass().label()) : Map.of())
                .build();
    }
}
