package io.beacon.workers.golem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.Sims;
import io.beacon.workers.TestJobs;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Golem client against a simulated Ollama node. */
class OllamaClientTest {

    private static ProviderSimulator node;
    private static DeploymentEndpoint endpoint;

    private OllamaClient client;

    @BeforeAll
    static void startNode() {
        node = Sims.start("golem-sim-1", SimProvider.GOLEM, Duration.ofMillis(120));
        endpoint = Sims.endpoint(node, Duration.ofSeconds(5));
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    @AfterEach
    void recover() {
        node.faults().recover();
        if (client != null) {
            client.close();
        }
    }

    private OllamaClient client(boolean streaming) {
        client = new OllamaClient(Sims.http(Sims.executor()), Sims.clock(), ProviderSecrets.none(),
                Duration.ofMillis(500), streaming, null);
        return client;
    }

    private static RoutedJob prompt(String id) {
        return TestJobs.promptJob(id, endpoint, Instant.now().plusSeconds(30));
    }

    private static RoutedJob chat(String id) {
        return TestJobs.chatJob(id, endpoint, Instant.now().plusSeconds(30));
    }

    private static CallOutcome await(java.util.concurrent.CompletableFuture<CallOutcome> f) throws Exception {
        return f.get(15, TimeUnit.SECONDS);
    }

    @Test
    void shouldGenerateAnAnswerForAPromptJobWithOllamasOwnFigures() throws Exception {
        // Given a non-streaming client
        OllamaClient ollama = client(false);

        // When it runs a prompt job
        CallOutcome outcome = await(ollama.call(prompt("job-gen"), endpoint));

        // Then it succeeds with the text, Ollama's token counts and total_duration, and the wall time billed
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isNotBlank();
        assertThat(outcome.error()).isNull();
        assertThat(outcome.promptTokens()).isPositive();
        assertThat(outcome.completionTokens()).isPositive();
        assertThat(outcome.providerTimeMs()).isBetween(100L, 2_000L);
        // The client bills nothing itself: the worker's cost ledger (MeteredClient) sets the call's share.
        assertThat(outcome.billedSeconds()).isZero();
        assertThat(outcome.costEstimateUsd()).isZero();
        assertThat(outcome.finishedAt()).isAfterOrEqualTo(outcome.startedAt());
    }

    @Test
    void shouldAnswerAChatJobThroughTheChatEndpoint() throws Exception {
        CallOutcome outcome = await(client(false).call(chat("job-chat"), endpoint));

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isNotBlank();
        assertThat(outcome.completionTokens()).isPositive();
    }

    @Test
    void shouldReadAStreamedAnswerLineByLineForPromptAndChatJobs() throws Exception {
        // Given a streaming client
        OllamaClient ollama = client(true);

        // When it runs a prompt job and a chat job
        CallOutcome generated = await(ollama.call(prompt("job-stream-gen"), endpoint));
        CallOutcome chatted = await(ollama.call(chat("job-stream-chat"), endpoint));

        // Then both succeed with the chunks joined and the final line's figures
        assertThat(generated.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(generated.response()).isNotBlank();
        assertThat(generated.completionTokens()).isPositive();
        assertThat(generated.providerTimeMs()).isPositive();
        assertThat(chatted.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(chatted.response()).isNotBlank();
    }

    @Test
    void shouldGetTheSameTextStreamedOrNot() throws Exception {
        CallOutcome whole = await(client(false).call(prompt("job-same"), endpoint));
        client.close();
        CallOutcome streamed = await(client(true).call(prompt("job-same"), endpoint));

        assertThat(streamed.response()).isEqualTo(whole.response());
    }

    @Test
    void shouldFailRetryablyWhenTheStreamBreaksWithAnErrorLineUnderStatus200() throws Exception {
        // Given a node whose streams break midway
        node.faults().failMidStream();

        // When a streaming client runs a job
        CallOutcome outcome = await(client(true).call(prompt("job-mid"), endpoint));

        // Then the attempt is a retryable failure quoting Ollama's error line
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.error()).contains("stream failed");
        assertThat(outcome.response()).isNull();
    }

    @Test
    void shouldFailRetryablyWhenTheNodeFailsANonStreamedAnswerMidway() throws Exception {
        node.faults().failMidStream();

        CallOutcome outcome = await(client(false).call(prompt("job-mid-whole"), endpoint));

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.error()).contains("HTTP 500");
    }

    @Test
    void shouldBlameTheNodesSetUpWhenTheModelIsNotFound() throws Exception {
        // Given a job for a model the node does not have
        InferenceRequest request = TestJobs.request("job-404", "hi", List.of());
        request.setModel("no-such-model:7b");
        RoutedJob job = TestJobs.job("job-404", endpoint.id(), ProviderKind.GOLEM, request, Instant.now().plusSeconds(30));

        // When it runs, streamed or not
        CallOutcome whole = await(client(false).call(job, endpoint));
        client.close();
        CallOutcome streamed = await(client(true).call(job, endpoint));

        // Then both are retryable failures of this node's set-up (another node may have the model), naming the
        // 404 and Ollama's message
        assertThat(whole.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(whole.blame()).isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(whole.error()).startsWith("deployment misconfigured (model not found on this deployment)")
                .contains("HTTP 404").contains("model \"no-such-model:7b\" not found, try pulling it first");
        assertThat(streamed.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(streamed.blame()).isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(streamed.error()).contains("HTTP 404");
    }

    @Test
    void shouldFailRetryablyWhenTheNodeAnswers503Or429() throws Exception {
        node.faults().failAll(503);
        CallOutcome full = await(client(false).call(prompt("job-503"), endpoint));
        node.faults().failAll(429);
        CallOutcome busy = await(client.call(prompt("job-429"), endpoint));

        assertThat(full.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(full.error()).contains("HTTP 503");
        assertThat(busy.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(busy.error()).contains("HTTP 429");
    }

    @Test
    void shouldFailRetryablyWhenTheNodeCannotBeReached() throws Exception {
        // Given a deployment on a port nobody listens on
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        DeploymentEndpoint gone = TestJobs.deployment("golem-gone", ProviderKind.GOLEM,
                URI.create("http://127.0.0.1:" + port), 1);

        // When a job runs there
        CallOutcome outcome = await(client(false).call(TestJobs.promptJob("job-gone", gone,
                Instant.now().plusSeconds(30)), gone));

        // Then it is a retryable failure naming the address
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.error()).contains("127.0.0.1:" + port);
        assertThat(outcome.billedSeconds()).isLessThan(1.0);
    }

    @Test
    void shouldTimeOutRetryablyWhenTheNodeStopsAnswering() throws Exception {
        // Given a node that accepts requests and never answers, and a short request timeout
        node.faults().unresponsive();
        DeploymentEndpoint impatient = Sims.endpoint(node, Duration.ofMillis(400));

        // When a job runs
        CallOutcome outcome = await(client(false).call(TestJobs.promptJob("job-hang", impatient,
                Instant.now().plusSeconds(30)), impatient));

        // Then it times out as a retryable failure after about the timeout
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.error()).contains("no answer");
        assertThat(outcome.wallTime()).isBetween(Duration.ofMillis(350), Duration.ofSeconds(3));
    }

    @Test
    void shouldProbeHealthyWithTheModelsTheNodeHas() throws Exception {
        ProbeOutcome probe = client(false).probe(endpoint).get(5, TimeUnit.SECONDS);

        assertThat(probe.healthy()).isTrue();
        assertThat(probe.latency()).isNotNull();
        assertThat(probe.models()).contains(TestJobs.MODEL);
        assertThat(probe.error()).isNull();
    }

    @Test
    void shouldProbeUnhealthyWhenTheNodeFailsOrStopsAnswering() throws Exception {
        node.faults().failAll(503);
        ProbeOutcome failing = client(false).probe(endpoint).get(5, TimeUnit.SECONDS);
        node.faults().recover();
        node.faults().unresponsive();
        ProbeOutcome silent = client.probe(endpoint).get(5, TimeUnit.SECONDS);

        assertThat(failing.healthy()).isFalse();
        assertThat(failing.error()).contains("HTTP 503");
        assertThat(silent.healthy()).isFalse();
        assertThat(silent.error()).contains("no answer");
    }
}
