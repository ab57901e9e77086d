package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every provider gets a job as the same chat messages (Ollama's /api/chat, vLLM's /v1/chat/completions,
 * worker-vllm's input.messages; a prompt job as one user message), so each applies the model's chat template
 * alike. The simulators render the conversation the same way and derive the answer from it, so the same job
 * gets the same answer everywhere only if the same messages arrived everywhere.
 */
class SameMessagesOnEveryProviderTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private String answer(SimProvider provider, boolean chat) throws Exception {
        ProviderSimulator sim = Sims.start("same-" + provider.name().toLowerCase(), provider, Duration.ofMillis(20),
                4, Sims.credentials());
        open.add(sim);
        DeploymentEndpoint d = Sims.endpoint(sim, Duration.ofSeconds(10));
        ProviderClient client = WorkerApp.client(ProviderKind.valueOf(provider.name()), Sims.secrets(),
                Duration.ofSeconds(2), false, Sims.clock());
        open.add(client);
        RoutedJob job = chat ? TestJobs.job("job-chat", d.id(), d.provider(), TestJobs.request("job-chat", "",
                List.of(new io.beacon.schemas.avro.ChatMessage("user", "Say hello"))), Instant.now().plusSeconds(30))
                : TestJobs.promptJob("job-prompt", d, Instant.now().plusSeconds(30));
        CallOutcome outcome = client.call(job, d).get(20, TimeUnit.SECONDS);
        assertThat(outcome.outcome()).as("%s: %s", provider, outcome.error()).isEqualTo(AttemptOutcome.SUCCEEDED);
        return outcome.response();
    }

    @Test
    void shouldGetTheSameAnswerToTheSameJobFromEveryProvider() throws Exception {
        // When the prompt job "Say hello" runs on a Golem node, a Modal endpoint and a RunPod endpoint
        String golem = answer(SimProvider.GOLEM, false);
        String modal = answer(SimProvider.MODAL, false);
        String runpod = answer(SimProvider.RUNPOD, false);

        // Then all three answer alike, and alike to the chat job holding the prompt as one user message
        assertThat(golem).isNotBlank().isEqualTo(modal).isEqualTo(runpod);
        assertThat(answer(SimProvider.GOLEM, true)).isEqualTo(golem);
    }
}
