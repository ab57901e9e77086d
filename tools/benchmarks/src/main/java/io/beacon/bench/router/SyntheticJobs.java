package io.beacon.bench.router;

import io.beacon.schemas.avro.CandidateScore;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The benchmark's traffic: requests shaped like the runner's (a ~300-character prompt on a small model,
 * cost priority, metadata), three deployments that can take everything, and the routed job a pipe
 * writes in place of the router's decision, about the same size as the router's.
 *
 * <p>Request {@code i} prefers provider {@code i mod 3}, so the routed jobs spread evenly over the three
 * provider topics (with cost priority alone every job would go to the Golem baseline tier).
 */
public final class SyntheticJobs {

    public static final String MODEL = "llama3.2:1b";
    /** Far enough ahead that no job times out during the benchmark. */
    public static final Duration DEADLINE = Duration.ofDays(1);
    static final List<ProviderKind> KINDS = List.of(ProviderKind.GOLEM, ProviderKind.MODAL, ProviderKind.RUNPOD);

    private static final int PROMPT_CHARS = 300;
    private static final int DISTINCT_PROMPTS = 64;
    private static final List<String> SENTENCES = List.of(
            "Summarise the following support ticket for an on-call engineer.",
            "The customer reports that invoices generated after the last release show the wrong currency.",
            "List the three most likely causes and the log lines that would confirm each one.",
            "Answer in plain English without bullet points and keep it under one hundred words.",
            "Assume the reader knows the billing service but has never seen this ticket before.",
            "Mention any data that should be checked before a refund is issued.",
            "Translate the final answer into German after giving it in English.",
            "Rate the urgency from one to five and explain the rating in one sentence.");
    private static final double EXPECTED_SECONDS = 1.5;

    private final List<String> prompts;
    private final List<CandidateScore> candidates;

    /** Deterministic for a seed, so runs are comparable. */
    public SyntheticJobs(long seed) {
        Random random = new Random(seed);
        List<String> made = new ArrayList<>();
        for (int i = 0; i < DISTINCT_PROMPTS; i++) {
            StringBuilder prompt = new StringBuilder();
            while (prompt.length() < PROMPT_CHARS) {
                prompt.append(SENTENCES.get(random.nextInt(SENTENCES.size()))).append(' ');
            }
            made.add(prompt.substring(0, PROMPT_CHARS));
        }
        this.prompts = List.copyOf(made);
        List<CandidateScore> scores = new ArrayList<>();
        for (ProviderStatus status : heartbeats(Instant.EPOCH)) {
            double cost = status.getPricePerSecondUsd() * EXPECTED_SECONDS;
            scores.add(CandidateScore.newBuilder().setDeploymentId(status.getDeploymentId())
                    .setProvider(status.getProvider()).setEligible(true).setScore(cost)
                    .setNote(String.format(Locale.ROOT, "load 0/%d, expected $%.6f, %d ms", status.getCapacity(),
                            cost, Math.round(EXPECTED_SECONDS * 1000)))
                    .build());
        }
        this.candidates = List.copyOf(scores);
    }

    /** The {@code index}-th request of a run, created now. */
    public InferenceRequest request(String jobId, int index, Instant now) {
        return InferenceRequest.newBuilder()
                .setJobId(jobId)
                .setModel(MODEL)
                .setPrompt(prompts.get(index % prompts.size()))
                .setTemperature(0.2)
                .setMaxTokens(256)
                .setCostPriority(true)
                .setProviderPreference(List.of(KINDS.get(index % KINDS.size())))
                .setAllowFallbacks(true)
                .setDeadline(now.plus(DEADLINE))
                .setCreatedAt(now)
                .setMetadata(Map.of("benchmark", "router", "runner_job_id", "bench-" + index))
                .build();
    }

    /**
     * What the pipes write: the routed job the router would make for {@code request} (first preferred
     * provider, the same candidates and a reason of the same length), without any state or policy.
     */
    public RoutedJob routedWithoutRouter(InferenceRequest request, Instant now) {
        ProviderKind kind = request.getProviderPreference().isEmpty() ? ProviderKind.GOLEM
                : request.getProviderPreference().get(0);
        CandidateScore chosen = candidates.stream().filter(c -> c.getProvider() == kind).findFirst()
                .orElse(candidates.get(0));
        return RoutedJob.newBuilder()
                .setJobId(request.getJobId())
                .setRequest(request)
                .setDeploymentId(chosen.getDeploymentId())
                .setProvider(kind)
                .setRegion(region(kind))
                .setAttempt(1)
                .setReason("preferred provider " + kind.name().toLowerCase(Locale.ROOT)
                        + "; baseline tier has headroom, cheapest")
                .setExpectedCostUsd(chosen.getScore())
                .setExpectedLatencyMs(Math.round(EXPECTED_SECONDS * 1000))
                .setRoutedAt(now)
                .setDeadline(request.getDeadline() != null ? request.getDeadline() : now.plus(DEADLINE))
                .setCandidates(candidates)
                .build();
    }

    /**
     * One healthy deployment per provider kind with room for far more jobs than a run sends, observed at
     * {@code observedAt}. Give a time far in the future so the heartbeats never go stale.
     */
    public static List<ProviderStatus> heartbeats(Instant observedAt) {
        List<ProviderStatus> out = new ArrayList<>();
        double[] pricePerSecondUsd = {0.0001, 0.0006, 0.0004};
        for (int i = 0; i < KINDS.size(); i++) {
            ProviderKind kind = KINDS.get(i);
            out.add(ProviderStatus.newBuilder()
                    .setDeploymentId(kind.name().toLowerCase(Locale.ROOT) + "-bench-" + region(kind))
                    .setProvider(kind)
                    .setRegion(region(kind))
                    .setModels(List.of(MODEL, "mistral:7b"))
                    .setPricePerSecondUsd(pricePerSecondUsd[i])
                    .setCapacity(1_000_000_000)
                    .setInFlight(0)
                    .setQueued(0)
                    .setHealthy(true)
                    .setCircuitState(CircuitState.CLOSED)
                    .setProbeLatencyMs(5L)
                    .setObservedAt(observedAt)
                    .setWorkerId("router-benchmark")
                    .build());
        }
        return out;
    }

    private static String region(ProviderKind kind) {
        return kind == ProviderKind.GOLEM ? "eu-central" : "us-east";
    }
}
