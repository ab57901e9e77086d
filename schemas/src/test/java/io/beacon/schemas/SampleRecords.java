package io.beacon.schemas;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CandidateScore;
import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Realistic records of every contract type for tests. Instants are whole milliseconds, the precision
 * of Avro's {@code timestamp-millis}, so a round trip gives back an equal record.
 */
public final class SampleRecords {

    public static final Instant CREATED_AT = Instant.parse("2026-03-14T09:26:53.589Z");

    private SampleRecords() {
    }

    /** A chat request with every optional field set: messages, metadata, region, price cap, deadline. */
    public static InferenceRequest chatRequest() {
        return InferenceRequest.newBuilder()
                .setJobId("job-0001")
                .setModel("llama3.2:1b")
                .setMessages(List.of(
                        new ChatMessage("system", "Answer in one sentence."),
                        new ChatMessage("user", "Why is the sky blue? ¿Y en español? 空はなぜ青い")))
                .setTemperature(0.7)
                .setMaxTokens(256)
                .setRegionPreference("us-east")
                .setCostPriority(false)
                .setProviderPreference(List.of(ProviderKind.GOLEM, ProviderKind.RUNPOD))
                .setAllowFallbacks(false)
                .setMaxPricePerInferenceUsd(0.0025)
                .setDeadline(CREATED_AT.plus(Duration.ofSeconds(30)))
                .setCreatedAt(CREATED_AT)
                .setMetadata(Map.of("runner_job_id", "r-42", "benchmark", "mmlu-mini"))
                .build();
    }

    /** A single-turn request that leaves every union null and every defaulted field at its default. */
    public static InferenceRequest promptRequest() {
        return InferenceRequest.newBuilder()
                .setJobId("job-0002")
                .setModel("qwen2.5:0.5b")
                .setPrompt("Say hello.")
                .setCreatedAt(CREATED_AT)
                .build();
    }

    public static RoutedJob routedJob() {
        return RoutedJob.newBuilder()
                .setJobId("job-0001")
                .setRequest(chatRequest())
                .setDeploymentId("runpod-us-east")
                .setProvider(ProviderKind.RUNPOD)
                .setRegion("us-east")
                .setAttempt(2)
                .setReason("golem-eu-central-1 failed; runpod-us-east is the fastest eligible deployment")
                .setExpectedCostUsd(0.00042)
                .setExpectedLatencyMs(1_850)
                .setRoutedAt(CREATED_AT.plusMillis(120))
                .setDeadline(CREATED_AT.plus(Duration.ofSeconds(30)))
                .setCandidates(List.of(
                        new CandidateScore("runpod-us-east", ProviderKind.RUNPOD, true, 1.85, "latency 1.85 s"),
                        new CandidateScore("golem-eu-central-1", ProviderKind.GOLEM, false, 0.0, "already tried")))
                .build();
    }

    public static JobAttempt succeededAttempt() {
        return JobAttempt.newBuilder()
                .setJobId("job-0001")
                .setDeploymentId("runpod-us-east")
                .setProvider(ProviderKind.RUNPOD)
                .setRegion("us-east")
                .setAttempt(2)
                .setOutcome(AttemptOutcome.SUCCEEDED)
                .setResponse("Rayleigh scattering.")
                .setStartedAt(CREATED_AT.plusMillis(150))
                .setFinishedAt(CREATED_AT.plusMillis(2_010))
                .setProviderTimeMs(1_700)
                .setQueueTimeMs(90)
                .setBilledSeconds(1.7)
                .setCostEstimateUsd(0.000_391)
                .setPromptTokens(31)
                .setCompletionTokens(12)
                .setWorkerId("runpod-worker-1")
                .build();
    }

    public static JobAttempt failedAttempt() {
        return JobAttempt.newBuilder(succeededAttempt())
                .setOutcome(AttemptOutcome.RETRYABLE_FAILURE)
                .setResponse(null)
                .setError("HTTP 503 from provider: worker pool exhausted")
                .setCompletionTokens(0)
                .build();
    }

    public static InferenceResult result() {
        return InferenceResult.newBuilder()
                .setJobId("job-0001")
                .setSuccess(true)
                .setResponse("Rayleigh scattering.")
                .setError(null)
                .setProviderUsed("runpod-us-east")
                .setProvider(ProviderKind.RUNPOD)
                .setRegion("us-east")
                .setInferenceTime(1.7)
                .setCostEstimate(0.000_52)
                .setAttempts(2)
                .setRoute(List.of("golem-eu-central-1", "runpod-us-east"))
                .setCreatedAt(CREATED_AT)
                .setCompletedAt(CREATED_AT.plusMillis(2_050))
                .setMetadata(Map.of("runner_job_id", "r-42"))
                .build();
    }

    public static ProviderStatus healthyStatus() {
        return ProviderStatus.newBuilder()
                .setDeploymentId("golem-eu-central-1")
                .setProvider(ProviderKind.GOLEM)
                .setRegion("eu-central-1")
                .setModels(List.of("llama3.2:1b", "qwen2.5:0.5b"))
                .setPricePerSecondUsd(0.000_02)
                .setCapacity(4)
                .setInFlight(3)
                .setQueued(1)
                .setHealthy(true)
                .setCircuitState(CircuitState.CLOSED)
                .setProbeLatencyMs(38L)
                .setObservedAt(CREATED_AT)
                .setWorkerId("golem-worker-1")
                .build();
    }

    public static ProviderStatus unhealthyStatus() {
        return ProviderStatus.newBuilder(healthyStatus())
                .setHealthy(false)
                .setCircuitState(CircuitState.OPEN)
                .setProbeLatencyMs(null)
                .setError("probe timed out after 2 s")
                .build();
    }
}
