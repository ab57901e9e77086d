package io.beacon.lab.engine;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The run's virtual time: nanoseconds from the start of the run, and the wall clock every part reads (the
 * router's processors, the workers' circuits, probes and ledger, the simulators' engine). Only the event
 * loop moves it.
 */
public final class VirtualClock extends Clock {

    /** The wall-clock instant of virtual time zero; any fixed instant would do. */
    public static final Instant EPOCH = Instant.parse("2026-01-05T00:00:00Z");
    private static final long EPOCH_MS = EPOCH.toEpochMilli();

    private long nanos;

    /** Nanoseconds since the start of the run. */
    public long nanos() {
        return nanos;
    }

    void advanceTo(long value) {
        if (value < nanos) {
            throw new IllegalStateException("virtual time cannot go back from " + nanos + " to " + value);
        }
        nanos = value;
    }

    /** Epoch milliseconds now (what a processor's {@code currentSystemTimeMs()} returns). */
    public long epochMillis() {
        return EPOCH_MS + nanos / 1_000_000;
    }

    /** Virtual nanoseconds of {@code instant}. */
    public static long nanosOf(Instant instant) {
        return (instant.getEpochSecond() - EPOCH.getEpochSecond()) * 1_000_000_000L
                + instant.getNano() - EPOCH.getNano();
    }

    /**
     * Now, to the millisecond: every instant that crosses a topic is an Avro {@code timestamp-millis}, so the
     * parts see the same instants whether records are passed as objects or serialised (the two engines agree).
     * Durations and bills are measured on {@link #nanos()}.
     */
    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(epochMillis());
    }

    @Override
    public long millis() {
        return epochMillis();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the virtual clock is UTC only");
    }
}
