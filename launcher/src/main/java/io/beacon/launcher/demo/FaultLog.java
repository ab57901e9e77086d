package io.beacon.launcher.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The faults injected during a run, each with the instant it struck ({@link System#nanoTime()}), in order.
 * Written by whoever injects them (the chaos scenario's thread), read by the demo driver at the end.
 */
public final class FaultLog {

    /** One fault: its name and when it struck. */
    public record Fault(String name, long atNanos) {
    }

    private final List<Fault> faults = new ArrayList<>();

    /** Records that {@code name} strikes now; call it just before the fault is injected. */
    public synchronized void strike(String name) {
        faults.add(new Fault(name, System.nanoTime()));
    }

    /** Records a fault that struck at {@code atNanos} (a {@link System#nanoTime()} reading). */
    public synchronized void strike(String name, long atNanos) {
        faults.add(new Fault(name, atNanos));
    }

    public synchronized List<Fault> faults() {
        return List.copyOf(faults);
    }
}
