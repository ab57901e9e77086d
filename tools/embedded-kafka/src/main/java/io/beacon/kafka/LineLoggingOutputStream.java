package io.beacon.kafka;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Turns text written to a stream into log lines, one per line of text. Kafka's storage formatter
 * reports through a {@link java.io.PrintStream}; without this it would write to stdout.
 */
final class LineLoggingOutputStream extends OutputStream {

    private final Logger logger;
    private final Level level;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LineLoggingOutputStream(Logger logger, Level level) {
        this.logger = logger;
        this.level = level;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
        } else if (b != '\r') {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        // A flush is not a line end: the formatter flushes mid-line through PrintStream's autoflush.
    }

    @Override
    public synchronized void close() {
        emit();
    }

    private void emit() {
        if (line.size() > 0) {
            logger.atLevel(level).log(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }
}
