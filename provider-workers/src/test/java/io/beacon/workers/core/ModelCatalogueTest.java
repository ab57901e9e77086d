package io.beacon.workers.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model catalogue: the runner's names, the providers' names, and how each deployment resolves them. */
class ModelCatalogueTest {

    private static final String LLAMA_HF = "meta-llama/Llama-3.2-1B-Instruct";
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static DeploymentEndpoint deployment(ProviderKind kind, List<String> models, Map<String, String> names) {
        return new DeploymentEndpoint(kind.name().toLowerCase() + "-a", kind, "eu-central", URI.create("http://x:1"),
                models, 0.0002, 4, Duration.ofSeconds(30), Billing.defaults(kind, 4), names);
    }

    @Test
    void shouldKnowEachWellKnownModelByItsOllamaTagOnGolemAndItsHuggingFaceIdOnVllm() {
        assertThat(KnownModels.defaultProviderName(ProviderKind.GOLEM, "llama3.2:1b")).isEqualTo("llama3.2:1b");
        assertThat(KnownModels.defaultProviderName(ProviderKind.MODAL, "llama3.2:1b")).isEqualTo(LLAMA_HF);
        assertThat(KnownModels.defaultProviderName(ProviderKind.RUNPOD, "mistral:7b"))
                .isEqualTo("mistralai/Mistral-7B-Instruct-v0.3");
        // A runner that names models by their Hugging Face id gets the Ollama tag on a Golem node
        assertThat(KnownModels.defaultProviderName(ProviderKind.GOLEM, LLAMA_HF)).isEqualTo("llama3.2:1b");
        // A name the table does not know is sent as it is
        assertThat(KnownModels.defaultProviderName(ProviderKind.MODAL, "my-org/finetune")).isEqualTo("my-org/finetune");
        assertThat(KnownModels.runnerName(LLAMA_HF)).hasValue("llama3.2:1b");
        assertThat(KnownModels.runnerName("mistral:latest")).hasValue("mistral:7b");
        assertThat(KnownModels.runnerName("my-org/finetune")).isEmpty();
        assertThat(KnownModels.all()).extracting(KnownModels.Model::runnerName).doesNotHaveDuplicates()
                .contains("llama3.2:1b", "llama3.2:3b", "mistral:7b");
    }

    @Test
    void shouldNameAModelOnAVllmDeploymentByItsHuggingFaceIdUntilItListsAnotherName() {
        // Given a Modal deployment configured with the runner's name only
        DeploymentModels models = new DeploymentModels(deployment(ProviderKind.MODAL, List.of("llama3.2:1b"), Map.of()));

        // Then before any list: the table's Hugging Face id
        assertThat(models.served()).containsExactly("llama3.2:1b");
        assertThat(models.providerName("llama3.2:1b")).isEqualTo(LLAMA_HF);
        assertThat(models.providerNames()).containsExactly(Map.entry("llama3.2:1b", LLAMA_HF));

        // When its vLLM turns out to serve an alias (--served-model-name llama3.2:1b)
        models.learn(List.of("llama3.2:1b"), NOW);

        // Then the alias is used, and the heartbeat's catalogue has nothing to translate
        assertThat(models.providerName("llama3.2:1b")).isEqualTo("llama3.2:1b");
        assertThat(models.providerNames()).isEmpty();
        assertThat(models.listing()).hasValueSatisfying(l -> assertThat(l.at()).isEqualTo(NOW));
    }

    @Test
    void shouldStopServingAConfiguredModelTheProvidersListLacks() {
        DeploymentModels models = new DeploymentModels(deployment(ProviderKind.MODAL, List.of("llama3.2:1b",
                "mistral:7b"), Map.of()));

        models.learn(List.of(LLAMA_HF), NOW);

        assertThat(models.served()).containsExactly("llama3.2:1b");
        assertThat(models.serves("llama3.2:1b")).isTrue();
        assertThat(models.serves("mistral:7b")).isFalse();
    }

    @Test
    void shouldPreferTheConfiguredProviderNameAndDropItWhenTheListLacksIt() {
        DeploymentModels models = new DeploymentModels(deployment(ProviderKind.MODAL, List.of("llama3.2:1b"),
                Map.of("llama3.2:1b", "llama-1b-q8")));

        assertThat(models.providerName("llama3.2:1b")).isEqualTo("llama-1b-q8");

        models.learn(List.of(LLAMA_HF), NOW);
        assertThat(models.providerName("llama3.2:1b")).isEqualTo("llama-1b-q8");
        assertThat(models.served()).isEmpty();
    }

    @Test
    void shouldServeWhatTheProviderListsUnderTheRunnersNamesWhenNothingIsConfigured() {
        DeploymentModels models = new DeploymentModels(deployment(ProviderKind.MODAL, List.of(), Map.of()));
        assertThat(models.served()).isEmpty();
        assertThat(models.serves("llama3.2:1b")).as("nothing known yet: the call decides").isTrue();

        models.learn(List.of(LLAMA_HF, "my-org/finetune"), NOW);

        assertThat(models.served()).containsExactly("llama3.2:1b", "my-org/finetune");
        assertThat(models.providerNames()).containsExactly(Map.entry("llama3.2:1b", LLAMA_HF));
        assertThat(models.serves("qwen2.5:7b")).isFalse();
    }

    @Test
    void shouldFindAGolemNodesModelUnderAnotherOllamaTagOfTheSameWeights() {
        DeploymentModels models = new DeploymentModels(deployment(ProviderKind.GOLEM, List.of("llama3.2:3b",
                "phi4"), Map.of()));

        models.learn(List.of("llama3.2:latest", "phi4:latest"), NOW);

        assertThat(models.served()).containsExactly("llama3.2:3b", "phi4");
        assertThat(models.providerName("llama3.2:3b")).isEqualTo("llama3.2:latest");
        assertThat(models.providerName("phi4")).isEqualTo("phi4:latest");
    }

    @Test
    void shouldIgnoreAnEmptyList() {
        DeploymentModels models = new DeploymentModels(deployment(ProviderKind.GOLEM, List.of("llama3.2:1b"), Map.of()));

        models.learn(List.of(), NOW);

        assertThat(models.listing()).isEmpty();
        assertThat(models.served()).containsExactly("llama3.2:1b");
    }

    @Test
    void shouldHandTheProviderACopyOfTheJobWithTheProvidersNameAndLeaveTheJobAlone() {
        ModelCatalogue catalogue = new ModelCatalogue();
        DeploymentEndpoint modal = deployment(ProviderKind.MODAL, List.of("llama3.2:1b"), Map.of());
        DeploymentEndpoint golem = deployment(ProviderKind.GOLEM, List.of("llama3.2:1b"), Map.of());
        RoutedJob job = job("llama3.2:1b");

        RoutedJob toModal = catalogue.forProvider(job, modal);
        RoutedJob toGolem = catalogue.forProvider(job, golem);

        assertThat(toModal.getRequest().getModel()).isEqualTo(LLAMA_HF);
        assertThat(toModal.getJobId()).isEqualTo(job.getJobId());
        assertThat(toModal.getRequest().getPrompt()).isEqualTo(job.getRequest().getPrompt());
        assertThat(job.getRequest().getModel()).isEqualTo("llama3.2:1b");
        assertThat(toGolem).isSameAs(job);
    }

    @Test
    void shouldStartAfreshWhenADeploymentComesBackWithOtherModels() {
        ModelCatalogue catalogue = new ModelCatalogue();
        DeploymentEndpoint before = deployment(ProviderKind.MODAL, List.of("llama3.2:1b"), Map.of());
        catalogue.of(before).learn(List.of("llama3.2:1b"), NOW);
        assertThat(catalogue.of(before).providerName("llama3.2:1b")).isEqualTo("llama3.2:1b");

        DeploymentEndpoint after = deployment(ProviderKind.MODAL, List.of("llama3.2:1b"),
                Map.of("llama3.2:1b", "meta-llama/Llama-3.2-1B"));

        assertThat(catalogue.of(after).providerName("llama3.2:1b")).isEqualTo("meta-llama/Llama-3.2-1B");
        assertThat(catalogue.of(after).listing()).isEmpty();
        assertThat(catalogue.find(after.id())).hasValueSatisfying(m -> assertThat(m.deployment()).isEqualTo(after));
    }

    private static RoutedJob job(String model) {
        return RoutedJob.newBuilder().setJobId("job-1")
                .setRequest(InferenceRequest.newBuilder().setJobId("job-1").setModel(model).setPrompt("Hi")
                        .setCreatedAt(NOW).build())
                .setDeploymentId("modal-a").setProvider(ProviderKind.MODAL).setRegion("eu-central").setAttempt(1)
                .setReason("test").setExpectedCostUsd(0.0).setExpectedLatencyMs(1).setRoutedAt(NOW)
                .setDeadline(NOW.plusSeconds(60)).build();
    }
}
