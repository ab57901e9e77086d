package io.beacon.bench.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.bench.router.Results.ThroughputRun;
import io.beacon.bench.router.RouterBenchReport.PunctuatorCost;
import io.beacon.router.RouterConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class RouterBenchReportTest {

    private static final long ALOS_MS = RouterConfig.defaultCommitIntervalMs(StreamsConfig.AT_LEAST_ONCE);
    private static final long EOS_MS = RouterConfig.defaultCommitIntervalMs(StreamsConfig.EXACTLY_ONCE_V2);

    @Test
    void shouldStateEachGuaranteesDefaultCommitIntervalInTheHeadings() {
        // Given
        RouterBenchReport report = report(null);
        String expected = "commit.interval.ms " + ALOS_MS + " (at_least_once) / " + EOS_MS + " (exactly_once_v2)";

        // When
        String markdown = report.markdown();
        String table = printed(report);

        // Then
        assertThat(markdown).contains("untimed warm-up, " + expected + ")").doesNotContain("=null");
        assertThat(table).contains(expected + " unless stated").doesNotContain("=null");
    }

    @Test
    void shouldStateTheClientSettingsThePipesShareWithTheRouter() {
        // When
        String markdown = report(null).markdown();

        // Then
        assertThat(markdown).contains("at_least_once: `linger.ms=5`, `max.poll.records=1000`; exactly_once_v2:"
                + " `linger.ms=5`, `max.poll.records=1000`, `transaction.timeout.ms=10000`")
                .doesNotContain("linger.ms=100");
    }

    @Test
    void shouldReportTheLongestPunctuationAndTheJobsStoredByThen() {
        // Given: two runs of 50,000 jobs over 3 tasks; one has no punctuation metric
        PunctuatorCost cost = PunctuatorCost.of(List.of(run(Map.of("punctuate-latency-max", 0.4)),
                run(Map.of("punctuate-latency-max", 1.6)), run(Map.of())), 50_000, 3, 1_000);

        // When
        String markdown = report(cost).markdown();

        // Then
        assertThat(cost.punctuateMaxMs()).isEqualTo(1.6);
        assertThat(cost.storedJobsPerTask()).isEqualTo(16_666);
        assertThat(markdown).contains("runs every 1000 ms", "router throughput runs (50,000 jobs, 3 tasks) took 1.6 ms",
                "every task stores about 16,666 jobs", "does not grow with the jobs stored")
                .doesNotContain("would block the thread", "us per job");
    }

    @Test
    void shouldHaveNoPunctuatorFigureWithoutAPunctuation() {
        assertThat(PunctuatorCost.of(List.of(run(Map.of())), 50_000, 3, 1_000)).isNull();
    }

    private static ThroughputRun run(Map<String, Double> metrics) {
        return new ThroughputRun(50_000, 20_000, 2_500, 4_000, 2_400, 100_000, 0, metrics, 0.01);
    }

    private static RouterBenchReport report(PunctuatorCost punctuator) {
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("records", 50_000);
        setup.put("repeat", 3);
        setup.put("sweepRepeat", 1);
        setup.put("partitions", 3);
        setup.put("ratePerSecond", 500);
        setup.put("latencyWarmupSeconds", 5);
        setup.put("latencyMeasuredSeconds", 20);
        setup.put(RouterBenchReport.COMMIT_MS_AT_LEAST_ONCE, ALOS_MS);
        setup.put(RouterBenchReport.COMMIT_MS_EXACTLY_ONCE, EOS_MS);
        Map<String, Object> clients = new LinkedHashMap<>();
        clients.put(StreamsConfig.AT_LEAST_ONCE, new RouterClientSettings(5, 1_000, null).asMap());
        clients.put(StreamsConfig.EXACTLY_ONCE_V2, new RouterClientSettings(5, 1_000, 10_000).asMap());
        setup.put(RouterBenchReport.CLIENT_SETTINGS, clients);
        return new RouterBenchReport("java ... router", new LinkedHashMap<>(), setup, Map.of(), List.of(), List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of(), punctuator, 1);
    }

    private static String printed(RouterBenchReport report) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        report.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
