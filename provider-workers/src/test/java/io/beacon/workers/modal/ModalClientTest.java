package io.beacon.workers.modal;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Modal client against a simulated Modal web endpoint that demands proxy auth. */
class ModalClientTest {

    private static ProviderSimulator endpointSim;
    private static DeploymentEndpoint endpoint;

    private ModalClient client;

    @BeforeAll
    static void startEndpoint() {
        endpointSim = Sims.start("modal-sim-1", SimProvider.MODAL, Duration.ofMillis(100), 8, Sims.credentials());
        endpoint = Sims.endpoint(endpointSim, Duration.ofSeconds(5));
    }

    @AfterAll
    static void stopEndpoint() {
        endpointSim.close();
    }

    @AfterEach
    void recover() {
        endpointSim.faults().recover();
        endpointSim.faults().redirectAfter(Duration.ofSeconds(150));
        if (client != null) {
            client.close();
        }
    }

    private ModalClient client(ProviderSecrets secrets) {
        client = new ModalClient(Sims.http(Sims.executor()), Sims.clock(), secrets, Duration.ofMillis(500), null);
        return client;
    }

    private static RoutedJob prompt(String id) {
        return TestJobs.promptJob(id, endpoint, Instant.now().plusSeconds(30));
    }

    private static CallOutcome call(ModalClient c, RoutedJob job) throws Exception {
        return c.call(job, endpoint).get(15, TimeUnit.SECONDS);
    }

    @Test
    void shouldCompleteAPromptAsOneUserMessageWithTheProxyCredentials() throws Exception {
        CallOutcome outcome = call(client(Sims.secrets()), prompt("job-modal"));

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isNotBlank();
        assertThat(outcome.promptTokens()).isPositive();
        assertThat(outcome.completionTokens()).isPositive();
        assertThat(outcome.billedSeconds()).as("billed by the cost ledger, not the client").isZero();
        assertThat(outcome.providerTimeMs()).isEqualTo(outcome.wallTime().toMillis());
    }

    @Test
    void shouldCompleteAChatJob() throws Exception {
        CallOutcome outcome = call(client(Sims.secrets()),
                TestJobs.chatJob("job-modal-chat", endpoint, Instant.now().plusSeconds(30)));

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isNotBlank();
    }

    @Test
    void shouldBlameTheDeploymentSayingCredentialsAreMissingWhenNoneAreConfigured() throws Exception {
        CallOutcome outcome = call(client(ProviderSecrets.none()), prompt("job-nocreds"));

        // The deployment's set-up, not the job's: another deployment can serve it
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.blame()).isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(outcome.error()).contains("HTTP 401").contains("credentials").contains("none are configured");
    }

    @Test
    void shouldBlameTheDeploymentSayingCredentialsWereRefusedWithoutQuotingThem() throws Exception {
        ProviderSecrets wrong = ProviderSecrets.of(null, "wk-wrong-key-123", "ws-wrong-secret-456");

        CallOutcome outcome = call(client(wrong), prompt("job-badcreds"));

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.blame()).isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(outcome.error()).startsWith("deployment misconfigured (credentials refused)")
                .contains("refused the proxy credentials")
                .doesNotContain("wk-wrong-key-123").doesNotContain("ws-wrong-secret-456");
    }

    @Test
    void shouldFollowA303RedirectToTheResultUrlOfALongCall() throws Exception {
        // Given an endpoint that redirects calls still running after 150 ms, and a call taking ~600 ms
        endpointSim.faults().redirectAfter(Duration.ofMillis(150)).slowDown(6.0);

        // (a client that does not follow redirects sees the 303 there)
        HttpResponse<String> raw = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
                .send(HttpRequest.newBuilder(endpoint.resolve("/v1/chat/completions"))
                        .header("Modal-Key", Sims.MODAL_KEY).header("Modal-Secret", Sims.MODAL_SECRET)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + TestJobs.MODEL
                                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(raw.statusCode()).isEqualTo(303);

        // When the client calls it
        CallOutcome outcome = call(client(Sims.secrets()), prompt("job-long"));

        // Then it follows the 303 (re-issued as GET with the same auth) and gets the completion
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isNotBlank();
        assertThat(outcome.wallTime()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldFailRetryablyOnRateLimitsAndServerErrors() throws Exception {
        ModalClient modal = client(Sims.secrets());
        endpointSim.faults().failAll(429);
        CallOutcome limited = call(modal, prompt("job-429"));
        endpointSim.faults().failAll(503);
        CallOutcome down = call(modal, prompt("job-503"));

        assertThat(limited.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(limited.error()).contains("HTTP 429");
        assertThat(down.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(down.error()).contains("HTTP 503");
    }

    @Test
    void shouldFailPermanentlyOnABadRequest() throws Exception {
        endpointSim.faults().failAll(400);

        CallOutcome outcome = call(client(Sims.secrets()), prompt("job-400"));

        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.PERMANENT_FAILURE);
        assertThat(outcome.blame()).isEqualTo(FailureBlame.REQUEST);
        assertThat(outcome.error()).startsWith("request rejected (invalid request parameters)").contains("HTTP 400");
    }

    @Test
    void shouldWaitOutAColdStartWhenItProbesAScaledToZeroEndpoint() throws Exception {
        // Given an endpoint scaled to zero whose container takes 800 ms to start, longer than the probe time-out
        ProviderSimulator cold = ProviderSimulator.start(SimulatedDeployment.builder("modal-cold", SimProvider.MODAL)
                .models(TestJobs.MODEL).latency(LatencyModel.fixed(Duration.ofMillis(50)))
                .coldStart(Duration.ofMillis(800)).build(), "127.0.0.1", 0, Sims.credentials());
        try {
            DeploymentEndpoint coldEndpoint = Sims.endpoint(cold, Duration.ofSeconds(5));

            // When it is probed (as a recovery check: the only time Modal is)
            ProbeOutcome probe = client(Sims.secrets()).probe(coldEndpoint).get(10, TimeUnit.SECONDS);

            // Then the probe waits for the container instead of timing out after 500 ms
            assertThat(probe.healthy()).as(String.valueOf(probe.error())).isTrue();
            assertThat(probe.latency()).isGreaterThanOrEqualTo(Duration.ofMillis(800));
            assertThat(cold.stats().coldStarts()).isEqualTo(1);
        } finally {
            cold.close();
        }
    }

    @Test
    void shouldProbeHealthyWithCredentialsAndUnhealthyWhenTheEndpointFails() throws Exception {
        ModalClient modal = client(Sims.secrets());
        ProbeOutcome healthy = modal.probe(endpoint).get(5, TimeUnit.SECONDS);
        endpointSim.faults().failAll(502);
        ProbeOutcome failing = modal.probe(endpoint).get(5, TimeUnit.SECONDS);

        assertThat(healthy.healthy()).isTrue();
        assertThat(healthy.latency()).isNotNull();
        assertThat(failing.healthy()).isFalse();
        assertThat(failing.error()).contains("returned HTTP 5");
    }

    /** A Modal vLLM app started without an alias: it answers only to the Hugging Face id. */
    private static ProviderSimulator servingOnlyTheHuggingFaceId() {
        return ProviderSimulator.start(SimulatedDeployment.builder("modal-hf", SimProvider.MODAL)
                .models("meta-llama/Llama-3.2-1B-Instruct").latency(LatencyModel.fixed(Duration.ofMillis(30)))
                .coldStart(Duration.ZERO).build(), "127.0.0.1", 0, Sims.credentials());
    }

    @Test
    void shouldListTheModelsVllmServesByTheirProviderNames() throws Exception {
        try (ProviderSimulator vllm = servingOnlyTheHuggingFaceId()) {
            DeploymentEndpoint d = Sims.endpoint(vllm, Duration.ofSeconds(5));
            ModalClient modal = client(Sims.secrets());

            ProbeOutcome listing = modal.listModels(d).get(5, TimeUnit.SECONDS);

            assertThat(modal.listsModels()).isTrue();
            assertThat(listing.healthy()).isTrue();
            assertThat(listing.models()).containsExactly("meta-llama/Llama-3.2-1B-Instruct");
            assertThat(vllm.stats().probes()).as("a request to a container, billed like one").isEqualTo(1);
        }
    }

    @Test
    void shouldReportVllmsOwnWordsWhenAModelNameIsUnknownThere() throws Exception {
        // Given a vLLM app serving only the Hugging Face id, called with the Ollama tag (what the client is given)
        try (ProviderSimulator vllm = servingOnlyTheHuggingFaceId()) {
            DeploymentEndpoint d = Sims.endpoint(vllm, Duration.ofSeconds(5));

            CallOutcome outcome = client(Sims.secrets()).call(TestJobs.promptJob("job-tag", d,
                    Instant.now().plusSeconds(30)), d).get(15, TimeUnit.SECONDS);

            // Then the 404 carries vLLM's message (its ErrorResponse is read as well as OpenAI's error object), blamed
            // on the deployment's set-up so the job fails over
            assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
            assertThat(outcome.blame()).isEqualTo(FailureBlame.MISCONFIGURED);
            assertThat(outcome.httpStatus()).isEqualTo(404);
            assertThat(outcome.error()).isEqualTo("deployment misconfigured (model not found on this deployment):"
                    + " modal returned HTTP 404: The model `llama3.2:1b` does not exist.");
        }
    }
}
