package io.beacon.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextSynthTest {

    @Test
    void shouldAnswerTheSamePromptWithTheSameTextMentioningTheModel() {
        // When
        TextSynth.Completion first = TextSynth.complete("llama3.2:1b", "Why is the sky blue?", null, null);
        TextSynth.Completion second = TextSynth.complete("llama3.2:1b", "Why is the sky blue?", null, null);
        TextSynth.Completion other = TextSynth.complete("llama3.2:1b", "What is Kafka?", null, null);

        // Then
        assertThat(first).isEqualTo(second);
        assertThat(first.text()).contains("llama3.2:1b").isNotEqualTo(other.text());
        assertThat(String.join("", first.tokens())).isEqualTo(first.text());
        assertThat(first.outputTokens()).isBetween(24, 120);
        assertThat(first.doneReason()).isEqualTo("stop");
    }

    @Test
    void shouldTruncateAtTheTokenLimitAndReportLength() {
        // When
        TextSynth.Completion completion = TextSynth.complete("llama3.2:1b", "Tell me a story", 5, null);

        // Then
        assertThat(completion.outputTokens()).isEqualTo(5);
        assertThat(completion.truncated()).isTrue();
        assertThat(completion.doneReason()).isEqualTo("length");
        assertThat(completion.finishReason()).isEqualTo("length");
    }

    @Test
    void shouldVaryTheAnswerWithTheSeed() {
        TextSynth.Completion seeded = TextSynth.complete("m", "prompt", null, 7L);
        TextSynth.Completion unseeded = TextSynth.complete("m", "prompt", null, null);
        assertThat(seeded.text()).isNotEqualTo(unseeded.text());
        assertThat(TextSynth.countTokens("abcdefgh")).isEqualTo(2);
        assertThat(TextSynth.countTokens("")).isZero();
    }
}
