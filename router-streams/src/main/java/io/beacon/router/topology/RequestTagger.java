package io.beacon.router.topology;

import io.beacon.schemas.avro.InferenceRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps each request into a {@link JobEvent} for the job lifecycle, and sends a record without a value to the
 * dead-letter topic instead. Kafka Streams' deserialization handler dead-letters bytes that do not decode, but a
 * null value decodes to null and would otherwise reach the lifecycle as nothing, and disappear without a trace
 * (so would empty bytes, with a serde that reads them as null). Its dead letter carries the same
 * {@code __streams.errors.*} headers the handler writes (exception, message, source topic, partition, offset),
 * so {@code beacon dlq} lists it with its reason and the dead-letter count sees it.
 */
final class RequestTagger implements Processor<String, InferenceRequest, String, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(RequestTagger.class);

    /** The header names Kafka Streams' dead-letter records carry (its internal ExceptionHandlerUtils). */
    static final String HEADER_EXCEPTION = "__streams.errors.exception";
    static final String HEADER_MESSAGE = "__streams.errors.message";
    static final String HEADER_TOPIC = "__streams.errors.topic";
    static final String HEADER_PARTITION = "__streams.errors.partition";
    static final String HEADER_OFFSET = "__streams.errors.offset";

    /** What the exception header names: no exception is thrown, but a reader filters on it like on the others. */
    static final String NO_VALUE = "io.beacon.router.NoValueException";
    static final String NO_VALUE_MESSAGE = "the record has no value (null, or empty bytes): it carries no"
            + " InferenceRequest; a runner must produce the job's Avro value under its job id";

    private ProcessorContext<String, Object> context;

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, InferenceRequest> record) {
        if (record.value() != null) {
            context.forward(record.withValue(new JobEvent.Requested(record.value())), RouterNames.JOB_LIFECYCLE);
            return;
        }
        Optional<RecordMetadata> source = context.recordMetadata();
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(HEADER_EXCEPTION, bytes(NO_VALUE));
        headers.add(HEADER_MESSAGE, bytes(NO_VALUE_MESSAGE));
        source.ifPresent(m -> {
            headers.add(HEADER_TOPIC, bytes(m.topic()));
            headers.add(HEADER_PARTITION, bytes(Integer.toString(m.partition())));
            headers.add(HEADER_OFFSET, bytes(Long.toString(m.offset())));
        });
        LOG.warn("request without a value dead-lettered: key={} {}", record.key(),
                source.map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse(""));
        context.forward(new Record<String, Object>(record.key(), null, record.timestamp(), headers),
                RouterNames.REQUESTS_DLQ_SINK);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
