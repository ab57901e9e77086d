package io.beacon.launcher;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.schemas.avro.InferenceRequest;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Lists the records the router dead-lettered on {@code inference-requests.dlq} (undecodable request
 * bytes) with the reason Kafka Streams wrote into the {@code __streams.errors.*} headers, and replays
 * chosen ones to {@code inference-requests} byte for byte.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List the dead-lettered requests on inference-requests.dlq as JSON lines: partition, offset,"
                + " key, the reason from the __streams.errors.* headers (exception, message, source topic,"
                + " partition and offset) and a bounded, escaped preview of the value.",
                "--replay re-produces the chosen records' original key and value bytes to inference-requests."
                        + " Fixing a payload is the caller's job: replay sends the bytes exactly as they were, so"
                        + " it is for records that failed for a passing reason (a registry outage, a schema"
                        + " registered late). A record whose value still cannot be decoded as an InferenceRequest"
                        + " is refused unless --force.",
                "Exit code: 0 done, 1 nothing replayed (refused, or an offset not found), 2 bad usage."})
final class DlqCommand implements Callable<Integer> {

    static final String ERRORS_PREFIX = "__streams.errors.";
    static final String REPLAYED_FROM = "beacon.replayed.from";
    private static final List<String> REASON_HEADERS = List.of("exception", "message", "topic", "partition", "offset");

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Option(names = "--replay", paramLabel = "OFFSETS",
            description = "Replay these records: comma-separated OFFSET (partition 0), PARTITION:OFFSET or ranges"
                    + " such as 3-7 and 1:3-7, as the listing shows them.")
    String replay;

    @Option(names = "--replay-all", description = "Replay every record on the dead-letter topic.")
    boolean replayAll;

    @Option(names = "--force", description = "Replay even records whose value still does not decode (they will be"
            + " dead-lettered again).")
    boolean force;

    @Option(names = "--preview-bytes", defaultValue = "64", paramLabel = "N",
            description = "Bytes of key and value shown in the listing (default ${DEFAULT-VALUE}).")
    int previewBytes;

    @Option(names = "--stacktrace", description = "Also list the stack trace header.")
    boolean stacktrace;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Longest time to read the dead-letter topic to its end (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** One partition:offset. */
    record Position(int partition, long offset) {
        @Override
        public String toString() {
            return partition + ":" + offset;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (replay != null && replayAll) {
            throw new IllegalArgumentException("give --replay OFFSETS or --replay-all, not both");
        }
        if (force && replay == null && !replayAll) {
            throw new IllegalArgumentException("--force only applies to --replay or --replay-all");
        }
        if (previewBytes < 0 || previewBytes > 65_536 || timeoutSeconds < 1) {
            throw new IllegalArgumentException("--preview-bytes must be 0 to 65536 and --timeout at least 1");
        }
        Set<Position> chosen = replay == null ? Set.of() : parsePositions(replay);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (RunnerClients clients = RunnerClients.connect(config)) {
            String dlqTopic = clients.topics().requestsDlq().name();
            Deserializer<InferenceRequest> requests = clients.topics().requests().valueSerde().deserializer();
            List<ConsumerRecord<byte[], byte[]>> records = readAll(clients, dlqTopic);
            if (replay == null && !replayAll) {
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    out.println(ResultLines.text(describe(record, decodeProblem(requests, clients, record))));
                }
                out.flush();
                return 0;
            }
            Map<Position, ConsumerRecord<byte[], byte[]>> byPosition = new LinkedHashMap<>();
            records.forEach(r -> byPosition.put(new Position(r.partition(), r.offset()), r));
            List<ConsumerRecord<byte[], byte[]>> selected = new ArrayList<>();
            if (replayAll) {
                selected.addAll(records);
            } else {
                for (Position position : chosen) {
                    ConsumerRecord<byte[], byte[]> record = byPosition.get(position);
                    if (record == null) {
                        err.println("no record at " + position + " on " + dlqTopic + "; nothing replayed");
                        return 1;
                    }
                    selected.add(record);
                }
            }
            if (!force) {
                boolean refused = false;
                for (ConsumerRecord<byte[], byte[]> record : selected) {
                    Optional<String> problem = decodeProblem(requests, clients, record);
                    if (problem.isPresent()) {
                        refused = true;
                        err.println("refusing " + record.partition() + ":" + record.offset() + ": its value would be"
                                + " dead-lettered again (" + problem.get() + "). Fix the payload and produce it"
                                + " yourself, or replay the bytes as they are with --force.");
                    }
                }
                if (refused) {
                    err.println("nothing replayed");
                    return 1;
                }
            }
            String target = clients.topics().requests().name();
            try (KafkaProducer<byte[], byte[]> producer = clients.rawProducer("beacon-dlq-replay")) {
                for (ConsumerRecord<byte[], byte[]> record : selected) {
                    RecordMetadata written = producer.send(new ProducerRecord<>(target, null, record.key(),
                            record.value(), replayHeaders(dlqTopic, record))).get();
                    ObjectNode line = ResultLines.JSON.createObjectNode();
                    line.putObject("replayed").put("partition", record.partition()).put("offset", record.offset());
                    line.put("topic", target).put("partition", written.partition()).put("offset", written.offset());
                    out.println(ResultLines.text(line));
                    out.flush();
                }
            }
            return 0;
        }
    }

    /** Reads the dead-letter topic from its beginning to the end it had when we started. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(RunnerClients clients, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.rawReader("beacon-dlq")) {
            List<TopicPartition> partitions = RunnerClients.partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            while (!ResultsCommand.caughtUp(consumer, end)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeoutSeconds + " s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    /** Why the value would fail again as an InferenceRequest, or empty when it decodes now. */
    private static Optional<String> decodeProblem(Deserializer<InferenceRequest> requests, RunnerClients clients,
                                                  ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return Optional.of("the value is null");
        }
        try {
            requests.deserialize(clients.topics().requests().name(), record.value());
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    private ObjectNode describe(ConsumerRecord<byte[], byte[]> record, Optional<String> problem) {
        ObjectNode line = ResultLines.JSON.createObjectNode();
        line.put("partition", record.partition());
        line.put("offset", record.offset());
        line.put("timestamp", Instant.ofEpochMilli(record.timestamp()).toString());
        if (record.key() == null) {
            line.putNull("key");
        } else {
            line.put("key", preview(record.key(), previewBytes));
        }
        ObjectNode reason = line.putObject("error");
        for (String name : REASON_HEADERS) {
            Header header = record.headers().lastHeader(ERRORS_PREFIX + name);
            if (header != null && header.value() != null) {
                reason.put(name, new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        if (stacktrace) {
            Header trace = record.headers().lastHeader(ERRORS_PREFIX + "stacktrace");
            if (trace != null && trace.value() != null) {
                reason.put("stacktrace", new String(trace.value(), StandardCharsets.UTF_8));
            }
        }
        ArrayNode others = line.putArray("other_headers");
        for (Header header : record.headers()) {
            if (!header.key().startsWith(ERRORS_PREFIX)) {
                others.add(header.key());
            }
        }
        byte[] value = record.value();
        line.put("value_bytes", value == null ? 0 : value.length);
        if (value != null) {
            schemaId(value).ifPresent(id -> line.put("schema_id", id));
            line.put("value_preview", preview(value, previewBytes));
        }
        line.put("decodes_now", problem.isEmpty());
        problem.ifPresent(p -> line.put("decode_error", p));
        return line;
    }

    /** The schema id when the bytes start like the Confluent wire format (magic byte 0 + 4-byte id). */
    static Optional<Integer> schemaId(byte[] value) {
        if (value.length >= 5 && value[0] == 0) {
            return Optional.of(ByteBuffer.wrap(value, 1, 4).getInt());
        }
        return Optional.empty();
    }

    /**
     * At most {@code max} bytes as text a terminal can show safely: printable ASCII as is, a backslash
     * doubled, everything else as {@code \xNN}; a longer input ends with how many bytes were left out.
     */
    static String preview(byte[] bytes, int max) {
        StringBuilder text = new StringBuilder();
        int shown = Math.min(bytes.length, max);
        for (int i = 0; i < shown; i++) {
            int b = bytes[i] & 0xff;
            if (b == '\\') {
                text.append("\\\\");
            } else if (b >= 0x20 && b < 0x7f) {
                text.append((char) b);
            } else {
                text.append(String.format("\\x%02x", b));
            }
        }
        if (bytes.length > shown) {
            text.append("...(").append(bytes.length - shown).append(" more bytes)");
        }
        return text.toString();
    }

    /** The original headers without the error ones, plus where the record came from. */
    private static RecordHeaders replayHeaders(String dlqTopic, ConsumerRecord<byte[], byte[]> record) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            if (!header.key().startsWith(ERRORS_PREFIX) && !header.key().equals(REPLAYED_FROM)) {
                headers.add(header);
            }
        }
        headers.add(REPLAYED_FROM, (dlqTopic + ":" + record.partition() + ":" + record.offset())
                .getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** "5", "0:5", "3-7", "1:3-7", comma-separated. */
    static Set<Position> parsePositions(String text) {
        Set<Position> out = new LinkedHashSet<>();
        for (String part : text.split(",")) {
            String item = part.strip();
            if (item.isEmpty()) {
                continue;
            }
            try {
                int partition = 0;
                String range = item;
                int colon = item.indexOf(':');
                if (colon >= 0) {
                    partition = Integer.parseInt(item.substring(0, colon));
                    range = item.substring(colon + 1);
                }
                int dash = range.indexOf('-');
                long from = Long.parseLong(dash >= 0 ? range.substring(0, dash) : range);
                long to = dash >= 0 ? Long.parseLong(range.substring(dash + 1)) : from;
                if (partition < 0 || from < 0 || to < from || to - from >= 100_000) {
                    throw new NumberFormatException();
                }
                for (long offset = from; offset <= to; offset++) {
                    out.add(new Position(partition, offset));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--replay: '" + item + "' is not OFFSET, PARTITION:OFFSET or a range"
                        + " such as 3-7 or 1:3-7");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--replay: give at least one offset");
        }
        return out;
    }
}
