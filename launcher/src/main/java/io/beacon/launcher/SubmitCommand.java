package io.beacon.launcher;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.launcher.console.ConsoleProgress;
import io.beacon.launcher.console.LogFile;
import io.beacon.launcher.console.Progress;
import io.beacon.launcher.console.ProgressReporter;
import io.beacon.router.RouterConfig;
import io.beacon.router.http.InferencePayloadParser;
import io.beacon.router.http.ResultCorrelator;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.ProviderKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Plays the runner on the Kafka path: produces jobs to {@code inference-requests} through the serde
 * and waits for each one's final result on {@code inference-results}, matched by job id exactly as the
 * router's HTTP facade does (every result partition assigned, read_committed, reading from the end as
 * it was before the first job was sent).
 */
@Command(name = "submit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Send one job (from the flags) or a file of jobs to inference-requests, wait for each"
                + " job's final result and print it as a JSON line (the POST /inference response fields plus"
                + " provider, region, times and metadata).",
                "--file takes JSON lines in the POST /inference payload shape, e.g."
                        + " {\"model\":\"llama3.2:1b\",\"prompt\":\"...\",\"region_preference\":\"us-east\"};"
                        + " a line that is not valid is printed as an error and not sent.",
                "Exit code: 0 when every job succeeded, 1 when one failed, timed out or was invalid, 2 on bad usage."})
final class SubmitCommand implements Callable<Integer> {

    /** Past a job's deadline the router still needs a scan and a commit to write its time-out result. */
    private static final Duration RESULT_GRACE = Duration.ofSeconds(5);
    private static final JsonMapper LINES = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", description = "Model name (default llama3.2:1b).")
    String model;

    @Option(names = "--prompt", description = "The prompt (one job from flags).")
    String prompt;

    @Option(names = "--temperature", description = "0.0 to 2.0 (default 0.1).")
    Double temperature;

    @Option(names = "--max-tokens", description = "1 to the router's router.max.tokens.limit (default 512).")
    Integer maxTokens;

    @Option(names = "--region", description = "Preferred region, e.g. us-east (default: none).")
    String region;

    @Option(names = "--cost-priority", negatable = true,
            description = "Cheapest deployment first (default), or with --no-cost-priority the fastest.")
    Boolean costPriority;

    @Option(names = "--provider", split = ",", paramLabel = "KIND",
            description = "Preferred provider(s) in order: golem, modal, runpod (repeat or separate with commas).")
    List<String> providers;

    @Option(names = "--file", paramLabel = "FILE",
            description = "JSON lines of jobs in the POST /inference payload shape; - reads standard input.")
    Path file;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Deadline of each job and how long to wait for its result, in seconds (default"
                    + " ${DEFAULT-VALUE}); a line's own timeout_seconds wins.")
    double timeoutSeconds;

    @Mixin
    LogOptions logs = new LogOptions();

    /** One job to send: its input line (0 for flags) and the validated request. */
    private record Job(int line, InferencePayloadParser.Accepted accepted) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new IllegalArgumentException("--timeout must be more than 0 and at most 86400 seconds");
        }
        boolean flags = model != null || prompt != null || temperature != null || maxTokens != null || region != null
                || costPriority != null || providers != null;
        if (file != null && flags) {
            throw new IllegalArgumentException("give either --file or the job flags (--prompt, --model, ...), not both");
        }
        if (file == null && prompt == null) {
            throw new IllegalArgumentException("give --prompt (one job) or --file FILE (JSON lines of jobs)");
        }
        RouterConfig settings = new RouterConfig(RunnerClients.settings(config));
        Duration timeout = Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));
        Duration maxTimeout = timeout.compareTo(settings.httpSettings().maxTimeout()) > 0
                ? timeout : settings.httpSettings().maxTimeout();
        InferencePayloadParser parser = new InferencePayloadParser(settings.getInt(RouterConfig.MAX_PROMPT_CHARS),
                settings.getInt(RouterConfig.MAX_TOKENS_LIMIT), timeout, maxTimeout);

        List<Job> jobs = new ArrayList<>();
        int invalid = 0;
        if (file == null) {
            InferencePayloadParser.Outcome outcome = parser.parse(payloadFromFlags(), UUID.randomUUID().toString(),
                    Instant.now());
            if (outcome instanceof InferencePayloadParser.Rejected rejected) {
                throw new IllegalArgumentException("invalid job: " + rejected.error());
            }
            jobs.add(new Job(0, (InferencePayloadParser.Accepted) outcome));
        } else {
            List<String> lines = readLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String text = lines.get(i).strip();
                if (text.isEmpty()) {
                    continue;
                }
                InferencePayloadParser.Outcome outcome = parseLine(parser, text);
                if (outcome instanceof InferencePayloadParser.Rejected rejected) {
                    invalid++;
                    ObjectNode line = ResultLines.JSON.createObjectNode().put("line", i + 1).put("success", false)
                            .put("error", rejected.error()).put("field", rejected.field());
                    out.println(ResultLines.text(line));
                } else {
                    jobs.add(new Job(i + 1, (InferencePayloadParser.Accepted) outcome));
                }
            }
            out.flush();
        }
        if (jobs.isEmpty()) {
            spec.commandLine().getErr().println("no valid job to send");
            return 1;
        }
        if (file == null) {
            return send(jobs, out, null) == 0 ? 0 : 1;
        }
        // A file of jobs is a run to watch: a progress line and a summary on standard error, the logs
        // (an INFO line per reader assignment, Kafka's warnings) in a file; the result lines stay on stdout.
        PrintWriter err = spec.commandLine().getErr();
        try (LogFile logFile = logs.open("submit")) {
            if (logFile != null) {
                err.println("Logs: " + logFile.path() + "  (--verbose shows them here)");
                err.flush();
            }
            int failed;
            try (ProgressReporter progress = ConsoleProgress.open(ConsoleProgress.Target.STDERR, err, !logs.verbose)) {
                failed = send(jobs, out, progress);
            }
            err.printf(Locale.ROOT, "%d job(s) sent: %d succeeded, %d failed or timed out%s%n", jobs.size(),
                    jobs.size() - failed, failed, invalid == 0 ? "" : "; " + invalid + " invalid line(s) not sent");
            err.flush();
            return failed == 0 && invalid == 0 ? 0 : 1;
        }
    }

    private ObjectNode payloadFromFlags() {
        ObjectNode payload = ResultLines.JSON.createObjectNode();
        payload.put("model", model == null ? "llama3.2:1b" : model);
        payload.put("prompt", prompt);
        if (temperature != null) {
            payload.put("temperature", temperature);
        }
        if (maxTokens != null) {
            payload.put("max_tokens", maxTokens);
        }
        if (region != null) {
            payload.put("region_preference", region);
        }
        if (costPriority != null) {
            payload.put("cost_priority", costPriority);
        }
        if (providers != null) {
            ArrayNode array = payload.putArray("provider_preference");
            providers.forEach(array::add);
        }
        return payload;
    }

    private static InferencePayloadParser.Outcome parseLine(InferencePayloadParser parser, String text) {
        JsonNode node;
        try {
            node = LINES.readTree(text);
        } catch (JacksonException e) {
            return new InferencePayloadParser.Rejected("body", "body: malformed JSON: " + e.getOriginalMessage());
        }
        return parser.parse(node, UUID.randomUUID().toString(), Instant.now());
    }

    private static List<String> readLines(Path file) {
        try {
            if (file.toString().equals("-")) {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                return in.lines().toList();
            }
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --file " + file, e);
        }
    }

    /**
     * Sends every job, prints each result as it arrives; returns how many did not succeed.
     *
     * @param progress shown the run's state as results arrive (null: none, for a single job)
     */
    private int send(List<Job> jobs, PrintWriter out, ProgressReporter progress) throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        BlockingQueue<ObjectNode> lines = new LinkedBlockingQueue<>();
        Duration longest = Duration.ZERO;
        try (RunnerClients clients = RunnerClients.connect(config);
             KafkaProducer<String, InferenceRequest> producer = clients.requestsProducer();
             ResultCorrelator results = new ResultCorrelator(clients.resultsReader("beacon-submit-results"),
                     clients.topics().results().name(), clients.topics().results().valueSerde().deserializer(),
                     Duration.ofSeconds(30))) {
            results.start();
            try {
                results.ready().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("cannot read " + clients.topics().results().name()
                        + " within 30 s (does the topic exist, is the broker reachable?)");
            }
            String topic = clients.topics().requests().name();
            for (Job job : jobs) {
                InferenceRequest request = job.accepted().request();
                String jobId = request.getJobId();
                Duration wait = job.accepted().timeout().plus(RESULT_GRACE);
                longest = wait.compareTo(longest) > 0 ? wait : longest;
                // Registered before the send: a result can never arrive before someone waits for it.
                CompletableFuture<InferenceResult> result = results.expect(jobId);
                result.orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS)
                        .whenComplete((value, error) -> lines.add(line(job, jobId, value, error)));
                producer.send(new ProducerRecord<>(topic, jobId, request), (metadata, error) -> {
                    if (error != null) {
                        result.completeExceptionally(new IllegalStateException("not written to Kafka: " + error.getMessage()));
                    }
                });
            }
            producer.flush();
            err.printf("submitted %d job(s) to %s; waiting up to %s for results%n", jobs.size(), topic,
                    InferencePayloadParser.seconds(longest));
            err.flush();
            ResultTally tally = new ResultTally(jobs.size(), System.nanoTime());
            // Every future completes by its own time-out; the extra minute only guards against a bug.
            long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(longest.toSeconds() + 60);
            int failed = 0;
            int received = 0;
            while (received < jobs.size()) {
                ObjectNode line = lines.poll(progress == null ? longest.toSeconds() + 60 : 250,
                        progress == null ? TimeUnit.SECONDS : TimeUnit.MILLISECONDS);
                if (line == null) {
                    if (progress == null || System.nanoTime() - giveUpAt > 0) {
                        failed += jobs.size() - received;
                        break;
                    }
                    progress.update(tally.progress(System.nanoTime()));
                    continue;
                }
                received++;
                tally.add(line);
                if (!line.path("success").asBoolean(false)) {
                    failed++;
                }
                if (progress == null) {
                    out.println(ResultLines.text(line));
                    out.flush();
                } else {
                    progress.above(() -> {
                        out.println(ResultLines.text(line));
                        out.flush();
                    });
                    progress.update(tally.progress(System.nanoTime()));
                }
            }
            return failed;
        }
    }

    /** What the progress line shows of a file's jobs: every job is sent before the first result is awaited. */
    private static final class ResultTally {
        private final int jobs;
        private final long startNanos;
        private final Map<ProviderKind, Integer> succeededByProvider = new EnumMap<>(ProviderKind.class);
        private int results;
        private int failed;
        private double costUsd;

        ResultTally(int jobs, long startNanos) {
            this.jobs = jobs;
            this.startNanos = startNanos;
        }

        void add(ObjectNode line) {
            results++;
            costUsd += line.path("cost_estimate").asDouble(0);
            if (!line.path("success").asBoolean(false)) {
                failed++;
                return;
            }
            try {
                succeededByProvider.merge(ProviderKind.valueOf(line.path("provider").asText("").toUpperCase(Locale.ROOT)),
                        1, Integer::sum);
            } catch (IllegalArgumentException unknownKind) {
                // A provider kind newer than this tool: counted as a success, shown under no provider.
            }
        }

        Progress progress(long nowNanos) {
            return new Progress(Duration.ofNanos(nowNanos - startNanos), jobs, jobs, results, failed,
                    succeededByProvider, costUsd);
        }
    }

    private static ObjectNode line(Job job, String jobId, InferenceResult value, Throwable error) {
        ObjectNode line;
        if (value != null) {
            line = ResultLines.of(value);
        } else {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String message = cause instanceof TimeoutException
                    ? "no result within " + InferencePayloadParser.seconds(job.accepted().timeout().plus(RESULT_GRACE))
                    + "; the job may still finish (beacon results --job " + jobId + ")"
                    : String.valueOf(cause.getMessage());
            line = ResultLines.JSON.createObjectNode().put("success", false).put("error", message).put("job_id", jobId);
        }
        if (job.line() > 0) {
            line.put("line", job.line());
        }
        return line;
    }
}
