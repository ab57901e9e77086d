package io.beacon.launcher.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;

/**
 * Progress on a terminal: one line, redrawn in place (carriage return, the line cut to the terminal's
 * width, clear to end of line, as the terminal's own capabilities spell them), at most every
 * {@code redrawEvery} so a fast stream of results does not flood a slow terminal.
 */
public final class InPlaceProgress implements ProgressReporter {

    /**
     * For a terminal that reports no width: a pseudo-terminal nobody sized (under {@code script}, in CI),
     * not a person's window, which always reports its own. Wide enough for the whole line.
     */
    static final int FALLBACK_WIDTH = 120;

    private final Terminal terminal;
    private final PrintWriter writer;
    private final Duration redrawEvery;
    private final Clock clock;
    private final boolean closeTerminal;
    private Instant lastDrawn;
    private Progress latest;
    private boolean shown;

    /**
     * @param closeTerminal whether {@link #close()} also closes {@code terminal} (the reporter opened it)
     */
    public InPlaceProgress(Terminal terminal, Duration redrawEvery, Clock clock, boolean closeTerminal) {
        this.terminal = terminal;
        this.writer = terminal.writer();
        this.redrawEvery = redrawEvery;
        this.clock = clock;
        this.closeTerminal = closeTerminal;
    }

    @Override
    public void update(Progress progress) {
        latest = progress;
        Instant now = clock.instant();
        if (lastDrawn == null || !now.isBefore(lastDrawn.plus(redrawEvery))) {
            draw();
            lastDrawn = now;
        }
    }

    @Override
    public void above(Runnable printing) {
        if (shown) {
            terminal.puts(Capability.carriage_return);
            terminal.puts(Capability.clr_eol);
            terminal.flush();
            shown = false;
        }
        printing.run();
        if (latest != null) {
            draw();
        }
    }

    @Override
    public void close() {
        try {
            if (latest != null) {
                draw();
                writer.println();
                writer.flush();
            }
        } finally {
            if (closeTerminal) {
                try {
                    terminal.close();
                } catch (IOException e) {
                    // Restoring the terminal's attributes failed; the output is complete, nothing else to do.
                }
            }
        }
    }

    private void draw() {
        terminal.puts(Capability.carriage_return);
        int width = terminal.getWidth();
        writer.print(ProgressLine.fit(ProgressLine.format(latest), width > 0 ? width : FALLBACK_WIDTH));
        terminal.puts(Capability.clr_eol);
        terminal.flush();
        shown = true;
    }
}
