package io.beacon.launcher;

import io.beacon.launcher.console.LogFile;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a command that shows progress puts its logs: a file named at start, or the console with
 * {@code --verbose}. One mixin, so {@code demo} and {@code submit --file} cannot drift apart.
 */
final class LogOptions {

    @Option(names = "--verbose", description = "Logs on the console (standard error) instead of a log file;"
            + " progress as plain lines.")
    boolean verbose;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Where the logs go (default: a new file under <tmp>/beacon-logs/, named on start).")
    Path logFile;

    /** Sends the logs to their file (null with {@code --verbose}: they stay on the console). */
    LogFile open(String command) {
        return verbose ? null : LogFile.redirect(logFile != null ? logFile : LogFile.defaultFor(command));
    }
}
