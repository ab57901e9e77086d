package io.beacon.sim;

import static io.beacon.sim.SimHttp.at;
import static io.beacon.sim.SimHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A RunPod serverless endpoint running the vLLM worker, under /v2/{endpointId}. */
class RunPodSimulatorTest {

    private static final String API_KEY = "rp-test-key";
    private static final String[] AUTH = {"Authorization", "Bearer " + API_KEY};
    private static final String PROMPT_JOB =
            "{\"input\":{\"prompt\":\"Why is the sky blue?\",\"sampling_params\":{\"temperature\":0.7,\"max_tokens\":256}}}";
    private static final String CHAT_JOB =
            "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"sampling_params\":{\"max_tokens\":5}}}";

    private final SimHttp http = SimHttp.client();
    private final List<ProviderSimulator> started = new ArrayList<>();

    @AfterEach
    void closeSimulators() {
        started.forEach(ProviderSimulator::close);
    }

    /** A warm-by-default endpoint: no cold start unless a test asks for one. */
    private ProviderSimulator endpoint(UnaryOperator<SimulatedDeployment.Builder> config) {
        SimulatedDeployment deployment = config.apply(SimulatedDeployment.builder("runpod-test", SimProvider.RUNPOD)
                .latency(LatencyModel.fixed(Duration.ofMillis(30)))
                .coldStart(Duration.ZERO)).build();
        ProviderSimulator simulator = ProviderSimulator.start(deployment, "127.0.0.1", 0,
                new SimCredentials(null, null, API_KEY));
        started.add(simulator);
        return simulator;
    }

    private ProviderSimulator endpoint() {
        return endpoint(builder -> builder);
    }

    private JsonNode status(ProviderSimulator endpoint, String id) {
        HttpResponse<String> response = http.get(at(endpoint.baseUrl(), "/status/" + id), AUTH);
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response);
    }

    private String submit(ProviderSimulator endpoint, String job) {
        HttpResponse<String> response = http.post(at(endpoint.baseUrl(), "/run"), job, AUTH);
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response).get("id").asText();
    }

    private JsonNode awaitStatus(ProviderSimulator endpoint, String id, String expected) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> status(endpoint, id).get("status").asText().equals(expected));
        return status(endpoint, id);
    }

    @Test
    void shouldServeTheEndpointUnderV2AndItsId() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // Then
        assertThat(endpoint.baseUrl().toString()).isEqualTo("http://127.0.0.1:" + endpoint.port() + "/v2/runpod-test");
        assertThat(endpoint.rootUrl().toString()).isEqualTo("http://127.0.0.1:" + endpoint.port());
    }

    @Test
    void shouldCompleteARunsyncJobWithinTheWaitAndReturnTheWholeJob() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        HttpResponse<String> response = http.post(at(endpoint.baseUrl(), "/runsync?wait=5000"), PROMPT_JOB, AUTH);

        // Then
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode job = json(response);
        assertThat(job.get("id").asText()).startsWith("sync-");
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.get("delayTime").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(job.get("executionTime").asLong()).isEqualTo(30);
        JsonNode output = job.get("output").get(0);
        assertThat(output.get("choices").get(0).get("tokens").get(0).asText()).contains("llama3.2:1b");
        assertThat(output.get("usage").get("input").asInt()).isPositive();
        assertThat(output.get("usage").get("output").asInt()).isPositive();
        assertThat(job.has("error")).isFalse();
    }

    @Test
    void shouldAcceptChatMessagesAndHonourMaxTokens() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        JsonNode job = json(http.post(at(endpoint.baseUrl(), "/runsync"), CHAT_JOB, AUTH));

        // Then
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.get("output").get(0).get("usage").get("output").asInt()).isEqualTo(5);
    }

    @Test
    void shouldReturnEarlyFromRunsyncWhenTheJobOutlastsTheWaitThenCompleteOnStatusPolling() {
        // Given a job that takes longer than RunPod's smallest wait (1 s)
        ProviderSimulator endpoint = endpoint(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(1500))));

        // When
        HttpResponse<String> response = http.post(at(endpoint.baseUrl(), "/runsync?wait=10"), PROMPT_JOB, AUTH);

        // Then the wait is clamped to 1 s and the job is reported as still running
        JsonNode early = json(response);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(early.get("status").asText()).isIn("IN_QUEUE", "IN_PROGRESS");
        assertThat(early.has("output")).isFalse();

        // And polling /status reaches COMPLETED
        JsonNode done = awaitStatus(endpoint, early.get("id").asText(), "COMPLETED");
        assertThat(done.get("executionTime").asLong()).isEqualTo(1500);
        assertThat(done.get("output")).isNotNull();
    }

    @Test
    void shouldQueueARunJobAndReportItCompletedOnStatus() {
        // Given
        ProviderSimulator endpoint = endpoint(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(100))));

        // When
        HttpResponse<String> response = http.post(at(endpoint.baseUrl(), "/run"), PROMPT_JOB, AUTH);

        // Then
        JsonNode accepted = json(response);
        assertThat(accepted.get("status").asText()).isEqualTo("IN_QUEUE");
        String id = accepted.get("id").asText();
        assertThat(id).doesNotStartWith("sync-");
        JsonNode done = awaitStatus(endpoint, id, "COMPLETED");
        assertThat(done.get("output").get(0).get("choices").get(0).get("tokens").get(0).asText()).isNotBlank();
    }

    @Test
    void shouldCancelAQueuedJob() {
        // Given one worker, busy, and a second job waiting for it
        ProviderSimulator endpoint = endpoint(builder -> builder.capacity(1).queueLimit(5)
                .latency(LatencyModel.fixed(Duration.ofMillis(400))));
        String running = submit(endpoint, PROMPT_JOB);
        String queued = submit(endpoint, PROMPT_JOB);
        assertThat(status(endpoint, queued).get("status").asText()).isEqualTo("IN_QUEUE");

        // When
        HttpResponse<String> cancel = http.post(at(endpoint.baseUrl(), "/cancel/" + queued), "", AUTH);

        // Then
        assertThat(cancel.statusCode()).isEqualTo(200);
        assertThat(json(cancel).get("id").asText()).isEqualTo(queued);
        assertThat(json(cancel).get("status").asText()).isEqualTo("CANCELLED");
        assertThat(status(endpoint, queued).get("status").asText()).isEqualTo("CANCELLED");
        awaitStatus(endpoint, running, "COMPLETED");
        assertThat(endpoint.stats().queued()).isZero();
    }

    @Test
    void shouldCancelARunningJobAndFreeItsWorker() {
        // Given
        ProviderSimulator endpoint = endpoint(builder -> builder.capacity(1)
                .latency(LatencyModel.fixed(Duration.ofSeconds(30))));
        String id = submit(endpoint, PROMPT_JOB);
        awaitStatus(endpoint, id, "IN_PROGRESS");

        // When
        JsonNode cancelled = json(http.post(at(endpoint.baseUrl(), "/cancel/" + id), "", AUTH));

        // Then
        assertThat(cancelled.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(endpoint.stats().inFlight()).isZero();
        assertThat(json(http.post(at(endpoint.baseUrl(), "/cancel/" + id), "", AUTH)).get("status").asText())
                .as("cancelling twice changes nothing").isEqualTo("CANCELLED");
    }

    @Test
    void shouldMarkTheJobFailedWithAnErrorTextWhenFailuresAreInjected() {
        // Given
        ProviderSimulator endpoint = endpoint();
        endpoint.faults().failRate(1.0);

        // When
        JsonNode job = json(http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH));

        // Then
        assertThat(job.get("status").asText()).isEqualTo("FAILED");
        assertThat(job.get("error").asText()).isNotBlank();
        assertThat(job.has("output")).isFalse();
        assertThat(endpoint.stats().failed()).isEqualTo(1);
    }

    @Test
    void shouldCompleteWithTheErrorAsOutputWhenTheInputHasNeitherPromptNorMessagesAsWorkerVllmDoes() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        JsonNode job = json(http.post(at(endpoint.baseUrl(), "/runsync"), "{\"input\":{\"foo\":1}}", AUTH));

        // Then worker-vllm catches the error and returns it as the output of a COMPLETED job
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.get("output").get(0).get("error").asText()).contains("prompt");
        assertThat(job.has("error")).isFalse();
        assertThat(endpoint.stats().failed()).as("no answer: counted as a failure").isEqualTo(1);
    }

    @Test
    void shouldReportAPromptLongerThanTheContextWindowInsideTheCompletedOutput() {
        // Given a model with a 16-token context window
        ProviderSimulator endpoint = endpoint(builder -> builder.maxModelLen(16));
        String longPrompt = "Why is the sky blue? ".repeat(10);

        // When
        JsonNode job = json(http.post(at(endpoint.baseUrl(), "/runsync"),
                "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}}", AUTH));

        // Then
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.get("output").get(0).get("error").asText())
                .contains("is longer than the maximum model length of 16");
    }

    @Test
    void shouldServeItsOneModelAndIgnoreTheModelTheInputNamesAsWorkerVllmDoes() {
        // Given an endpoint started with MODEL_NAME=meta-llama/Llama-3.2-1B-Instruct
        ProviderSimulator endpoint = endpoint(builder -> builder.models("meta-llama/Llama-3.2-1B-Instruct"));

        // When a job names another model (an Ollama tag)
        JsonNode job = json(http.post(at(endpoint.baseUrl(), "/runsync"),
                "{\"input\":{\"model\":\"llama3.2:1b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}",
                AUTH));

        // Then the endpoint's own model answers
        assertThat(job.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(job.get("output").get(0).get("choices").get(0).get("tokens").get(0).asText())
                .contains("meta-llama/Llama-3.2-1B-Instruct");
    }

    @Test
    void shouldMarkTheJobTimedOutWhenItsExecutionTimeoutIsExceeded() {
        // Given
        ProviderSimulator endpoint = endpoint(builder -> builder.latency(LatencyModel.fixed(Duration.ofMillis(500))));

        // When
        JsonNode job = json(http.post(at(endpoint.baseUrl(), "/runsync"),
                "{\"input\":{\"prompt\":\"hi\"},\"policy\":{\"executionTimeout\":50,\"ttl\":60000}}", AUTH));

        // Then
        assertThat(job.get("status").asText()).isEqualTo("TIMED_OUT");
        assertThat(job.get("executionTime").asLong()).isEqualTo(50);
        assertThat(job.get("error").asText()).contains("executionTimeout");
    }

    @Test
    void shouldRetryAFailedJobUnderTheSameIdUntilItCompletes() {
        // Given a job that failed
        ProviderSimulator endpoint = endpoint();
        endpoint.faults().failRate(1.0);
        String id = submit(endpoint, PROMPT_JOB);
        awaitStatus(endpoint, id, "FAILED");
        endpoint.faults().recover();

        // When
        HttpResponse<String> retry = http.post(at(endpoint.baseUrl(), "/retry/" + id), "", AUTH);

        // Then
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(json(retry).get("status").asText()).isEqualTo("IN_QUEUE");
        JsonNode done = awaitStatus(endpoint, id, "COMPLETED");
        assertThat(done.has("error")).isFalse();
        assertThat(done.get("retries").asInt()).isEqualTo(1);
        JsonNode health = json(http.get(at(endpoint.baseUrl(), "/health"), AUTH));
        assertThat(health.get("jobs").get("retried").asInt()).isEqualTo(1);
        assertThat(health.get("jobs").get("failed").asInt()).isEqualTo(1);
        assertThat(health.get("jobs").get("completed").asInt()).isEqualTo(1);
    }

    @Test
    void shouldRefuseToRetryACompletedJob() {
        // Given
        ProviderSimulator endpoint = endpoint();
        String id = json(http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH)).get("id").asText();

        // When
        HttpResponse<String> retry = http.post(at(endpoint.baseUrl(), "/retry/" + id), "", AUTH);

        // Then
        assertThat(retry.statusCode()).isEqualTo(400);
        assertThat(json(retry).get("error").asText()).contains("COMPLETED");
    }

    @Test
    void shouldPurgeOnlyTheJobsStillWaitingForAWorker() {
        // Given one running job and two queued ones
        ProviderSimulator endpoint = endpoint(builder -> builder.capacity(1).queueLimit(5)
                .latency(LatencyModel.fixed(Duration.ofMillis(300))));
        String running = submit(endpoint, PROMPT_JOB);
        String queuedA = submit(endpoint, PROMPT_JOB);
        String queuedB = submit(endpoint, PROMPT_JOB);

        // When
        JsonNode purge = json(http.post(at(endpoint.baseUrl(), "/purge-queue"), "", AUTH));

        // Then
        assertThat(purge.get("removed").asInt()).isEqualTo(2);
        assertThat(purge.get("status").asText()).isEqualTo("completed");
        assertThat(status(endpoint, queuedA).get("status").asText()).isEqualTo("CANCELLED");
        assertThat(status(endpoint, queuedB).get("status").asText()).isEqualTo("CANCELLED");
        awaitStatus(endpoint, running, "COMPLETED");
    }

    @Test
    void shouldReportJobAndWorkerCountsOnHealth() {
        // Given two workers busy and one job waiting
        ProviderSimulator endpoint = endpoint(builder -> builder.capacity(2).queueLimit(5)
                .latency(LatencyModel.fixed(Duration.ofMillis(500))));
        List<String> ids = List.of(submit(endpoint, PROMPT_JOB), submit(endpoint, PROMPT_JOB), submit(endpoint, PROMPT_JOB));

        // When
        JsonNode busy = json(http.get(at(endpoint.baseUrl(), "/health"), AUTH));

        // Then
        assertThat(busy.get("jobs").get("inProgress").asInt()).isEqualTo(2);
        assertThat(busy.get("jobs").get("inQueue").asInt()).isEqualTo(1);
        assertThat(busy.get("workers").get("running").asInt()).isEqualTo(2);
        assertThat(busy.get("workers").get("idle").asInt()).isZero();

        // And once all are done
        ids.forEach(id -> awaitStatus(endpoint, id, "COMPLETED"));
        JsonNode idle = json(http.get(at(endpoint.baseUrl(), "/health"), AUTH));
        assertThat(idle.get("jobs").get("completed").asInt()).isEqualTo(3);
        assertThat(idle.get("jobs").get("inQueue").asInt()).isZero();
        assertThat(idle.get("workers").get("running").asInt()).isZero();
        assertThat(idle.get("workers").get("idle").asInt()).isEqualTo(2);
        assertThat(endpoint.stats().peakInFlight()).isEqualTo(2);
    }

    @Test
    void shouldFailHealthAndRejectJobsWhenFailingAllUntilRecovered() {
        // Given
        ProviderSimulator endpoint = endpoint();
        endpoint.faults().failAll(503);

        // When
        HttpResponse<String> health = http.get(at(endpoint.baseUrl(), "/health"), AUTH);
        HttpResponse<String> run = http.post(at(endpoint.baseUrl(), "/run"), PROMPT_JOB, AUTH);
        endpoint.faults().recover();
        HttpResponse<String> recovered = http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH);

        // Then
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(json(health).get("error").asText()).isNotBlank();
        assertThat(run.statusCode()).isEqualTo(503);
        assertThat(json(run).get("error").asText()).isNotBlank();
        assertThat(recovered.statusCode()).isEqualTo(200);
        assertThat(json(recovered).get("status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void shouldAcceptTheApiKeyAsBearerOrBareAndRejectAnythingElseWith401() {
        // Given
        ProviderSimulator endpoint = endpoint();
        URI health = at(endpoint.baseUrl(), "/health");

        // When / Then
        assertThat(http.get(health, "Authorization", "Bearer " + API_KEY).statusCode()).isEqualTo(200);
        assertThat(http.get(health, "Authorization", API_KEY).statusCode()).isEqualTo(200);
        HttpResponse<String> missing = http.post(at(endpoint.baseUrl(), "/run"), PROMPT_JOB);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(json(missing).get("error").asText()).isEqualTo("Unauthorized");
        HttpResponse<String> wrong = http.post(at(endpoint.baseUrl(), "/run"), PROMPT_JOB, "Authorization", "Bearer nope");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json(wrong).get("error").asText()).isEqualTo("Unauthorized");
    }

    @Test
    void shouldAnswer429WhenTheJobQueueIsFull() {
        // Given one worker busy and one job waiting
        ProviderSimulator endpoint = endpoint(builder -> builder.capacity(1).queueLimit(1)
                .latency(LatencyModel.fixed(Duration.ofMillis(300))));
        submit(endpoint, PROMPT_JOB);
        submit(endpoint, PROMPT_JOB);

        // When
        HttpResponse<String> run = http.post(at(endpoint.baseUrl(), "/run"), PROMPT_JOB, AUTH);
        HttpResponse<String> runsync = http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH);

        // Then
        assertThat(run.statusCode()).isEqualTo(429);
        assertThat(json(run).get("error").asText()).isNotBlank();
        assertThat(runsync.statusCode()).isEqualTo(429);
        assertThat(endpoint.stats().rejected()).isEqualTo(2);
    }

    @Test
    void shouldAnswer404ForAnUnknownJobAnd400ForMalformedRequests() {
        // Given
        ProviderSimulator endpoint = endpoint();

        // When
        HttpResponse<String> unknown = http.get(at(endpoint.baseUrl(), "/status/nope"), AUTH);
        HttpResponse<String> malformed = http.post(at(endpoint.baseUrl(), "/run"), "{oops", AUTH);
        HttpResponse<String> noInput = http.post(at(endpoint.baseUrl(), "/run"), "{\"prompt\":\"hi\"}", AUTH);

        // Then
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).isNotBlank();
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).get("error").asText()).isNotBlank();
        assertThat(noInput.statusCode()).isEqualTo(400);
    }

    @Test
    void shouldCountTheColdStartInDelayTimeAfterIdleButNotWhileWarm() {
        // Given an endpoint scaled to zero
        ProviderSimulator endpoint = endpoint(builder -> builder.coldStart(Duration.ofMillis(300))
                .idleTimeout(Duration.ofMillis(250)));

        // When
        JsonNode cold = json(http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH));
        JsonNode warm = json(http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH));
        await().atMost(Duration.ofSeconds(5)).until(() -> !endpoint.isWarm());
        JsonNode coldAgain = json(http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH));

        // Then
        assertThat(cold.get("delayTime").asLong()).isGreaterThanOrEqualTo(300);
        assertThat(warm.get("delayTime").asLong()).isLessThan(300);
        assertThat(coldAgain.get("delayTime").asLong()).isGreaterThanOrEqualTo(300);
        assertThat(endpoint.stats().coldStarts()).isEqualTo(2);
    }

    @Test
    void shouldBillAFlexWorkerInWholeSecondsRoundedUpAtStopAndNothingForHealth() {
        // Given
        ProviderSimulator endpoint = endpoint(builder -> builder.pricePerSecondUsd(0.00016)
                .idleTimeout(Duration.ofMillis(200)).latency(LatencyModel.fixed(Duration.ofMillis(50))));
        http.get(at(endpoint.baseUrl(), "/health"), AUTH);
        assertThat(json(http.get(at(endpoint.rootUrl(), "/__sim/stats"))).get("billed_usd").asDouble()).isZero();

        // When: two jobs back to back on one worker, then it idles out
        http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH);
        http.post(at(endpoint.baseUrl(), "/runsync"), PROMPT_JOB, AUTH);
        await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.stats().unitsUp() == 0);

        // Then: one worker period well under a second, rounded up to 1 s
        JsonNode stats = json(http.get(at(endpoint.rootUrl(), "/__sim/stats")));
        assertThat(stats.get("billing_model").asText()).isEqualTo("WORKER");
        assertThat(stats.get("billed_usd").asDouble()).isCloseTo(0.00016, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(stats.get("billed_unit_seconds").asDouble()).isEqualTo(1.0);
        assertThat(stats.get("unit_starts").asLong()).isEqualTo(1);
        assertThat(stats.get("lease_started_at").isNull()).isTrue();
    }

    @Test
    void shouldBillACancelledJobsWorkerOnlyUpToTheCancelPlusIdleTimeout() throws Exception {
        // Given a 10 s job running on a worker
        double price = 0.00016;
        // (its own id: shouldCarryManyConcurrentSlowJobsOnAFewThreads counts threads named after runpod-test)
        ProviderSimulator endpoint = ProviderSimulator.start(SimulatedDeployment.builder("rp-cancel", SimProvider.RUNPOD)
                .pricePerSecondUsd(price).coldStart(Duration.ZERO).idleTimeout(Duration.ofMillis(200))
                .latency(LatencyModel.fixed(Duration.ofSeconds(10))).build(), "127.0.0.1", 0,
                new SimCredentials(null, null, API_KEY));
        started.add(endpoint);
        String id = submit(endpoint, PROMPT_JOB);
        await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.stats().inFlight() == 1);

        // When
        http.post(at(endpoint.baseUrl(), "/cancel/" + id), "", AUTH);
        await().atMost(Duration.ofSeconds(5)).until(() -> endpoint.stats().unitsUp() == 0);

        // Then the time running until the cancel + 0.2 s idle, rounded up to 1 s (not the 10 s the job would have run)
        JsonNode stats = json(http.get(at(endpoint.rootUrl(), "/__sim/stats")));
        assertThat(stats.get("billed_usd").asDouble()).isCloseTo(price, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(stats.get("billed_unit_seconds").asDouble()).isEqualTo(1.0);
    }

    @Test
    void shouldCarryManyConcurrentSlowJobsOnAFewThreads() throws Exception {
        // Given
        // Long enough that all 200 overlap even when a loaded machine is slow to open the connections.
        ProviderSimulator endpoint = endpoint(builder -> builder.capacity(200).queueLimit(0)
                .latency(LatencyModel.fixed(Duration.ofSeconds(4))));

        // When
        List<CompletableFuture<HttpResponse<String>>> jobs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            jobs.add(http.postAsync(at(endpoint.baseUrl(), "/runsync"),
                    "{\"input\":{\"prompt\":\"job " + i + "\"}}", AUTH));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> endpoint.stats().peakInFlight() == 200);
        long simulatorThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("sim-runpod-test-")).count();

        // Then
        for (CompletableFuture<HttpResponse<String>> job : jobs) {
            assertThat(json(job.get(10, TimeUnit.SECONDS)).get("status").asText()).isEqualTo("COMPLETED");
        }
        assertThat(simulatorThreads).as("no simulator thread per in-flight request").isLessThan(50);
        assertThat(endpoint.stats().peakInFlight()).isEqualTo(200);
    }
}
