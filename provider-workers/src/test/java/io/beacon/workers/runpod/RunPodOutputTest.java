package io.beacon.workers.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.workers.client.FailureClassifier;
import org.junit.jupiter.api.Test;

class RunPodOutputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void shouldJoinTheVllmWorkersTokensAndReadItsUsage() throws Exception {
        JsonNode output = json("[{\"choices\":[{\"tokens\":[\"Hel\",\"lo\"]}],\"usage\":{\"input\":4,\"output\":2}}]");

        assertThat(RunPodOutput.text(output)).isEqualTo("Hello");
        assertThat(RunPodOutput.tokens(output)).containsExactly(4, 2);
    }

    @Test
    void shouldReadOtherCommonOutputShapes() throws Exception {
        assertThat(RunPodOutput.text(json("\"plain\""))).isEqualTo("plain");
        assertThat(RunPodOutput.text(json("[\"a\",\"b\"]"))).isEqualTo("ab");
        assertThat(RunPodOutput.text(json("{\"choices\":[{\"message\":{\"content\":\"chat\"}}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}"))).isEqualTo("chat");
        assertThat(RunPodOutput.text(json("{\"choices\":[{\"text\":\"completion\"}]}"))).isEqualTo("completion");
        assertThat(RunPodOutput.text(json("{\"text\":\"t\"}"))).isEqualTo("t");
        assertThat(RunPodOutput.text(json("{\"output\":{\"generated_text\":\"g\"}}"))).isEqualTo("g");
        assertThat(RunPodOutput.tokens(json("{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}")))
                .containsExactly(3, 1);
    }

    @Test
    void shouldGiveNullForAnUnknownShape() throws Exception {
        assertThat(RunPodOutput.text(json("{\"weird\":1}"))).isNull();
        assertThat(RunPodOutput.text(json("[]"))).isNull();
        assertThat(RunPodOutput.text(null)).isNull();
    }

    @Test
    void shouldJoinTheBatchesOfAnAggregatedStreamAndKeepTheLargestUsage() throws Exception {
        JsonNode output = json("[{\"choices\":[{\"tokens\":[\"The sky \"]}],\"usage\":{\"input\":9,\"output\":2}},"
                + "{\"choices\":[{\"tokens\":[\"is blue.\"]}],\"usage\":{\"input\":9,\"output\":4}}]");

        assertThat(RunPodOutput.text(output)).isEqualTo("The sky is blue.");
        assertThat(RunPodOutput.tokens(output)).containsExactly(9, 4);
        assertThat(RunPodOutput.error(output)).isNull();
    }

    @Test
    void shouldReadTheOpenAiRoutesChatCompletionInAList() throws Exception {
        JsonNode output = json("[{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"Hi there\"}}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}]");

        assertThat(RunPodOutput.text(output)).isEqualTo("Hi there");
        assertThat(RunPodOutput.tokens(output)).containsExactly(12, 3);
    }

    @Test
    void shouldFindWorkerVllmsErrorInsideACompletedOutputInEveryShape() throws Exception {
        assertThat(RunPodOutput.error(json("{\"error\":\"CUDA out of memory\"}"))).isEqualTo("CUDA out of memory");
        assertThat(RunPodOutput.error(json("[{\"error\":\"The decoder prompt (length 9000) is longer than the"
                + " maximum model length of 8192.\"}]"))).startsWith("The decoder prompt (length 9000)");
        assertThat(RunPodOutput.error(json("[{\"error\":{\"object\":\"error\",\"message\":\"max_tokens must be"
                + " at least 1, got 0.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}}]")))
                .isEqualTo("max_tokens must be at least 1, got 0.");
        assertThat(RunPodOutput.error(json("{\"error\":{\"error\":{\"message\":\"nested\"}}}"))).isEqualTo("nested");
        assertThat(RunPodOutput.error(json("\"plain text\""))).isNull();
    }

    @Test
    void shouldBlameWorkerVllmErrorsInsideACompletedOutputOnWhoseFaultTheyAre() {
        assertThat(blame("The decoder prompt (length 9000) is longer than the maximum model length of 8192."))
                .isEqualTo(FailureBlame.REQUEST);
        assertThat(blame("This model's maximum context length is 8192 tokens.")).isEqualTo(FailureBlame.REQUEST);
        assertThat(blame("max_tokens must be at least 1, got 0.")).isEqualTo(FailureBlame.REQUEST);
        assertThat(blame("Model llama3.2:1b is not served by this endpoint (its weights are missing)"))
                .isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(blame("CUDA error: an illegal memory access was encountered")).isEqualTo(FailureBlame.UNHEALTHY);
        assertThat(blame("Engine loop has died")).isEqualTo(FailureBlame.UNHEALTHY);
    }

    private static FailureBlame blame(String workerError) {
        return FailureClassifier.ofReportedError(workerError).blame();
    }
}
