package io.beacon.launcher.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks how a run's progress is shown: in place on a terminal, plain periodic lines anywhere else. */
public final class ConsoleProgress {

    /** Often enough to look live, rarely enough that a pipe or CI log stays short. */
    public static final Duration PLAIN_INTERVAL = Duration.ofSeconds(5);
    /** A terminal redraw costs a few bytes; four a second reads as live without flicker. */
    public static final Duration REDRAW_INTERVAL = Duration.ofMillis(250);

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleProgress.class);

    /** The standard stream the progress goes to. */
    public enum Target {
        STDOUT(TerminalBuilder.SystemOutput.SysOut),
        STDERR(TerminalBuilder.SystemOutput.SysErr);

        private final TerminalBuilder.SystemOutput systemOutput;

        Target(TerminalBuilder.SystemOutput systemOutput) {
            this.systemOutput = systemOutput;
        }
    }

    private ConsoleProgress() {
    }

    /**
     * A reporter for {@code target}: in place when that stream is a terminal and {@code inPlace} is
     * allowed (not with logs on the console, whose lines would tear the redrawn line), else plain lines
     * every {@link #PLAIN_INTERVAL} to {@code plain}, which must write to the same stream.
     */
    public static ProgressReporter open(Target target, PrintWriter plain, boolean inPlace) {
        if (inPlace) {
            Terminal terminal = systemTerminal(target);
            if (terminal != null) {
                if (isInteractive(terminal)) {
                    return new InPlaceProgress(terminal, REDRAW_INTERVAL, Clock.systemUTC(), true);
                }
                closeQuietly(terminal);
            }
        }
        return new PeriodicProgress(plain, PLAIN_INTERVAL, Clock.systemUTC());
    }

    /** As {@link #open}, on a given terminal (which the reporter does not close): the choice, testable. */
    public static ProgressReporter on(Terminal terminal, PrintWriter plain, Clock clock) {
        return isInteractive(terminal)
                ? new InPlaceProgress(terminal, REDRAW_INTERVAL, clock, false)
                : new PeriodicProgress(plain, PLAIN_INTERVAL, clock);
    }

    /**
     * A dumb terminal (JLine's answer when the stream is a pipe or a file, or TERM=dumb) cannot redraw; any
     * other can, even one that reports no size (a pseudo-terminal nobody sized, as under {@code script}).
     */
    static boolean isInteractive(Terminal terminal) {
        String type = terminal.getType();
        boolean interactive = !Terminal.TYPE_DUMB.equals(type) && !Terminal.TYPE_DUMB_COLOR.equals(type);
        LOG.debug("progress on terminal type {} ({} columns): {}", type, terminal.getWidth(),
                interactive ? "in place" : "plain lines");
        return interactive;
    }

    private static Terminal systemTerminal(Target target) {
        try {
            return TerminalBuilder.builder()
                    .system(true)
                    .systemOutput(target.systemOutput)
                    // Explicitly allowed: not a terminal is a normal case here, not worth JLine's warning.
                    .dumb(true)
                    // Leave SIGINT to the JVM, whose default runs the shutdown hooks that stop the pipeline.
                    .nativeSignals(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            LOG.debug("no terminal for the progress line: {}", e.toString());
            return null;
        }
    }

    private static void closeQuietly(Terminal terminal) {
        try {
            terminal.close();
        } catch (IOException e) {
            LOG.debug("closing the dumb terminal failed: {}", e.toString());
        }
    }
}
