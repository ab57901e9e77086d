package io.beacon.launcher.console;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Progress for a log file, a pipe or CI: a plain line when the first state arrives, then at most one
 * every {@code interval}, and the last state on close, so the output stays short and never holds
 * control characters.
 */
public final class PeriodicProgress implements ProgressReporter {

    private final PrintWriter out;
    private final Duration interval;
    private final Clock clock;
    private Instant lastPrinted;
    private Progress latest;
    private boolean latestPrinted;

    public PeriodicProgress(PrintWriter out, Duration interval, Clock clock) {
        this.out = out;
        this.interval = interval;
        this.clock = clock;
    }

    @Override
    public void update(Progress progress) {
        latest = progress;
        latestPrinted = false;
        Instant now = clock.instant();
        if (lastPrinted == null || !now.isBefore(lastPrinted.plus(interval))) {
            print(now);
        }
    }

    @Override
    public void above(Runnable printing) {
        printing.run();
        out.flush();
    }

    @Override
    public void close() {
        if (latest != null && !latestPrinted) {
            print(clock.instant());
        }
        out.flush();
    }

    private void print(Instant now) {
        out.println(ProgressLine.format(latest));
        out.flush();
        lastPrinted = now;
        latestPrinted = true;
    }
}
