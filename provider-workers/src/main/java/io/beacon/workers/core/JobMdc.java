package io.beacon.workers.core;

import org.slf4j.MDC;

/**
 * Puts a job's id into the SLF4J MDC under {@code job_id} (the router's key too) for the log lines of one
 * block, then restores what was there. Calls finish on HTTP threads that serve many jobs, so the id is set
 * around each log statement's block, never left on a thread:
 * <pre>{@code
 * try (JobMdc ignored = JobMdc.of(job.getJobId())) {
 *     LOG.info("attempt finished ...");
 * }
 * }</pre>
 */
public final class JobMdc implements AutoCloseable {

    /** The MDC key; log patterns and JSON output show it as {@code job_id}. */
    public static final String KEY = "job_id";
    /** What a block without a job id (an undecodable record without a key) shows. */
    public static final String UNKNOWN = "unknown";

    private final String previous;

    private JobMdc(String previous) {
        this.previous = previous;
    }

    /** Sets {@code jobId} (or {@code unknown} when null) until {@link #close()}. */
    public static JobMdc of(String jobId) {
        String previous = MDC.get(KEY);
        MDC.put(KEY, jobId == null ? UNKNOWN : jobId);
        return new JobMdc(previous);
    }

    /** Restores the id that was set before (a job's block nested in another's), or removes it. */
    @Override
    public void close() {
        if (previous == null) {
            MDC.remove(KEY);
        } else {
            MDC.put(KEY, previous);
        }
    }
}
