package io.beacon.launcher.console;

/**
 * Shows a run's {@link Progress} to a person: redrawn in place on a terminal, as plain periodic lines
 * otherwise. Called from one thread at a time.
 */
public interface ProgressReporter extends AutoCloseable {

    /** The newest state; the reporter decides whether and when it shows it. */
    void update(Progress progress);

    /**
     * Prints something else (a scenario event, a result line) so that it stays on the screen: the
     * progress line is taken away first and drawn again after.
     */
    void above(Runnable printing);

    /** Shows the last state given, ends its line, and leaves the console to whatever prints next. */
    @Override
    void close();
}
