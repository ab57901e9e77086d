package io.beacon.launcher.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.testsupport.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.Test;

/**
 * The progress line's two modes: redrawn in place on a terminal, plain periodic lines on a dumb one (a
 * pipe, a file, CI). JLine terminals over byte streams stand in for the real console.
 */
class ConsoleProgressTest {

    private static final String CLEAR_TO_END_OF_LINE = "\u001b[K";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final StringWriter plain = new StringWriter();

    @Test
    void shouldRedrawOneLineInPlaceWhenTheConsoleIsATerminal() throws IOException {
        // Given a terminal that can redraw (xterm, 120 columns)
        ProgressReporter progress;
        try (Terminal terminal = terminal("xterm")) {
            progress = ConsoleProgress.on(terminal, new PrintWriter(plain), clock);

            // When three states arrive a second apart, and the run ends
            progress.update(state(1, 10));
            clock.advance(Duration.ofSeconds(1));
            progress.update(state(2, 20));
            clock.advance(Duration.ofSeconds(1));
            progress.update(state(3, 30));
            progress.close();
        }

        // Then each state overwrote the one before on the same line, which ends once, at the close
        String shown = screen.toString(StandardCharsets.UTF_8);
        assertThat(progress).isInstanceOf(InPlaceProgress.class);
        assertThat(shown).contains("\r[    1s] sent 10/60", "\r[    2s] sent 20/60", "\r[    3s] sent 30/60");
        assertThat(shown).contains(CLEAR_TO_END_OF_LINE);
        assertThat(shown.chars().filter(c -> c == '\n')).hasSize(1);
        assertThat(shown).endsWith("\n");
        assertThat(plain.toString()).isEmpty();
    }

    @Test
    void shouldPrintOtherLinesAboveTheProgressLineWithoutTearingIt() throws IOException {
        try (Terminal terminal = terminal("xterm")) {
            ProgressReporter progress = ConsoleProgress.on(terminal, new PrintWriter(plain), clock);
            progress.update(state(1, 10));

            // When a scenario event is printed during the run
            progress.above(() -> {
                terminal.writer().println("[    1s] scenario: every Golem node starts failing with 503");
                terminal.writer().flush();
            });
        }

        // Then the progress line was cleared first and drawn again below the event
        String shown = screen.toString(StandardCharsets.UTF_8);
        int event = shown.indexOf("scenario: every Golem");
        assertThat(shown.substring(0, event)).endsWith("\r" + CLEAR_TO_END_OF_LINE + "[    1s] ");
        assertThat(shown.substring(event)).contains("\r[    1s] sent 10/60");
    }

    @Test
    void shouldPrintPlainLinesEveryFiveSecondsWhenTheConsoleIsNotATerminal() throws IOException {
        // Given what JLine answers for a pipe or a file: a dumb terminal
        try (Terminal terminal = terminal(Terminal.TYPE_DUMB)) {
            ProgressReporter progress = ConsoleProgress.on(terminal, new PrintWriter(plain), clock);

            // When a state arrives every second for 12 s, and the run ends
            for (int second = 0; second <= 12; second++) {
                progress.update(state(second, second * 5));
                clock.advance(Duration.ofSeconds(1));
            }
            progress.close();

            // Then one plain line at 0, 5 and 10 s, and the last state at the close; no control characters
            assertThat(progress).isInstanceOf(PeriodicProgress.class);
            assertThat(plain.toString().lines()).extracting(line -> line.substring(0, 8))
                    .containsExactly("[    0s]", "[    5s]", "[   10s]", "[   12s]");
            assertThat(plain.toString()).doesNotContain("\r", "\u001b");
            assertThat(screen.toString(StandardCharsets.UTF_8)).isEmpty();
        }
    }

    @Test
    void shouldNotRepeatTheLastLineOnCloseWhenItWasAlreadyPrinted() {
        PeriodicProgress progress = new PeriodicProgress(new PrintWriter(plain), Duration.ofSeconds(5), clock);

        progress.update(state(0, 60));
        progress.close();

        assertThat(plain.toString().lines()).hasSize(1);
    }

    /** A terminal writing straight into {@link #screen} (JLine's own stand-in for a remote terminal). */
    private Terminal terminal(String type) throws IOException {
        ExternalTerminal terminal = new ExternalTerminal("test", type, new ByteArrayInputStream(new byte[0]), screen,
                StandardCharsets.UTF_8);
        terminal.setSize(new Size(120, 40));
        return terminal;
    }

    private static Progress state(int second, int sent) {
        return new Progress(Duration.ofSeconds(second), sent, 60, sent / 2, 0,
                Map.of(ProviderKind.GOLEM, sent / 2), 0.0001 * sent);
    }
}
