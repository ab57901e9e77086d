package io.beacon.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.router.http.InferencePayloadParser.Accepted;
import io.beacon.router.http.InferencePayloadParser.Outcome;
import io.beacon.router.http.InferencePayloadParser.Rejected;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.LatencyClass;
import io.beacon.schemas.avro.ProviderKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InferencePayloadParserTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    /** The integration guide's payload, byte for byte what its Go code marshals (keys sorted). */
    private static final String GUIDE_PAYLOAD = "{\"cost_priority\":true,\"max_tokens\":512,\"model\":\"llama3.2:1b\","
            + "\"prompt\":\"Describe a typical day of a nurse.\",\"region_preference\":\"us-east\",\"temperature\":0.1}";

    private final InferencePayloadParser parser = new InferencePayloadParser(100, 8192, Duration.ofSeconds(60),
            Duration.ofSeconds(600));

    @Test
    void shouldTurnTheGuidesPayloadIntoAJobKeyedByItsNewId() {
        Accepted accepted = accepted(GUIDE_PAYLOAD);

        InferenceRequest request = accepted.request();
        assertThat(request.getJobId()).isEqualTo("job-1");
        assertThat(request.getModel()).isEqualTo("llama3.2:1b");
        assertThat(request.getPrompt()).isEqualTo("Describe a typical day of a nurse.");
        assertThat(request.getTemperature()).isEqualTo(0.1);
        assertThat(request.getMaxTokens()).isEqualTo(512);
        assertThat(request.getRegionPreference()).isEqualTo("us-east");
        assertThat(request.getCostPriority()).isTrue();
        assertThat(request.getProviderPreference()).isEmpty();
        assertThat(request.getAllowFallbacks()).isTrue();
        assertThat(request.getCreatedAt()).isEqualTo(NOW);
        assertThat(request.getDeadline()).isEqualTo(NOW.plusSeconds(60));
        assertThat(accepted.timeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldTakeTheSchemaDefaultsForAbsentOptionalFields() {
        InferenceRequest request = accepted("{\"model\": \"llama3.2:1b\", \"prompt\": \"hi\", \"region_preference\": null}")
                .request();

        assertThat(request.getTemperature()).isEqualTo(0.1);
        assertThat(request.getMaxTokens()).isEqualTo(512);
        assertThat(request.getCostPriority()).isTrue();
        assertThat(request.getRegionPreference()).isNull();
        assertThat(request.getMaxPricePerInferenceUsd()).isNull();
        assertThat(request.getMetadata()).isEmpty();
    }

    @Test
    void shouldReadEveryOptionalField() {
        Accepted accepted = accepted("{\"model\": \"llama3.2:1b\", \"messages\": [{\"role\": \"system\", \"content\":"
                + " \"be brief\"}, {\"role\": \"user\", \"content\": \"hi\"}], \"provider_preference\": [\"modal\","
                + " \"RunPod\", \"modal\"], \"allow_fallbacks\": false, \"max_price_per_inference_usd\": 0.001,"
                + " \"timeout_seconds\": 2.5, \"metadata\": {\"runner_job_id\": \"r-1\"}, \"cost_priority\": false,"
                + " \"max_tokens\": 512.0, \"unknown_field\": [1, 2]}");

        InferenceRequest request = accepted.request();
        assertThat(request.getMessages()).extracting(m -> m.getRole() + ":" + m.getContent())
                .containsExactly("system:be brief", "user:hi");
        assertThat(request.getProviderPreference()).containsExactly(ProviderKind.MODAL, ProviderKind.RUNPOD);
        assertThat(request.getAllowFallbacks()).isFalse();
        assertThat(request.getMaxPricePerInferenceUsd()).isEqualTo(0.001);
        assertThat(request.getMetadata()).containsExactlyEntriesOf(Map.of("runner_job_id", "r-1"));
        assertThat(request.getCostPriority()).isFalse();
        assertThat(request.getMaxTokens()).isEqualTo(512);
        assertThat(accepted.timeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(request.getDeadline()).isEqualTo(NOW.plusMillis(2500));
    }

    @Test
    void shouldTakeOneProviderAsAStringAndAnEmptyStringAsNoPreference() {
        assertThat(accepted("{\"model\": \"m\", \"prompt\": \"p\", \"provider_preference\": \"golem\"}").request()
                .getProviderPreference()).containsExactly(ProviderKind.GOLEM);
        assertThat(accepted("{\"model\": \"m\", \"prompt\": \"p\", \"provider_preference\": \"\"}").request()
                .getProviderPreference()).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"model": "m", "prompt": "p"                                   | body              | malformed JSON
            ["model", "prompt"]                                            | body              | must be a JSON object, not an array
            {"model": "m", "prompt": "p"} trailing                         | body              | malformed JSON
            {"model": "m", "model": "n", "prompt": "p"}                    | body              | Duplicate field 'model'
            {"prompt": "p"}                                                | model             | model: is required
            {"model": "", "prompt": "p"}                                   | model             | model: must not be empty
            {"model": 3, "prompt": "p"}                                    | model             | model: must be a string, not a number
            {"model": "m"}                                                 | prompt            | prompt: must not be empty (or give messages)
            {"model": "m", "prompt": "   "}                                | prompt            | prompt: must not be empty (or give messages)
            {"model": "m", "prompt": ["p"]}                                | prompt            | prompt: must be a string, not an array
            {"model": "m", "prompt": "p", "temperature": "0.1"}            | temperature       | temperature: must be a number, not a string
            {"model": "m", "prompt": "p", "temperature": 2.5}              | temperature       | temperature: 2.5 is outside 0.0 to 2.0
            {"model": "m", "prompt": "p", "temperature": -0.1}             | temperature       | is outside 0.0 to 2.0
            {"model": "m", "prompt": "p", "max_tokens": 0}                 | max_tokens        | max_tokens: 0 is outside 1 to 8192
            {"model": "m", "prompt": "p", "max_tokens": -5}                | max_tokens        | max_tokens: -5 is outside 1 to 8192
            {"model": "m", "prompt": "p", "max_tokens": 8193}              | max_tokens        | max_tokens: 8193 is outside 1 to 8192
            {"model": "m", "prompt": "p", "max_tokens": 99999999999999999} | max_tokens        | max_tokens: 99999999999999999 is outside 1 to 8192
            {"model": "m", "prompt": "p", "max_tokens": 12.5}              | max_tokens        | max_tokens: must be a whole number, not 12.5
            {"model": "m", "prompt": "p", "max_tokens": "512"}             | max_tokens        | max_tokens: must be a number, not a string
            {"model": "m", "prompt": "p", "cost_priority": "true"}         | cost_priority     | cost_priority: must be true or false, not a string
            {"model": "m", "prompt": "p", "allow_fallbacks": 1}            | allow_fallbacks   | allow_fallbacks: must be true or false, not a number
            {"model": "m", "prompt": "p", "region_preference": 1}          | region_preference | region_preference: must be a string, not a number
            {"model": "m", "prompt": "p", "provider_preference": "azure"}  | provider_preference | provider_preference: 'azure' is not one of golem, modal, runpod
            {"model": "m", "prompt": "p", "provider_preference": ["golem", 2]} | provider_preference | not a number
            {"model": "m", "prompt": "p", "provider_preference": {"a": 1}} | provider_preference | not an object
            {"model": "m", "messages": "hi"}                               | messages          | messages: must be an array
            {"model": "m", "messages": [{"content": "hi"}]}                | messages          | messages[0].role: must be a non-empty string
            {"model": "m", "messages": [{"role": "user", "content": 5}]}   | messages          | messages[0].content: must be a string
            {"model": "m", "messages": [{"role": "user", "content": ""}]}  | messages          | messages: every message needs content
            {"model": "m", "prompt": "p", "max_price_per_inference_usd": 0} | max_price_per_inference_usd | must be positive when set
            {"model": "m", "prompt": "p", "timeout_seconds": 0}            | timeout_seconds   | timeout_seconds: 0 is outside 0.001 to 600 s
            {"model": "m", "prompt": "p", "timeout_seconds": 601}          | timeout_seconds   | timeout_seconds: 601 is outside 0.001 to 600 s
            {"model": "m", "prompt": "p", "latency_class": "soon"}         | latency_class     | must be "interactive" or "batch", not 'soon'
            {"model": "m", "prompt": "p", "latency_class": 1}              | latency_class     | must be a string, not a number
            {"model": "m", "prompt": "p", "metadata": {"n": 1}}            | metadata          | metadata.n: must be a string, not a number
            {"model": "m", "prompt": "p", "metadata": ["x"]}               | metadata          | metadata: must be an object of string values
            """)
    void shouldNameTheFieldThatIsWrong(String payload, String field, String message) {
        Outcome outcome = parser.parse(payload.getBytes(StandardCharsets.UTF_8), "job-1", NOW);

        assertThat(outcome).isInstanceOf(Rejected.class);
        Rejected rejected = (Rejected) outcome;
        assertThat(rejected.field()).isEqualTo(field);
        assertThat(rejected.error()).startsWith(field).contains(message);
    }

    @Test
    void shouldReadTheLatencyClassInAnyCaseAndLeaveItUnspecifiedWhenAbsent() {
        assertThat(accepted("{\"model\": \"m\", \"prompt\": \"p\", \"latency_class\": \"batch\"}").request()
                .getLatencyClass()).isEqualTo(LatencyClass.BATCH);
        assertThat(accepted("{\"model\": \"m\", \"prompt\": \"p\", \"latency_class\": \"Interactive\"}").request()
                .getLatencyClass()).isEqualTo(LatencyClass.INTERACTIVE);
        assertThat(accepted("{\"model\": \"m\", \"prompt\": \"p\"}").request().getLatencyClass())
                .isEqualTo(LatencyClass.UNSPECIFIED);
    }

    @Test
    void shouldRefuseAnEmptyBody() {
        Outcome outcome = parser.parse(new byte[0], "job-1", NOW);

        assertThat(outcome).isInstanceOf(Rejected.class);
        assertThat(((Rejected) outcome).field()).isEqualTo("body");
        assertThat(((Rejected) outcome).error()).startsWith("body: is empty");
    }

    @Test
    void shouldRefuseAPromptOverTheRoutersLimitAsTheRouterWould() {
        Outcome outcome = parser.parse(("{\"model\": \"m\", \"prompt\": \"" + "x".repeat(101) + "\"}")
                .getBytes(StandardCharsets.UTF_8), "job-1", NOW);

        assertThat(outcome).isEqualTo(new Rejected("prompt", "prompt: 101 characters is over the limit of 100"));
    }

    @Test
    void shouldCountChatMessagesAgainstThePromptLimit() {
        String content = "y".repeat(60);
        Outcome outcome = parser.parse(("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"" + content
                + "\"}, {\"role\": \"user\", \"content\": \"" + content + "\"}]}").getBytes(StandardCharsets.UTF_8),
                "job-1", NOW);

        assertThat(outcome).isInstanceOf(Rejected.class);
        assertThat(((Rejected) outcome).field()).isEqualTo("prompt");
    }

    @Test
    void shouldWriteDurationsAsSeconds() {
        assertThat(InferencePayloadParser.seconds(Duration.ofSeconds(60))).isEqualTo("60 s");
        assertThat(InferencePayloadParser.seconds(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(InferencePayloadParser.seconds(Duration.ofMillis(200))).isEqualTo("0.2 s");
    }

    private Accepted accepted(String payload) {
        Outcome outcome = parser.parse(payload.getBytes(StandardCharsets.UTF_8), "job-1", NOW);
        assertThat(outcome).as("%s", outcome).isInstanceOf(Accepted.class);
        return (Accepted) outcome;
    }
}
