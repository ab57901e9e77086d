package io.beacon.bench.router;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Sends records on an absolute schedule: record {@code i} is due at {@code start + i / rate}. A sender that
 * falls behind sends at once and does not move the schedule, so a stall shows up as latency of every
 * record due during it (measured from the due time) instead of being hidden (coordinated omission).
 */
public final class FixedRateSender<V> {

    private final Producer<String, V> producer;
    private final IntFunction<ProducerRecord<String, V>> records;
    private final int ratePerSecond;

    public FixedRateSender(Producer<String, V> producer, IntFunction<ProducerRecord<String, V>> records,
                           int ratePerSecond) {
        this.producer = producer;
        this.records = records;
        this.ratePerSecond = ratePerSecond;
    }

    /**
     * Sends {@code scheduledNanos.length} records on the calling thread, then flushes.
     *
     * @param scheduledNanos filled with each record's due time (System.nanoTime())
     * @param sentNanos      filled with the moment {@code send()} was called for it
     */
    public void run(long[] scheduledNanos, long[] sentNanos) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        for (int i = 0; i < scheduledNanos.length; i++) {
            long due = start + i * 1_000_000_000L / ratePerSecond;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            ProducerRecord<String, V> record = records.apply(i);
            scheduledNanos[i] = due;
            sentNanos[i] = System.nanoTime();
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                }
            });
        }
        producer.flush();
        if (failure.get() != null) {
            throw new KafkaException("the load generator could not send: " + failure.get(), failure.get());
        }
    }
}
