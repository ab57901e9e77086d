package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The shipped logback.xml (the one in the jar, not the tests' own): one line per event with the job id
 * from the MDC, and JSON lines when BEACON_LOG_FORMAT asks for them.
 */
class LogFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream originalErr = System.err;

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        System.clearProperty("BEACON_LOG_FORMAT");
        MDC.clear();
    }

    @ParameterizedTest
    @ValueSource(strings = {"JSON", "json"})
    void shouldWriteOneJsonObjectPerEventWithTheJobId(String format) throws Exception {
        String out = logWithShippedConfig(format, "routed attempt {} to {}", 1, "golem-eu-1");

        String[] lines = out.strip().split("\n");
        assertThat(lines).hasSize(1);
        JsonNode event = JSON.readTree(lines[0]);
        assertThat(event.get("formattedMessage").textValue()).isEqualTo("routed attempt 1 to golem-eu-1");
        assertThat(event.get("level").textValue()).isEqualTo("INFO");
        assertThat(event.get("mdc").get("job_id").textValue()).isEqualTo("job-42");
    }

    @Test
    void shouldWriteOneTextLinePerEventWithTheJobIdByDefault() throws Exception {
        String out = logWithShippedConfig(null, "routed attempt {} to {}", 1, "golem-eu-1");

        assertThat(out.strip().split("\n")).singleElement().satisfies(line -> assertThat(line)
                .matches("\\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO  .* job=job-42 - routed attempt 1 to golem-eu-1"));
    }

    private static void configure(LoggerContext context, URL file) throws JoranException {
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(file);
    }

    private String logWithShippedConfig(String format, String message, Object... args) throws JoranException {
        if (format != null) {
            System.setProperty("BEACON_LOG_FORMAT", format);
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        // The running context, configured from the production file for the test and from the tests' own
        // file again afterwards.
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        URL shipped = LogFormatTest.class.getResource("/logback.xml");
        assertThat(shipped).as("the launcher's logback.xml on the classpath").isNotNull();
        configure(context, shipped);
        try {
            Logger log = LoggerFactory.getLogger("io.beacon.router.topology.JobLifecycleProcessor");
            MDC.put("job_id", "job-42");
            log.info(message, args);
            MDC.remove("job_id");
            log.debug("not at the default level");
        } finally {
            System.setErr(originalErr);
            configure(context, LogFormatTest.class.getResource("/logback-test.xml"));
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
