package io.beacon.workers.runpod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.sim.LatencyModel;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.Sims;
import io.beacon.workers.TestJobs;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The RunPod client against a simulated serverless endpoint that demands an API key. */
class RunPodClientTest {

    private static ProviderSimulator fast;
    private static ProviderSimulator slow;
    private static DeploymentEndpoint fastEndpoint;
    private static DeploymentEndpoint slowEndpoint;

    private RunPodClient client;

    @BeforeAll
    static void startEndpoints() {
        fast = Sims.start("runpod-fast", SimProvider.RUNPOD, Duration.ofMillis(100), 8, Sims.credentials());
        slow = Sims.start("runpod-slow", SimProvider.RUNPOD, Duration.ofMillis(1_800), 8, Sims.credentials());
        fastEndpoint = Sims.endpoint(fast, Duration.ofSeconds(10));
        slowEndpoint = Sims.endpoint(slow, Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopEndpoints() {
        fast.close();
        slow.close();
    }

    @AfterEach
    void recover() {
        fast.faults().recover();
        slow.faults().recover();
        if (client != null) {
            client.close();
        }
    }

    /** A client whose runsync returns after at most one second, so slow jobs are polled. */
    private RunPodClient client(ProviderSecrets secrets) {
        client = new RunPodClient(Sims.http(Sims.executor()), Sims.clock(), secrets, Duration.ofMillis(500),
                Duration.ofSeconds(1), null);
        return client;
    }

    private static RoutedJob prompt(String id, DeploymentEndpoint d, Duration deadline) {
        return TestJobs.promptJob(id, d, Instant.now().plus(deadline));
    }

    private static CallOutcome call(RunPodClient c, RoutedJob job, DeploymentEndpoint d) throws Exception {
        return c.call(job, d).get(20, TimeUnit.SECONDS);
    }

    @Test
    void shouldCompleteWithinRunsyncWithRunPodsFiguresAndBillNothingItself() throws Exception {
        CallOutcome outcome = call(client(Sims.secrets()), prompt("job-sync", fastEndpoint, Duration.ofSeconds(30)),
                fastEndpoint);

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isNotBlank();
        assertThat(outcome.providerTimeMs()).isBetween(90L, 1_000L);
        assertThat(outcome.billedSeconds()).as("billed by the cost ledger, not the client").isZero();
        assertThat(outcome.costEstimateUsd()).isZero();
        assertThat(outcome.promptTokens()).isPositive();
        assertThat(outcome.completionTokens()).isPositive();
    }

    @Test
    void shouldCompleteAChatJob() throws Exception {
        CallOutcome outcome = call(client(Sims.secrets()),
                TestJobs.chatJob("job-chat", fastEndpoint, Instant.now().plusSeconds(30)), fastEndpoint);

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isNotBlank();
    }

    @Test
    void shouldPollStatusWhenRunsyncReturnsBeforeTheJobIsDone() throws Exception {
        // Given a job that runs ~1.8 s while runsync waits at most 1 s
        RunPodClient runpod = client(Sims.secrets());

        // When it runs
        CallOutcome outcome = call(runpod, prompt("job-poll", slowEndpoint, Duration.ofSeconds(30)), slowEndpoint);

        // Then the client polls /status until COMPLETED and reports RunPod's execution time
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isNotBlank();
        assertThat(outcome.wallTime()).isGreaterThanOrEqualTo(Duration.ofMillis(1_700));
        assertThat(outcome.providerTimeMs()).isGreaterThanOrEqualTo(1_700L);
        assertThat(outcome.billedSeconds()).as("billed by the cost ledger, not the client").isZero();
    }

    @Test
    void shouldFailRetryablyWhenTheJobFailsOnTheWorker() throws Exception {
        fast.faults().failRate(1.0);

        CallOutcome outcome = call(client(Sims.secrets()), prompt("job-failed", fastEndpoint, Duration.ofSeconds(30)),
                fastEndpoint);

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.blame()).isEqualTo(FailureBlame.UNHEALTHY);
        assertThat(outcome.error()).contains("failed on the worker");
    }

    @Test
    void shouldFailRetryablyWhenRateLimited() throws Exception {
        fast.faults().failAll(429);

        CallOutcome outcome = call(client(Sims.secrets()), prompt("job-429", fastEndpoint, Duration.ofSeconds(30)),
                fastEndpoint);

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.error()).contains("HTTP 429");
        assertThat(outcome.billedSeconds()).isZero();
    }

    @Test
    void shouldBlameTheDeploymentWhenTheApiKeyIsRefusedWithoutQuotingIt() throws Exception {
        CallOutcome outcome = call(client(ProviderSecrets.of("rp_wrong_key_000", null, null)),
                prompt("job-401", fastEndpoint, Duration.ofSeconds(30)), fastEndpoint);

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.blame()).isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(outcome.error()).contains("refused the API key").doesNotContain("rp_wrong_key_000");
    }

    @Test
    void shouldFailPermanentlyOnABadRequest() throws Exception {
        fast.faults().failAll(400);

        CallOutcome outcome = call(client(Sims.secrets()), prompt("job-400", fastEndpoint, Duration.ofSeconds(30)),
                fastEndpoint);

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.PERMANENT_FAILURE);
        assertThat(outcome.blame()).isEqualTo(FailureBlame.REQUEST);
        assertThat(outcome.error()).contains("HTTP 400");
    }

    @Test
    void shouldCancelTheJobWhenTheDeadlinePassesWhilePolling() throws Exception {
        // Given a job that would run ~9 s but must be done in 1.5 s
        slow.faults().slowDown(5.0);
        long failedBefore = slow.stats().failed();

        // When it runs
        CallOutcome outcome = call(client(Sims.secrets()), prompt("job-late", slowEndpoint, Duration.ofMillis(1_500)),
                slowEndpoint);

        // Then the client cancels it on RunPod and reports a retryable failure near the deadline
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.error()).contains("did not finish before the attempt's deadline").contains("cancelled it");
        assertThat(outcome.wallTime()).isBetween(Duration.ofMillis(1_000), Duration.ofMillis(3_000));
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.stats().failed() == failedBefore + 1);
        assertThat(slow.stats().inFlight()).isZero();
    }

    @Test
    void shouldProbeHealthyAndUnhealthyWhenTheEndpointFails() throws Exception {
        RunPodClient runpod = client(Sims.secrets());
        ProbeOutcome healthy = runpod.probe(fastEndpoint).get(5, TimeUnit.SECONDS);
        fast.faults().failAll(500);
        ProbeOutcome failing = runpod.probe(fastEndpoint).get(5, TimeUnit.SECONDS);

        assertThat(healthy.healthy()).isTrue();
        assertThat(failing.healthy()).isFalse();
        assertThat(failing.blame()).isEqualTo(FailureBlame.UNHEALTHY);
        assertThat(failing.error()).contains("HTTP 500");
    }

    @Test
    void shouldProbeUnhealthyWhenTheApiKeyIsMissing() throws Exception {
        ProbeOutcome probe = client(ProviderSecrets.none()).probe(fastEndpoint).get(5, TimeUnit.SECONDS);

        assertThat(probe.healthy()).isFalse();
        assertThat(probe.blame()).as("a refused key is the set-up's fault").isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(probe.error()).contains("HTTP 401");
    }

    /** A worker-vllm endpoint started with MODEL_NAME=meta-llama/Llama-3.2-1B-Instruct and a small context window. */
    private static ProviderSimulator workerVllm(int maxModelLen) {
        return ProviderSimulator.start(SimulatedDeployment.builder("runpod-vllm", SimProvider.RUNPOD)
                .models("meta-llama/Llama-3.2-1B-Instruct").latency(LatencyModel.fixed(Duration.ofMillis(50)))
                .coldStart(Duration.ZERO).maxModelLen(maxModelLen).build(), "127.0.0.1", 0, Sims.credentials());
    }

    @Test
    void shouldSendTheJobAsChatMessagesWithWorkerVllmsSamplingParams() {
        // Given a prompt job and a chat job
        RoutedJob promptJob = prompt("job-shape", fastEndpoint, Duration.ofSeconds(30));
        RoutedJob chatJob = TestJobs.chatJob("job-shape-chat", fastEndpoint, Instant.now().plusSeconds(30));

        // When their RunPod bodies are built
        JsonNode prompt = RunPodClient.body(promptJob.getRequest(), Duration.ofSeconds(20));
        JsonNode chat = RunPodClient.body(chatJob.getRequest(), Duration.ofSeconds(20));

        // Then both go as input.messages (the prompt as one user message), never as a raw input.prompt
        JsonNode input = prompt.get("input");
        assertThat(input.has("prompt")).isFalse();
        assertThat(input.get("messages")).hasSize(1);
        assertThat(input.get("messages").get(0).get("role").asText()).isEqualTo("user");
        assertThat(input.get("messages").get(0).get("content").asText()).isEqualTo("Say hello");
        assertThat(input.get("sampling_params").get("max_tokens").asInt()).isEqualTo(32);
        assertThat(input.get("sampling_params").get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(input.get("model").asText()).isEqualTo(TestJobs.MODEL);
        assertThat(prompt.get("policy").get("executionTimeout").asLong()).isEqualTo(20_000);
        assertThat(chat.get("input").get("messages")).extracting(m -> m.get("role").asText())
                .containsExactly("system", "user");
    }

    @Test
    void shouldBeAnsweredByTheEndpointsOneModelWhateverModelTheJobNames() throws Exception {
        // Given a worker-vllm endpoint serving the Hugging Face id, and a job naming the Ollama tag
        try (ProviderSimulator vllm = workerVllm(8192)) {
            DeploymentEndpoint d = Sims.endpoint(vllm, Duration.ofSeconds(10));

            // When it runs
            CallOutcome outcome = call(client(Sims.secrets()), prompt("job-any-model", d, Duration.ofSeconds(30)), d);

            // Then worker-vllm ignores input.model: its own model answers
            assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
            assertThat(outcome.response()).contains("meta-llama/Llama-3.2-1B-Instruct");
        }
    }

    @Test
    void shouldFailPermanentlyWithTheWorkersMessageWhenACompletedJobsOutputHoldsAnError() throws Exception {
        // Given a worker-vllm endpoint whose context window is shorter than the job's prompt
        try (ProviderSimulator vllm = workerVllm(3)) {
            DeploymentEndpoint d = Sims.endpoint(vllm, Duration.ofSeconds(10));

            // When it runs
            CallOutcome outcome = call(client(Sims.secrets()), prompt("job-too-long", d, Duration.ofSeconds(30)), d);

            // Then the error inside the COMPLETED output is the job's permanent failure, in worker-vllm's words
            assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.PERMANENT_FAILURE);
            assertThat(outcome.error()).contains("completed with an error from the worker")
                    .contains("longer than the maximum model length of 3").doesNotContain("cannot read");
        }
    }
}
