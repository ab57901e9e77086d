package io.beacon.lab.engine;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * What one of the router's processors sees of its task when the lab runs it: the task id (its partition),
 * its stores, the virtual wall clock, and a sink for what it forwards, by child name (a topic of the real
 * topology). A wall-clock punctuator it schedules is kept for the lab's event loop to fire.
 */
final class LabProcessorContext<KF, VF> implements ProcessorContext<KF, VF> {

    private final TaskId taskId;
    private final VirtualClock clock;
    private final Map<String, StateStore> stores = new HashMap<>();
    private final BiConsumer<String, Record<?, ?>> sink;
    private Punctuator wallClockPunctuator;
    private long punctuationIntervalMs;
    private long nextPunctuationMs;

    /** @param sink told of each forwarded record with the child (sink) it was forwarded to, null for all */
    LabProcessorContext(TaskId taskId, VirtualClock clock, BiConsumer<String, Record<?, ?>> sink) {
        this.taskId = taskId;
        this.clock = clock;
        this.sink = sink;
    }

    LabProcessorContext<KF, VF> store(StateStore store) {
        stores.put(store.name(), store);
        return this;
    }

    /**
     * Runs the processor's wall-clock punctuator when it is due at {@code nowMs}, as Kafka Streams' punctuation
     * queue does: with the current time, the next one an interval after the one due (or after now, when late).
     */
    void maybePunctuate(long nowMs) {
        if (wallClockPunctuator == null || nowMs < nextPunctuationMs) {
            return;
        }
        long next = nextPunctuationMs + punctuationIntervalMs;
        nextPunctuationMs = next > nowMs ? next : nowMs + punctuationIntervalMs;
        wallClockPunctuator.punctuate(nowMs);
    }

    @Override
    public <K extends KF, V extends VF> void forward(Record<K, V> record) {
        sink.accept(null, record);
    }

    @Override
    public <K extends KF, V extends VF> void forward(Record<K, V> record, String childName) {
        sink.accept(childName, record);
    }

    @Override
    public String applicationId() {
        return "policy-lab";
    }

    @Override
    public TaskId taskId() {
        return taskId;
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
        return Optional.empty();
    }

    @Override
    public Serde<?> keySerde() {
        throw new UnsupportedOperationException("the lab passes objects, not bytes");
    }

    @Override
    public Serde<?> valueSerde() {
        throw new UnsupportedOperationException("the lab passes objects, not bytes");
    }

    @Override
    public File stateDir() {
        throw new UnsupportedOperationException("the lab's stores are in memory");
    }

    @Override
    public StreamsMetrics metrics() {
        throw new UnsupportedOperationException("the lab keeps no Streams metrics");
    }

    @Override
    @SuppressWarnings("unchecked")
    public <S extends StateStore> S getStateStore(String name) {
        StateStore store = stores.get(name);
        if (store == null) {
            throw new IllegalStateException("no store " + name + " in the lab's task " + taskId);
        }
        return (S) store;
    }

    @Override
    public Cancellable schedule(Duration interval, PunctuationType type, Punctuator callback) {
        if (type != PunctuationType.WALL_CLOCK_TIME) {
            throw new UnsupportedOperationException("the lab fires wall-clock punctuators only");
        }
        wallClockPunctuator = callback;
        punctuationIntervalMs = interval.toMillis();
        nextPunctuationMs = clock.epochMillis() + punctuationIntervalMs;
        return () -> wallClockPunctuator = null;
    }

    @Override
    public Cancellable schedule(Instant startTime, Duration interval, PunctuationType type, Punctuator callback) {
        return schedule(interval, type, callback);
    }

    @Override
    public void commit() {
    }

    @Override
    public Map<String, Object> appConfigs() {
        return Map.of();
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
        return Map.of();
    }

    @Override
    public long currentSystemTimeMs() {
        return clock.epochMillis();
    }

    @Override
    public long currentStreamTimeMs() {
        return clock.epochMillis();
    }
}
