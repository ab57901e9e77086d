package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.core.DeploymentEndpoint;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeploymentEndpointsTest {

    private static final DeploymentEndpoints.Defaults DEFAULTS =
            new DeploymentEndpoints.Defaults("eu-central", List.of("llama3.2:1b"), Duration.ofSeconds(60));

    @Test
    void shouldReadTheRunnersGolemVariableAsAListOfOllamaUrls() {
        // Given the runner guide's variable with two node URLs
        Map<String, String> env = Map.of("GOLEM_PROVIDER_ENDPOINTS", "http://10.0.0.5:11434, http://10.0.0.6:11434/");

        // When it is read
        List<DeploymentEndpoint> nodes = DeploymentEndpoints.fromEnvironment(ProviderKind.GOLEM, env, DEFAULTS);

        // Then each URL is a Golem deployment with a stable derived id and the defaults
        assertThat(nodes).extracting(DeploymentEndpoint::id).containsExactly("golem-10.0.0.5-11434", "golem-10.0.0.6-11434");
        DeploymentEndpoint first = nodes.get(0);
        assertThat(first.provider()).isEqualTo(ProviderKind.GOLEM);
        assertThat(first.baseUrl()).isEqualTo(URI.create("http://10.0.0.5:11434"));
        assertThat(nodes.get(1).baseUrl()).isEqualTo(URI.create("http://10.0.0.6:11434"));
        assertThat(first.region()).isEqualTo("eu-central");
        assertThat(first.models()).containsExactly("llama3.2:1b");
        assertThat(first.pricePerSecondUsd()).isEqualTo(0.0001);
        assertThat(first.capacity()).isEqualTo(2);
        assertThat(first.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldTakeAnIdAndOptionsPerEntry() {
        List<DeploymentEndpoint> out = DeploymentEndpoints.parse(ProviderKind.MODAL,
                "modal-us-east=https://team--llm-serve.modal.run;region=us-east;price=0.000306;capacity=16;"
                        + "models=llama3.2:1b|qwen2.5:7b;timeout=30s", DEFAULTS, "MODAL_ENDPOINTS");

        assertThat(out).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo("modal-us-east");
            assertThat(d.baseUrl()).isEqualTo(URI.create("https://team--llm-serve.modal.run"));
            assertThat(d.region()).isEqualTo("us-east");
            assertThat(d.pricePerSecondUsd()).isEqualTo(0.000306);
            assertThat(d.capacity()).isEqualTo(16);
            assertThat(d.models()).containsExactly("llama3.2:1b", "qwen2.5:7b");
            assertThat(d.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        });
    }

    @Test
    void shouldDeriveAModalIdFromTheWorkspaceHost() {
        assertThat(DeploymentEndpoints.parse(ProviderKind.MODAL, "https://team--llm-serve.modal.run", DEFAULTS, "x"))
                .extracting(DeploymentEndpoint::id).containsExactly("modal-team--llm-serve");
    }

    @Test
    void shouldResolveABareRunPodEndpointIdAgainstRunPodsApi() {
        List<DeploymentEndpoint> out = DeploymentEndpoints.parse(ProviderKind.RUNPOD,
                "abc123xyz;region=us-east, rp-local=http://127.0.0.1:9000/v2/local1", DEFAULTS, "RUNPOD_ENDPOINTS");

        assertThat(out.get(0).id()).isEqualTo("runpod-abc123xyz");
        assertThat(out.get(0).baseUrl()).isEqualTo(URI.create("https://api.runpod.ai/v2/abc123xyz"));
        assertThat(out.get(0).region()).isEqualTo("us-east");
        assertThat(out.get(1).id()).isEqualTo("rp-local");
        assertThat(out.get(1).resolve("/runsync")).isEqualTo(URI.create("http://127.0.0.1:9000/v2/local1/runsync"));
    }

    @Test
    void shouldAcceptABareHostAndPortForAGolemNode() {
        assertThat(DeploymentEndpoints.parse(ProviderKind.GOLEM, "node7.example:11434", DEFAULTS, "x"))
                .extracting(DeploymentEndpoint::baseUrl).containsExactly(URI.create("http://node7.example:11434"));
    }

    @Test
    void shouldNameTheSourceAndTheEntryWhenAnEntryIsInvalid() {
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.GOLEM,
                "http://a:1, http://b:2;price=cheap", DEFAULTS, "GOLEM_PROVIDER_ENDPOINTS"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GOLEM_PROVIDER_ENDPOINTS entry 2")
                .hasMessageContaining("http://b:2;price=cheap")
                .hasMessageContaining("price 'cheap' is not a number");
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.MODAL, "ftp://x", DEFAULTS, "MODAL_ENDPOINTS"))
                .hasMessageContaining("MODAL_ENDPOINTS entry 1").hasMessageContaining("http or https");
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.MODAL, "not a url", DEFAULTS, "MODAL_ENDPOINTS"))
                .hasMessageContaining("not an http(s) URL");
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.GOLEM, "http://a:1;capacity=0", DEFAULTS, "d"))
                .hasMessageContaining("capacity '0' must be at least 1");
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.GOLEM, "http://a:1;colour=red", DEFAULTS, "d"))
                .hasMessageContaining("unknown option 'colour'");
    }

    @Test
    void shouldRefuseTwoEntriesWithTheSameId() {
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.GOLEM,
                "n1=http://a:1,n1=http://b:2", DEFAULTS, "deployments"))
                .hasMessageContaining("entry 2").hasMessageContaining("'n1' is used twice");
    }

    @Test
    void shouldRefuseCredentialsInAUrlWithoutEchoingThem() {
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.MODAL,
                "https://user:hunter2@x.modal.run", DEFAULTS, "MODAL_ENDPOINTS"))
                .hasMessageContaining("must not carry credentials")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void shouldGiveNothingForAnUnsetOrBlankVariable() {
        assertThat(DeploymentEndpoints.fromEnvironment(ProviderKind.RUNPOD, Map.of(), DEFAULTS)).isEmpty();
        assertThat(DeploymentEndpoints.fromEnvironment(ProviderKind.RUNPOD, Map.of("RUNPOD_ENDPOINTS", " "), DEFAULTS))
                .isEmpty();
    }

    @Test
    void shouldReadBillingOptionsAndDefaultPerProvider() {
        var golem = DeploymentEndpoints.parse(io.beacon.schemas.avro.ProviderKind.GOLEM,
                "g=10.0.0.5:11434;capacity=3;start_fee=0.05", DEFAULTS, "test").get(0);
        org.assertj.core.api.Assertions.assertThat(golem.billing()).isEqualTo(new io.beacon.workers.core.Billing(
                io.beacon.schemas.avro.BillingModel.LEASE, 0.05, Duration.ZERO, 3, 0, 0));
        var modal = DeploymentEndpoints.parse(io.beacon.schemas.avro.ProviderKind.MODAL,
                "https://a.modal.run;idle=30s;slots=4", DEFAULTS, "test").get(0);
        org.assertj.core.api.Assertions.assertThat(modal.billing().idleWindow()).isEqualTo(Duration.ofSeconds(30));
        org.assertj.core.api.Assertions.assertThat(modal.billing().slotsPerUnit()).isEqualTo(4);
        var runpod = DeploymentEndpoints.parse(io.beacon.schemas.avro.ProviderKind.RUNPOD,
                "abc123;idle=500ms;active=1;active_price=0.0001", DEFAULTS, "test").get(0);
        org.assertj.core.api.Assertions.assertThat(runpod.billing()).isEqualTo(new io.beacon.workers.core.Billing(
                io.beacon.schemas.avro.BillingModel.WORKER, 0, Duration.ofMillis(500), 1, 1, 0.0001));
        var plain = DeploymentEndpoints.parse(io.beacon.schemas.avro.ProviderKind.RUNPOD, "abc123", DEFAULTS, "test")
                .get(0);
        org.assertj.core.api.Assertions.assertThat(plain.billing()).isEqualTo(
                io.beacon.workers.core.Billing.defaults(io.beacon.schemas.avro.ProviderKind.RUNPOD, 8));
        org.assertj.core.api.Assertions.assertThat(plain.billing().idleWindow()).isEqualTo(Duration.ofSeconds(5));
        org.assertj.core.api.Assertions.assertThat(plain.billing().activePricePerSecondUsd()).isEqualTo(0.00013);
    }

    @Test
    void shouldRejectBadBillingOptionsClearly() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeploymentEndpoints.parse(
                io.beacon.schemas.avro.ProviderKind.MODAL, "https://a.modal.run;slots=0", DEFAULTS, "MODAL_ENDPOINTS"))
                .hasMessageContaining("MODAL_ENDPOINTS entry 1").hasMessageContaining("slots '0' must be at least 1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeploymentEndpoints.parse(
                io.beacon.schemas.avro.ProviderKind.MODAL, "https://a.modal.run;idle=soon", DEFAULTS, "x"))
                .hasMessageContaining("idle 'soon' is not a duration");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeploymentEndpoints.parse(
                io.beacon.schemas.avro.ProviderKind.GOLEM, "h:1;start_fee=-1", DEFAULTS, "x"))
                .hasMessageContaining("start_fee '-1' must be a number >= 0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeploymentEndpoints.parse(
                io.beacon.schemas.avro.ProviderKind.MODAL, "https://a.modal.run;active=1", DEFAULTS, "x"))
                .hasMessageContaining("RunPod options");
    }

    @Test
    void shouldReadTheProvidersNameOfAModelAfterAnAt() {
        DeploymentEndpoint modal = DeploymentEndpoints.parse(ProviderKind.MODAL,
                "https://team--llm.modal.run;models=llama3.2:1b@meta-llama/Llama-3.2-1B-Instruct|qwen2.5:7b",
                DEFAULTS, "MODAL_ENDPOINTS").get(0);

        assertThat(modal.models()).containsExactly("llama3.2:1b", "qwen2.5:7b");
        assertThat(modal.providerModels()).containsExactly(Map.entry("llama3.2:1b", "meta-llama/Llama-3.2-1B-Instruct"));
    }

    @Test
    void shouldServeTheOneModelOfAWorkerVllmEndpointUnderTheRunnersName() {
        // Given RunPod endpoints whose worker-vllm was started with MODEL_NAME=...
        List<DeploymentEndpoint> out = DeploymentEndpoints.parse(ProviderKind.RUNPOD,
                "abc123;model=meta-llama/Llama-3.2-1B-Instruct, "
                        + "def456;model=my-org/llama-1b-ft;models=llama3.2:1b|bias-ft",
                DEFAULTS, "RUNPOD_ENDPOINTS");

        // Then the table gives the runner's name of a known model; models= names an unknown one's
        assertThat(out.get(0).models()).containsExactly("llama3.2:1b");
        assertThat(out.get(0).providerModels())
                .containsExactly(Map.entry("llama3.2:1b", "meta-llama/Llama-3.2-1B-Instruct"));
        assertThat(out.get(1).models()).containsExactly("llama3.2:1b", "bias-ft");
        assertThat(out.get(1).providerModels()).containsExactly(Map.entry("llama3.2:1b", "my-org/llama-1b-ft"),
                Map.entry("bias-ft", "my-org/llama-1b-ft"));
    }

    @Test
    void shouldKeepTheDefaultModelsForAnEntryWithoutModelOptions() {
        DeploymentEndpoint plain = DeploymentEndpoints.parse(ProviderKind.MODAL, "https://a.modal.run", DEFAULTS, "x")
                .get(0);

        assertThat(plain.models()).containsExactly("llama3.2:1b");
        assertThat(plain.providerModels()).isEmpty();
    }

    @Test
    void shouldRejectUnclearModelOptions() {
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.RUNPOD,
                "abc123;model=meta-llama/Llama-3.2-1B-Instruct;models=llama3.2:1b@other", DEFAULTS, "RUNPOD_ENDPOINTS"))
                .hasMessageContaining("RUNPOD_ENDPOINTS entry 1").hasMessageContaining("give one or the other");
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.MODAL,
                "https://a.modal.run;models=llama3.2:1b@", DEFAULTS, "x"))
                .hasMessageContaining("is not a model name");
        assertThatThrownBy(() -> DeploymentEndpoints.parse(ProviderKind.MODAL,
                "https://a.modal.run;models=llama3.2:1b|llama3.2:1b@x", DEFAULTS, "x"))
                .hasMessageContaining("'llama3.2:1b' is listed twice");
    }
}
