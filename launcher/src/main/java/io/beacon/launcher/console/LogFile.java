package io.beacon.launcher.console;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Moves a command's logs off the console into a file for as long as it is open, so a person sees the
 * progress and the summary, not hundreds of log lines. Every console appender logback was configured
 * with is swapped for a file appender using the same encoder: the format (BEACON_LOG_FORMAT, text or
 * JSON lines) and the level (BEACON_LOG_LEVEL) stay as configured. Closing puts the console appenders back.
 */
public final class LogFile implements AutoCloseable {

    /** Where the commands' log files go by default: one file per run, under the system's temporary directory. */
    public static final Path DEFAULT_DIR = Path.of(System.getProperty("java.io.tmpdir"), "beacon-logs");

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

    private final Path file;
    private final List<Moved> moved = new ArrayList<>();

    private record Moved(Logger logger, Appender<ILoggingEvent> console, FileAppender<ILoggingEvent> file) {
    }

    private LogFile(Path file) {
        this.file = file;
    }

    /** {@code <tmp>/beacon-logs/<command>-<yyyyMMdd-HHmmss>-<pid>.log}: unique per run, sorted by time. */
    public static Path defaultFor(String command) {
        return DEFAULT_DIR.resolve(command + "-" + LocalDateTime.now().format(STAMP) + "-"
                + ProcessHandle.current().pid() + ".log");
    }

    /**
     * Sends every log event to {@code file} (appended to, created with its directories) until closed.
     *
     * @throws UncheckedIOException when the file's directory cannot be created
     */
    public static LogFile redirect(Path file) {
        Path absolute = file.toAbsolutePath();
        try {
            if (absolute.getParent() != null) {
                Files.createDirectories(absolute.getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the log directory " + absolute.getParent()
                    + " (choose another with --log-file, or use --verbose)", e);
        }
        LogFile logFile = new LogFile(absolute);
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            for (Logger logger : context.getLoggerList()) {
                logFile.moveConsoleAppenders(context, logger);
            }
        }
        return logFile;
    }

    public Path path() {
        return file;
    }

    private void moveConsoleAppenders(LoggerContext context, Logger logger) {
        List<ConsoleAppender<ILoggingEvent>> consoles = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) {
                consoles.add(console);
            }
        }
        for (ConsoleAppender<ILoggingEvent> console : consoles) {
            FileAppender<ILoggingEvent> appender = new FileAppender<>();
            appender.setContext(context);
            appender.setName(console.getName() + "-file");
            appender.setFile(file.toString());
            appender.setAppend(true);
            // The console's own encoder: the file gets exactly the lines the console would have.
            Encoder<ILoggingEvent> encoder = console.getEncoder();
            appender.setEncoder(encoder);
            appender.start();
            logger.addAppender(appender);
            logger.detachAppender(console);
            moved.add(new Moved(logger, console, appender));
        }
    }

    @Override
    public void close() {
        for (Moved m : moved) {
            m.logger().addAppender(m.console());
            m.logger().detachAppender(m.file());
            m.file().stop();
        }
        moved.clear();
    }
}
