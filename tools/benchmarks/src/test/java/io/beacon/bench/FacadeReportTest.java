package io.beacon.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.bench.FacadeBenchmark.Cell;
import io.beacon.bench.FacadeBenchmark.Options;
import io.beacon.router.RouterConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class FacadeReportTest {

    @Test
    void shouldStateTheRoutersOwnServerSettingsAndItsCommitIntervalPerGuarantee() {
        // Given: both guarantees with the commit interval each router had in effect
        int backlog = FacadeBenchmark.routerAcceptBacklog();
        FacadeReport report = report(Options.parse(new String[0]), new FacadeReport.Server(true, backlog, "4096"));

        // When
        String markdown = report.markdown();

        // Then
        assertThat(markdown).contains("has Nagle's algorithm off (`TCP_NODELAY`), as the router sets it in production",
                "an accept queue of " + backlog + " connections (the kernel caps it at `net.core.somaxconn`, 4096 here)",
                "The router's commit interval in effect: " + commitMs(StreamsConfig.EXACTLY_ONCE_V2)
                        + " ms under `exactly_once_v2`, " + commitMs(StreamsConfig.AT_LEAST_ONCE)
                        + " ms under `at_least_once` (the router's default for each guarantee)",
                "the router's commit (every " + commitMs(StreamsConfig.AT_LEAST_ONCE) + " ms here)")
                .doesNotContain("Nagle's algorithm on", "backlog 0", "the router does not set it");
    }

    @Test
    void shouldSayWhenNagleWasLeftOnForARun() {
        FacadeReport report = report(Options.parse(new String[0]), new FacadeReport.Server(false, 1024, "4096"));

        assertThat(report.markdown()).contains("had Nagle's algorithm on for this run"
                + " (`sun.net.httpserver.nodelay` was not `true`");
    }

    @Test
    void shouldSayACommitIntervalGivenWithSetIsNotTheDefault() {
        FacadeReport report = report(Options.parse(new String[] {"--set=commit.interval.ms=50"}),
                new FacadeReport.Server(true, 1024, "4096"));

        assertThat(report.markdown()).contains("(given with `--set`)");
    }

    @Test
    void shouldReadTheRoutersServerSettingsAsARouterRunsWithThem() {
        // When
        FacadeReport.Server server = FacadeBenchmark.facadeServer();

        // Then: unless this JVM was given the property, the router's server switches Nagle's algorithm off
        assertThat(server.acceptBacklog()).isPositive();
        assertThat(server.tcpNoDelay()).isTrue();
    }

    @Test
    void shouldAcceptTheFormerNodelayOptionWithoutEffect() {
        assertThat(Options.parse(new String[] {"--nodelay", "--quick"}))
                .isEqualTo(Options.parse(new String[] {"--quick"}));
    }

    private static long commitMs(String guarantee) {
        return new RouterConfig(Map.of(RouterConfig.PROCESSING_GUARANTEE, guarantee)).commitIntervalMs();
    }

    private static FacadeReport report(Options options, FacadeReport.Server server) {
        List<Cell> cells = List.of(cell(StreamsConfig.EXACTLY_ONCE_V2, options), cell(StreamsConfig.AT_LEAST_ONCE, options));
        return new FacadeReport("java ... facade", options, new LinkedHashMap<>(), server, cells, Duration.ofSeconds(1));
    }

    /** A cell of one rate with no answers: only the guarantee and its commit interval matter here. */
    private static Cell cell(String guarantee, Options options) {
        Map<String, Object> settings = new LinkedHashMap<>(options.routerSettings());
        settings.put(RouterConfig.PROCESSING_GUARANTEE, guarantee);
        long commitIntervalMs = new RouterConfig(settings).commitIntervalMs();
        FacadeLoad.Result load = new FacadeLoad.Result(100, Duration.ofSeconds(1), Duration.ofSeconds(1), 0, 0, 0,
                Map.of(), Map.of(), new Histogram(3), new Histogram(3), new Histogram(3), new Histogram(3), 0, 0, 0,
                List.of());
        LinkedHashMap<String, Histogram> hops = new LinkedHashMap<>();
        FacadeHops.HOPS.forEach(hop -> hops.put(hop, new Histogram(3)));
        return new Cell(guarantee, commitIntervalMs, load, new FacadeSimulators.Stats(0, 0, 0, 0, 64), 0, 0, 0, 0,
                Map.of(), "0.00", hops, Map.of(), Double.NaN, Map.of(), Map.of());
    }
}
