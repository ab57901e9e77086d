package io.beacon.workers.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
}
