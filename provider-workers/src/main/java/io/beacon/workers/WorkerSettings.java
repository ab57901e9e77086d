package io.beacon.workers;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.health.ModelDiscovery;
import io.beacon.workers.resilience.CircuitSettings;
import io.beacon.workers.resilience.RetrySettings;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings the delivery loop itself uses, resolved from {@link WorkerConfig} (or written directly in
 * tests).
 *
 * @param kind              provider kind this worker serves
 * @param workerId          written into every attempt and heartbeat
 * @param maxOutstanding    jobs taken and not yet acknowledged above which the consumer pauses
 * @param resumeOutstanding the low-water mark below which it resumes
 * @param heartbeatInterval how often a ProviderStatus per deployment is published
 * @param probeInterval     how often each deployment is probed
 * @param probeTimeout      how long a probe may take
 * @param circuit           how each deployment's circuit breaker judges calls
 * @param retry             retries of 429/503 answers on the same deployment within one attempt
 * @param pollTimeout       longest wait in one {@code poll}; completions wait at most this long
 * @param modelDiscovery    when scale-to-zero deployments are asked for their model list
 */
public record WorkerSettings(ProviderKind kind, String workerId, int maxOutstanding, int resumeOutstanding,
                             Duration heartbeatInterval, Duration probeInterval, Duration probeTimeout,
                             CircuitSettings circuit, RetrySettings retry, Duration pollTimeout,
                             ModelDiscovery modelDiscovery) {

    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(50);

    public WorkerSettings {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(circuit, "circuit");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(modelDiscovery, "modelDiscovery");
        if (maxOutstanding < 1) {
            throw new IllegalArgumentException("maxOutstanding must be at least 1");
        }
        if (resumeOutstanding < 0 || resumeOutstanding >= maxOutstanding) {
            throw new IllegalArgumentException("resumeOutstanding must be >= 0 and below maxOutstanding");
        }
    }

    /** The defaults of {@link WorkerConfig}. */
    public static WorkerSettings defaults(ProviderKind kind, String workerId) {
        return new WorkerSettings(kind, workerId, WorkerConfig.DEFAULT_MAX_OUTSTANDING,
                WorkerConfig.DEFAULT_MAX_OUTSTANDING / 2, Duration.ofMillis(WorkerConfig.DEFAULT_HEARTBEAT_INTERVAL_MS),
                Duration.ofMillis(WorkerConfig.DEFAULT_PROBE_INTERVAL_MS),
                Duration.ofMillis(WorkerConfig.DEFAULT_PROBE_TIMEOUT_MS), CircuitSettings.defaults(),
                RetrySettings.defaults(), DEFAULT_POLL_TIMEOUT, ModelDiscovery.defaults());
    }

    /** A copy with other back-pressure bounds; resuming at half of {@code max}. */
    public WorkerSettings withMaxOutstanding(int max) {
        return new WorkerSettings(kind, workerId, max, max / 2, heartbeatInterval, probeInterval, probeTimeout,
                circuit, retry, pollTimeout, modelDiscovery);
    }

    public WorkerSettings withIntervals(Duration heartbeat, Duration probe, Duration probeTimeoutValue) {
        return new WorkerSettings(kind, workerId, maxOutstanding, resumeOutstanding, heartbeat, probe,
                probeTimeoutValue, circuit, retry, pollTimeout, modelDiscovery);
    }

    public WorkerSettings withCircuit(CircuitSettings value) {
        return new WorkerSettings(kind, workerId, maxOutstanding, resumeOutstanding, heartbeatInterval,
                probeInterval, probeTimeout, value, retry, pollTimeout, modelDiscovery);
    }

    public WorkerSettings withRetry(RetrySettings value) {
        return new WorkerSettings(kind, workerId, maxOutstanding, resumeOutstanding, heartbeatInterval,
                probeInterval, probeTimeout, circuit, value, pollTimeout, modelDiscovery);
    }

    public WorkerSettings withModelDiscovery(ModelDiscovery value) {
        return new WorkerSettings(kind, workerId, maxOutstanding, resumeOutstanding, heartbeatInterval,
                probeInterval, probeTimeout, circuit, retry, pollTimeout, value);
    }
}
