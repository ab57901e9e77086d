package io.beacon.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

class LineLoggingOutputStreamTest {

    @Test
    void shouldLogOneLinePerLineOfTextEvenWhenFlushedMidLine() {
        // Given a print stream over a logger that records what it receives
        Logger logger = (Logger) LoggerFactory.getLogger("line-logging-output-stream-test");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (PrintStream out = new PrintStream(new LineLoggingOutputStream(logger, Level.INFO), true, StandardCharsets.UTF_8)) {
            // When text arrives in pieces, with Windows line ends and an unterminated last line
            out.print("Formatting ");
            out.flush();
            out.println("/tmp/kafka");
            out.print("done\r\n");
            out.print("tail");
        }

        // Then each line is one event at the chosen level, the tail logged on close
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("Formatting /tmp/kafka", "done", "tail");
        assertThat(appender.list).extracting(event -> event.getLevel().toString()).containsOnly("INFO");
        logger.detachAppender(appender);
    }
}
