package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Argument handling of {@code submit}, {@code results} and {@code dlq}: every mistake is refused before
 * any Kafka client is made (the settings point at a closed port, which would otherwise hang the test).
 */
class RunnerToolsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Nothing listens there; a command that connected would fail slowly, not with these messages. */
    private static final String[] NOWHERE = {"--set", "bootstrap.servers=127.0.0.1:1", "--set",
            "schema.registry.url=mem://runner-tools-test"};

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    @Test
    void shouldAskForAPromptOrAFile() {
        int exit = run("submit");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("give --prompt (one job) or --file FILE");
    }

    @Test
    void shouldRefuseAFileTogetherWithJobFlags() throws Exception {
        Path jobs = Files.writeString(dir.resolve("jobs.jsonl"), "{\"model\":\"m\",\"prompt\":\"p\"}\n");

        int exit = run("submit", "--file", jobs.toString(), "--prompt", "hello");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("either --file or the job flags");
    }

    @Test
    void shouldRefuseAnInvalidJobFromFlagsNamingTheField() {
        assertThat(run("submit", "--prompt", "hi", "--max-tokens", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("invalid job: max_tokens: 0 is outside 1 to 8192");
    }

    @Test
    void shouldRefuseAnUnknownProvider() {
        assertThat(run("submit", "--prompt", "hi", "--provider", "golem,azure")).isEqualTo(2);
        assertThat(err.toString()).contains("provider_preference: 'azure' is not one of golem, modal, runpod");
    }

    @Test
    void shouldRefuseANonPositiveTimeout() {
        assertThat(run("submit", "--prompt", "hi", "--timeout", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--timeout must be more than 0");
    }

    @Test
    void shouldRefuseAMissingFile() {
        assertThat(run("submit", "--file", dir.resolve("absent.jsonl").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("does not exist");
    }

    @Test
    void shouldPrintEveryInvalidLineAndSendNothingWhenNoLineIsValid() throws Exception {
        Path jobs = Files.writeString(dir.resolve("bad.jsonl"), String.join("\n", List.of(
                "{\"model\":\"m\",\"prompt\":\"p\",\"temperature\":\"hot\"}",
                "",
                "not json",
                "{\"model\":\"m\"}")), StandardCharsets.UTF_8);

        int exit = run("submit", "--file", jobs.toString());

        assertThat(exit).isEqualTo(1);
        List<JsonNode> lines = out.toString().lines().map(RunnerToolsTest::json).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines).extracting(l -> l.get("line").intValue()).containsExactly(1, 3, 4);
        assertThat(lines).extracting(l -> l.get("field").textValue()).containsExactly("temperature", "body", "prompt");
        assertThat(lines).allSatisfy(l -> assertThat(l.get("success").booleanValue()).isFalse());
        assertThat(err.toString()).contains("no valid job to send");
    }

    @Test
    void shouldRefuseReplayAndReplayAllTogether() {
        assertThat(run("dlq", "--replay", "0:1", "--replay-all")).isEqualTo(2);
        assertThat(err.toString()).contains("--replay OFFSETS or --replay-all, not both");
    }

    @Test
    void shouldRefuseForceWithoutReplay() {
        assertThat(run("dlq", "--force")).isEqualTo(2);
        assertThat(err.toString()).contains("--force only applies to --replay");
    }

    @Test
    void shouldRefuseOffsetsThatAreNotOffsets() {
        assertThat(run("dlq", "--replay", "0:x")).isEqualTo(2);
        assertThat(err.toString()).contains("'0:x' is not OFFSET, PARTITION:OFFSET or a range");
    }

    @Test
    void shouldReadOffsetsPartitionsAndRanges() {
        assertThat(DlqCommand.parsePositions("5, 1:7,2:3-5"))
                .containsExactly(new DlqCommand.Position(0, 5), new DlqCommand.Position(1, 7),
                        new DlqCommand.Position(2, 3), new DlqCommand.Position(2, 4), new DlqCommand.Position(2, 5));
        assertThatThrownBy(() -> DlqCommand.parsePositions("7-3")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DlqCommand.parsePositions(" , ")).hasMessageContaining("at least one offset");
    }

    @Test
    void shouldPreviewBytesSafelyAndBoundedly() {
        byte[] bytes = {0, 0, 0, 0, 7, 'h', 'i', '\\', '"', '\n', (byte) 0xff, 'z'};

        assertThat(DlqCommand.preview(bytes, 64)).isEqualTo("\\x00\\x00\\x00\\x00\\x07hi\\\\\"\\x0a\\xffz");
        assertThat(DlqCommand.preview("abcdef".getBytes(StandardCharsets.US_ASCII), 3)).isEqualTo("abc...(3 more bytes)");
        assertThat(DlqCommand.schemaId(bytes)).hasValue(7);
        assertThat(DlqCommand.schemaId("this is not avro".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }

    @Test
    void shouldRefuseANegativeLimit() {
        assertThat(run("results", "--limit", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--limit must not be negative");
    }

    @Test
    void shouldDescribeTheToolsInTheHelp() {
        assertThat(run("dlq", "--help")).isZero();
        assertThat(out.toString()).contains("Fixing a payload is the caller's job").contains("--force");
    }

    private int run(String... args) {
        String[] all = new String[args.length + NOWHERE.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(NOWHERE, 0, all, args.length, NOWHERE.length);
        return BeaconCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
