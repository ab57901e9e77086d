package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.topics.Topics;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner tools against the real pipeline on the shared broker, run through {@link BeaconCli} as a
 * person would: {@code submit} prints each job's result, {@code results} shows them again, and
 * {@code dlq} lists a dead-lettered record with its reason and replays it.
 */
class RunnerToolsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private IsolatedRun run;
    private Map<String, String> settings;
    private LocalPipeline pipeline;
    private Topics topics;

    @TempDir
    Path dir;

    /** What one run of the command line printed. */
    private record Run(int exit, String out, String err) {
        List<JsonNode> lines() {
            return out.lines().filter(l -> !l.isBlank()).map(RunnerToolsIT::json).toList();
        }
    }

    @BeforeEach
    void startPipeline() throws Exception {
        run = IsolatedRun.start("runner-tools");
        // The same settings for the pipeline and for every command the test runs, as a runner's would be.
        settings = run.settings();
        pipeline = TestPipelines.startReady(settings);
        topics = run.topics();
    }

    @AfterEach
    void stopPipeline() {
        pipeline.close();
        run.close();
    }

    @Test
    void shouldSubmitOneJobFromFlagsAndPrintItsResult() {
        // When a job is submitted from flags
        Run submit = beacon("submit", "--model", "llama3.2:1b", "--prompt", "Describe a typical day of a nurse.",
                "--temperature", "0.1", "--max-tokens", "512", "--region", "us-east", "--cost-priority", "--timeout", "60");

        // Then its result is printed as one JSON line and the exit code says it succeeded
        assertThat(submit.exit()).as(submit.err()).isZero();
        List<JsonNode> lines = submit.lines();
        assertThat(lines).hasSize(1);
        JsonNode result = lines.get(0);
        assertThat(result.get("success").booleanValue()).as(submit.out()).isTrue();
        assertThat(result.get("response").textValue()).isNotBlank();
        assertThat(result.get("provider_used").textValue()).matches("(golem|modal|runpod)-.+");
        assertThat(result.get("cost_estimate").doubleValue()).isPositive();
        assertThat(submit.err()).contains("submitted 1 job(s)");

        // And results shows the same job again
        String jobId = result.get("job_id").textValue();
        Run results = beacon("results", "--job", jobId);
        assertThat(results.exit()).as(results.err()).isZero();
        assertThat(results.lines()).singleElement().satisfies(line -> {
            assertThat(line.get("job_id").textValue()).isEqualTo(jobId);
            assertThat(line.get("provider_used").textValue()).isEqualTo(result.get("provider_used").textValue());
        });
    }

    @Test
    void shouldSubmitAFileOfJobsAndFollowTheirResults() throws Exception {
        // Given three jobs in the POST /inference payload shape, one asking for Modal only
        Path jobs = Files.writeString(dir.resolve("jobs.jsonl"), String.join("\n", List.of(
                "{\"model\":\"llama3.2:1b\",\"prompt\":\"first\",\"region_preference\":\"us-east\"}",
                "{\"model\":\"llama3.2:1b\",\"prompt\":\"second\",\"provider_preference\":[\"modal\"],"
                        + "\"allow_fallbacks\":false,\"metadata\":{\"tag\":\"modal-only\"}}",
                "{\"model\":\"llama3.2:1b\",\"messages\":[{\"role\":\"user\",\"content\":\"third\"}],\"cost_priority\":false}")),
                StandardCharsets.UTF_8);

        // When they are submitted
        Run submit = beacon("submit", "--file", jobs.toString(), "--timeout", "60");

        // Then each gets its result line, matched to its input line
        assertThat(submit.exit()).as(submit.out() + submit.err()).isZero();
        List<JsonNode> lines = submit.lines();
        assertThat(lines).hasSize(3).allSatisfy(l -> assertThat(l.get("success").booleanValue()).isTrue());
        assertThat(lines).extracting(l -> l.get("line").intValue()).containsExactlyInAnyOrder(1, 2, 3);
        JsonNode modalOnly = lines.stream().filter(l -> l.get("line").intValue() == 2).findFirst().orElseThrow();
        assertThat(modalOnly.get("provider").textValue()).isEqualTo("modal");
        assertThat(modalOnly.get("metadata").get("tag").textValue()).isEqualTo("modal-only");

        // And following from the beginning shows the three results, then stops at the limit
        Run follow = beacon("results", "--follow", "--from-beginning", "--limit", "3");
        assertThat(follow.exit()).as(follow.err()).isZero();
        assertThat(follow.lines()).extracting(l -> l.get("job_id").textValue())
                .containsExactlyInAnyOrderElementsOf(lines.stream().map(l -> l.get("job_id").textValue()).toList());
    }

    @Test
    void shouldListADeadLetteredRecordWithItsReasonAndReplayItOnlyWhenForced() throws Exception {
        // Given garbage on inference-requests, which the router dead-letters
        String key = "garbage-" + run.id();
        byte[] garbage = "this is not avro".getBytes(StandardCharsets.UTF_8);
        run.send(IsolatedRun.bytesOf(topics.requests()), key.getBytes(StandardCharsets.UTF_8), garbage);

        // When the dead-letter topic is listed
        List<JsonNode> listed = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Run dlq = beacon("dlq");
            listed.clear();
            listed.addAll(dlq.lines());
            return dlq.exit() == 0 && listed.stream().anyMatch(l -> key.equals(l.get("key").textValue()));
        });

        // Then it shows where the record came from and why it failed, with a safe preview
        JsonNode dead = listed.stream().filter(l -> key.equals(l.get("key").textValue())).findFirst().orElseThrow();
        assertThat(dead.get("error").get("exception").textValue()).endsWith("Exception");
        assertThat(dead.get("error").get("message").textValue()).contains("magic byte");
        assertThat(dead.get("error").get("topic").textValue()).isEqualTo(topics.requests().name());
        assertThat(dead.get("error").get("partition").textValue()).matches("\\d+");
        assertThat(dead.get("error").get("offset").textValue()).matches("\\d+");
        assertThat(dead.get("value_preview").textValue()).isEqualTo("this is not avro");
        assertThat(dead.get("decodes_now").booleanValue()).isFalse();
        String position = dead.get("partition").intValue() + ":" + dead.get("offset").longValue();

        // And replaying it is refused, because it would fail again...
        Run refused = beacon("dlq", "--replay", position);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("would be dead-lettered again").contains("--force");

        // ...unless forced, which puts the original bytes back on inference-requests
        Run forced = beacon("dlq", "--replay", position, "--force");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(forced.lines()).singleElement().satisfies(l ->
                assertThat(l.get("topic").textValue()).isEqualTo(topics.requests().name()));
        List<ConsumerRecord<byte[], byte[]>> requests;
        try (TopicReader<byte[], byte[]> reader = run.reader(IsolatedRun.bytesOf(topics.requests()))) {
            requests = reader.awaitMatching(record -> record.key() != null
                    && key.equals(new String(record.key(), StandardCharsets.UTF_8)), 2, Duration.ofSeconds(30));
        }
        ConsumerRecord<byte[], byte[]> replayed = requests.get(1);
        assertThat(replayed.value()).isEqualTo(garbage);
        assertThat(new String(replayed.headers().lastHeader(DlqCommand.REPLAYED_FROM).value(), StandardCharsets.UTF_8))
                .isEqualTo(topics.requestsDlq().name() + ":" + position);
        assertThat(replayed.headers().lastHeader("__streams.errors.exception")).isNull();
    }

    @Test
    void shouldReplayARecordThatDecodesNowWithoutForceAndGetItsResult() throws Exception {
        // Given a valid request on the dead-letter topic (as after a registry outage)
        String jobId = "replayed-" + run.id();
        InferenceRequest request = InferenceRequest.newBuilder().setJobId(jobId).setModel("llama3.2:1b")
                .setPrompt("Describe a typical day of a nurse.").setCreatedAt(Instant.now()).build();
        byte[] value = topics.requests().valueSerde().serializer().serialize(topics.requests().name(), request);
        RecordHeaders headers = new RecordHeaders();
        headers.add("__streams.errors.exception", "org.apache.kafka.common.errors.SerializationException"
                .getBytes(StandardCharsets.UTF_8));
        headers.add("__streams.errors.message", "schema registry unavailable".getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<byte[], byte[]> raw = run.producer(IsolatedRun.bytesOf(topics.requestsDlq()))) {
            raw.send(new ProducerRecord<>(topics.requestsDlq().name(), null, jobId.getBytes(StandardCharsets.UTF_8),
                    value, headers)).get();
        }
        Run list = beacon("dlq");
        JsonNode listed = list.lines().stream().filter(l -> jobId.equals(l.get("key").textValue())).findFirst().orElseThrow();
        assertThat(listed.get("decodes_now").booleanValue()).isTrue();
        assertThat(listed.get("schema_id").intValue()).isPositive();

        // When it is replayed without --force
        Run replay = beacon("dlq", "--replay", listed.get("partition").intValue() + ":" + listed.get("offset").longValue());

        // Then the router takes the job and it gets its result
        assertThat(replay.exit()).as(replay.err()).isZero();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Run results = beacon("results", "--job", jobId);
            assertThat(results.lines()).singleElement().satisfies(l ->
                    assertThat(l.get("success").booleanValue()).as(results.out()).isTrue());
        });
    }

    private Run beacon(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        settings.forEach((key, value) -> {
            all.add("--set");
            all.add(key + "=" + value);
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = BeaconCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
