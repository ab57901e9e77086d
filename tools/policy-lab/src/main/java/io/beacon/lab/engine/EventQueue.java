package io.beacon.lab.engine;

import java.util.PriorityQueue;

/**
 * The discrete-event loop: actions at virtual instants, run in time order (ties in the order they were
 * scheduled), each with the clock moved to its instant. Single-threaded; an action may schedule more.
 */
public final class EventQueue {

    private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    private final VirtualClock clock;
    private final PriorityQueue<Event> events = new PriorityQueue<>(4096);
    private long seq;

    public EventQueue(VirtualClock clock) {
        this.clock = clock;
    }

    public VirtualClock clock() {
        return clock;
    }

    public long now() {
        return clock.nanos();
    }

    /** Runs {@code action} at virtual instant {@code atNanos} (now, if that is past). */
    public void at(long atNanos, Runnable action) {
        events.add(new Event(Math.max(atNanos, clock.nanos()), seq++, action));
    }

    /** Runs {@code action} {@code delayNanos} from now. */
    public void after(long delayNanos, Runnable action) {
        at(clock.nanos() + Math.max(0, delayNanos), action);
    }

    /** Runs events until none is left or the next is after {@code untilNanos}; the clock ends at {@code untilNanos}. */
    public void runUntil(long untilNanos) {
        while (!events.isEmpty() && events.peek().at() <= untilNanos) {
            Event e = events.poll();
            clock.advanceTo(e.at());
            e.action().run();
        }
        if (clock.nanos() < untilNanos) {
            clock.advanceTo(untilNanos);
        }
    }

    /** Runs events while {@code more} says so and there are events; returns whether it stopped with events left. */
    public boolean runWhile(java.util.function.BooleanSupplier more, long limitNanos) {
        while (!events.isEmpty() && more.getAsBoolean()) {
            Event e = events.peek();
            if (e.at() > limitNanos) {
                return true;
            }
            events.poll();
            clock.advanceTo(e.at());
            e.action().run();
        }
        return !events.isEmpty();
    }
}
