package io.beacon.launcher.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs leave the console for the file while it is open, and come back after. */
class LogFileTest {

    private static final Logger LOG = LoggerFactory.getLogger("io.beacon.workers.ProviderWorker");

    @Test
    void shouldWriteLogsToTheFileInsteadOfTheConsoleUntilClosed(@TempDir Path dir) throws Exception {
        // Given the console captured (the tests' logback configuration logs to standard output)
        PrintStream original = System.out;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
        Path file = dir.resolve("logs/demo.log");
        try {
            // When a line is logged while the log file is open, and one after it is closed
            try (LogFile logs = LogFile.redirect(file)) {
                assertThat(logs.path()).isEqualTo(file.toAbsolutePath());
                LOG.info("attempt finished deployment=golem-eu-central-1");
            }
            LOG.info("after the run");
        } finally {
            System.setOut(original);
        }

        // Then the first went to the file (its directory created) only, the second to the console only
        assertThat(Files.readString(file)).contains("INFO", "attempt finished deployment=golem-eu-central-1")
                .doesNotContain("after the run");
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("after the run")
                .doesNotContain("attempt finished");
    }

    @Test
    void shouldNameEachRunsFileByCommandTimeAndProcessUnderTheTemporaryDirectory() {
        Path file = LogFile.defaultFor("demo");

        assertThat(file.getParent()).isEqualTo(LogFile.DEFAULT_DIR);
        assertThat(file.getFileName().toString())
                .matches("demo-\\d{8}-\\d{6}-" + ProcessHandle.current().pid() + "\\.log");
    }
}
