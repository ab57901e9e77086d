package io.beacon.sim;

import static io.beacon.sim.SimHttp.at;
import static io.beacon.sim.SimHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The faults of a deployment set up wrong, as each provider shows them: credentials refused on every route
 * (health and model lists too), and a model the deployment no longer has (Ollama's and vLLM's own 404 answers,
 * the model gone from their lists).
 */
class MisconfigurationFaultsTest {

    private static final String MODEL = "llama3.2:1b";
    private static final String GENERATE = "{\"model\":\"" + MODEL + "\",\"prompt\":\"hi\",\"stream\":false}";
    private static final String CHAT = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final SimCredentials CREDENTIALS = new SimCredentials("wk-1", "ws-1", "rp-1");
    private static final String[] MODAL_AUTH = {"Modal-Key", "wk-1", "Modal-Secret", "ws-1"};

    private final SimHttp http = SimHttp.client();
    private ProviderSimulator node;
    private ProviderSimulator modal;
    private ProviderSimulator runpod;

    @BeforeEach
    void start() {
        node = ProviderSimulator.start(SimulatedDeployment.builder("golem-misconf", SimProvider.GOLEM)
                .models(List.of(MODEL, "qwen2.5:0.5b")).latency(LatencyModel.fixed(Duration.ofMillis(10))).build(),
                "127.0.0.1", 0, CREDENTIALS);
        modal = ProviderSimulator.start(SimulatedDeployment.builder("modal-misconf", SimProvider.MODAL)
                .latency(LatencyModel.fixed(Duration.ofMillis(10))).coldStart(Duration.ZERO).build(),
                "127.0.0.1", 0, CREDENTIALS);
        runpod = ProviderSimulator.start(SimulatedDeployment.builder("runpod-misconf", SimProvider.RUNPOD)
                .latency(LatencyModel.fixed(Duration.ofMillis(10))).coldStart(Duration.ZERO).build(),
                "127.0.0.1", 0, CREDENTIALS);
    }

    @AfterEach
    void close() {
        node.close();
        modal.close();
        runpod.close();
    }

    private HttpResponse<String> fault(ProviderSimulator simulator, String body) {
        return http.post(at(simulator.rootUrl(), "/__sim/faults"), body);
    }

    @Test
    void shouldRefuseEveryModalRouteAtTheProxyWhenTheCredentialsAreRefused() {
        fault(modal, "{\"mode\":\"fail\",\"status\":401}");

        HttpResponse<String> call = http.post(at(modal.baseUrl(), "/v1/chat/completions"), CHAT, MODAL_AUTH);
        HttpResponse<String> health = http.get(at(modal.baseUrl(), "/health"), MODAL_AUTH);

        assertThat(call.statusCode()).isEqualTo(401);
        assertThat(call.body()).isEqualTo(ModalProtocol.INVALID_CREDENTIALS);
        assertThat(health.statusCode()).as("the proxy refuses /health too").isEqualTo(401);
        assertThat(modal.stats().billedUsd()).as("no container reached").isZero();

        fault(modal, "{\"mode\":\"recover\"}");
        assertThat(http.get(at(modal.baseUrl(), "/health"), MODAL_AUTH).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseEveryRunPodRouteWhenTheKeyIsRefused() {
        fault(runpod, "{\"mode\":\"fail\",\"status\":401}");

        HttpResponse<String> health = http.get(at(runpod.baseUrl(), "/health"), "Authorization", "Bearer rp-1");

        assertThat(health.statusCode()).isEqualTo(401);
        assertThat(json(health).get("error").asText()).isEqualTo("Unauthorized");
    }

    @Test
    void shouldAnswerOllamasModelNotFoundAndLeaveTheModelOutOfItsTags() {
        HttpResponse<String> applied = fault(node, "{\"mode\":\"model-missing\",\"model\":\"" + MODEL + "\"}");
        assertThat(json(applied).get("faults").get("missingModels").get(0).asText()).isEqualTo(MODEL);

        HttpResponse<String> generate = http.post(at(node.baseUrl(), "/api/generate"), GENERATE);
        HttpResponse<String> other = http.post(at(node.baseUrl(), "/api/generate"),
                GENERATE.replace(MODEL, "qwen2.5:0.5b"));
        HttpResponse<String> tags = http.get(at(node.baseUrl(), "/api/tags"));

        assertThat(generate.statusCode()).isEqualTo(404);
        assertThat(json(generate).get("error").asText()).isEqualTo("model \"" + MODEL + "\" not found, try pulling it first");
        assertThat(other.statusCode()).as("its other model still answers").isEqualTo(200);
        assertThat(tags.statusCode()).isEqualTo(200);
        assertThat(json(tags).get("models").findValuesAsText("name")).containsExactly("qwen2.5:0.5b");

        fault(node, "{\"mode\":\"recover\"}");
        assertThat(json(http.get(at(node.baseUrl(), "/api/tags"))).get("models").findValuesAsText("name"))
                .contains(MODEL);
    }

    @Test
    void shouldAnswerVllmsModelDoesNotExistAndLeaveTheModelOutOfItsList() {
        fault(modal, "{\"mode\":\"model-missing\"}");

        HttpResponse<String> call = http.post(at(modal.baseUrl(), "/v1/chat/completions"), CHAT, MODAL_AUTH);
        HttpResponse<String> models = http.get(at(modal.baseUrl(), "/v1/models"), MODAL_AUTH);

        assertThat(call.statusCode()).isEqualTo(404);
        assertThat(call.body()).contains("The model `" + MODEL + "` does not exist.");
        assertThat(json(models).get("data")).isEmpty();
        assertThat(http.get(at(modal.baseUrl(), "/health"), MODAL_AUTH).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerAFailAll404AsTheRealServersDoForAModelTheyDoNotHave() {
        fault(node, "{\"mode\":\"fail\",\"status\":404}");
        fault(modal, "{\"mode\":\"fail\",\"status\":404}");

        HttpResponse<String> generate = http.post(at(node.baseUrl(), "/api/generate"), GENERATE);
        HttpResponse<String> chat = http.post(at(modal.baseUrl(), "/v1/chat/completions"), CHAT, MODAL_AUTH);

        assertThat(generate.statusCode()).isEqualTo(404);
        assertThat(json(generate).get("error").asText()).isEqualTo("model \"" + MODEL + "\" not found, try pulling it first");
        assertThat(json(http.get(at(node.baseUrl(), "/api/tags"))).get("models")).isEmpty();
        assertThat(chat.statusCode()).isEqualTo(404);
        assertThat(chat.body()).contains("The model `" + MODEL + "` does not exist.");
        assertThat(json(http.get(at(modal.baseUrl(), "/v1/models"), MODAL_AUTH)).get("data")).isEmpty();
    }

    @Test
    void shouldRefuseAMissingModelsNameThatIsNotAString() {
        assertThat(fault(node, "{\"mode\":\"model-missing\",\"model\":7}").statusCode()).isEqualTo(400);
        assertThat(fault(node, "{\"mode\":\"model-missing\",\"models\":[]}").statusCode()).isEqualTo(400);
    }
}
