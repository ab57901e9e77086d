package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.LatencyModel;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The model catalogue end to end: a Modal vLLM simulator serving only {@code meta-llama/Llama-3.2-1B-Instruct}
 * (no alias, so the Ollama tag is a 404 there) takes the runner's {@code llama3.2:1b} jobs through a real
 * worker on a real broker, configured as an operator would, and the heartbeats report both names.
 */
class ModelCatalogueIT {

    private static final String LLAMA_HF = "meta-llama/Llama-3.2-1B-Instruct";

    private static ProviderSimulator vllmServingOnlyTheHuggingFaceId(String id) {
        return ProviderSimulator.start(SimulatedDeployment.builder(id, SimProvider.MODAL).region("eu-west")
                .models(LLAMA_HF).capacity(8).slotsPerUnit(4).queueLimit(64)
                .latency(LatencyModel.fixed(Duration.ofMillis(60))).coldStart(Duration.ofMillis(200))
                .idleTimeout(Duration.ofSeconds(30)).build(), "127.0.0.1", 0, Sims.credentials());
    }

    private static ProviderWorker modalWorker(IsolatedRun run, String deployments, String discovery) {
        Map<String, String> settings = run.settings();
        settings.put("provider", "modal");
        settings.put("consumer.group", run.workerGroup(ProviderKind.MODAL));
        settings.put("worker.id", "modal-catalogue-it");
        settings.put("heartbeat.interval.ms", "250");
        settings.put("probe.interval.ms", "250");
        settings.put("http.port", "0");
        settings.put("models.discovery", discovery);
        settings.put("deployments", deployments);
        WorkerConfig config = WorkerConfig.load(null, Map.of(), settings);
        return WorkerApp.start(config, config.deployments(Map.of()), Sims.secrets());
    }

    private static RoutedJob job(String id, DeploymentEndpoint d, boolean chat) {
        return chat
                ? TestJobs.job(id, d.id(), ProviderKind.MODAL, TestJobs.request(id, "", List.of(
                        new ChatMessage("system", "Avoid stereotypes."), new ChatMessage("user", "Describe a nurse."))),
                Instant.now().plusSeconds(60))
                : TestJobs.promptJob(id, d, Instant.now().plusSeconds(60));
    }

    @Test
    void shouldRunTheRunnersLlamaJobsOnAVllmDeploymentThatKnowsOnlyTheHuggingFaceId() throws Exception {
        try (IsolatedRun run = IsolatedRun.start("model-catalogue-it");
             ProviderSimulator vllm = vllmServingOnlyTheHuggingFaceId("modal-hf-only")) {
            // Given a Modal worker whose entry names the runner's model only, as MODAL_ENDPOINTS would
            ProviderWorker worker = modalWorker(run, "modal-hf-only=" + vllm.baseUrl()
                    + ";region=eu-west;capacity=8;slots=4;idle=30s;models=llama3.2:1b", "after-call");
            Topics topics = run.topics();
            Map<String, JobAttempt> attempts = new HashMap<>();
            try (KafkaProducer<String, RoutedJob> jobs = run.producer(topics.providerJobs(ProviderKind.MODAL));
                 TopicReader<String, JobAttempt> attemptReader = run.reader(topics.attempts());
                 TopicReader<String, ProviderStatus> statusReader = run.reader(topics.status())) {
                DeploymentEndpoint d = worker.deployments().get(0);

                // When 24 llama3.2:1b jobs (a quarter of them chat) arrive for it
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    String id = "catalogue-it-" + i + "-" + UUID.randomUUID();
                    ids.add(id);
                    RoutedJob job = job(id, d, i % 4 == 0);
                    assertThat(job.getRequest().getModel()).isEqualTo("llama3.2:1b");
                    jobs.send(new ProducerRecord<>(topics.providerJobs(ProviderKind.MODAL).name(), id, job)).get();
                }
                await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
                    attemptReader.poll().forEach(r -> attempts.put(r.value().getJobId(), r.value()));
                    return attempts.keySet().containsAll(ids);
                });

                // Then every job succeeded, answered by the model vLLM serves under its Hugging Face id
                assertThat(ids).allSatisfy(id -> {
                    JobAttempt a = attempts.get(id);
                    assertThat(a.getOutcome()).as("%s: %s", id, a.getError()).isEqualTo(AttemptOutcome.SUCCEEDED);
                    assertThat(a.getResponse()).contains(LLAMA_HF);
                    assertThat(a.getDeploymentId()).isEqualTo("modal-hf-only");
                });
                // And vLLM never saw the Ollama tag: no request was refused; the worker listed its models once,
                // after a call had warmed a container
                assertThat(vllm.stats().succeeded()).isEqualTo(ids.size());
                assertThat(vllm.stats().failed()).isZero();
                await().atMost(Duration.ofSeconds(10)).until(() -> worker.models().find("modal-hf-only")
                        .flatMap(m -> m.listing()).isPresent());
                assertThat(vllm.stats().probes()).isEqualTo(1);

                // And the heartbeats report the model by both names
                ProviderStatus heartbeat = statusReader.awaitMatching(r -> "modal-hf-only".equals(r.key())
                        && r.value().getObservedAt().isAfter(Instant.now().minusSeconds(2)), 1,
                        Duration.ofSeconds(20)).get(0).value();
                assertThat(heartbeat.getModels()).containsExactly("llama3.2:1b");
                assertThat(heartbeat.getProviderModels()).containsExactly(Map.entry("llama3.2:1b", LLAMA_HF));
            } finally {
                worker.close(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void shouldLearnWhatAnUnconfiguredVllmDeploymentServesOnceAtStartAndServeItUnderTheRunnersName()
            throws Exception {
        try (IsolatedRun run = IsolatedRun.start("model-catalogue-startup-it");
             ProviderSimulator vllm = vllmServingOnlyTheHuggingFaceId("modal-unlisted")) {
            // Given a Modal entry that names no model, and a worker allowed to ask at start
            ProviderWorker worker = modalWorker(run, "modal-unlisted=" + vllm.baseUrl() + ";models=", "startup");
            Topics topics = run.topics();
            try (KafkaProducer<String, RoutedJob> jobs = run.producer(topics.providerJobs(ProviderKind.MODAL));
                 TopicReader<String, JobAttempt> attemptReader = run.reader(topics.attempts());
                 TopicReader<String, ProviderStatus> statusReader = run.reader(topics.status())) {
                DeploymentEndpoint d = worker.deployments().get(0);
                assertThat(d.models()).isEmpty();

                // When it has started: its heartbeat offers llama3.2:1b, learned from /v1/models
                ProviderStatus heartbeat = statusReader.awaitMatching(r -> "modal-unlisted".equals(r.key())
                        && !r.value().getModels().isEmpty(), 1, Duration.ofSeconds(20)).get(0).value();
                assertThat(heartbeat.getModels()).containsExactly("llama3.2:1b");
                assertThat(heartbeat.getProviderModels()).containsExactly(Map.entry("llama3.2:1b", LLAMA_HF));
                assertThat(vllm.stats().probes()).as("one listing, at start").isEqualTo(1);

                // Then a llama3.2:1b job runs there
                String id = "catalogue-startup-" + UUID.randomUUID();
                jobs.send(new ProducerRecord<>(topics.providerJobs(ProviderKind.MODAL).name(), id,
                        job(id, d, false))).get();
                JobAttempt attempt = attemptReader.awaitMatching(r -> id.equals(r.key()), 1, Duration.ofSeconds(30))
                        .get(0).value();
                assertThat(attempt.getOutcome()).as(String.valueOf(attempt.getError()))
                        .isEqualTo(AttemptOutcome.SUCCEEDED);
                assertThat(attempt.getResponse()).contains(LLAMA_HF);
            } finally {
                worker.close(Duration.ofSeconds(10));
            }
        }
    }
}
