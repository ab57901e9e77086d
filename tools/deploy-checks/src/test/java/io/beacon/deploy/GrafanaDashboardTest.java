package io.beacon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrafanaDashboardTest {

    private static final String DASHBOARD = "deploy/grafana/dashboards/beacon-router.json";
    private static final Set<String> DATASOURCES = Set.of("beacon-prometheus");
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "role", "provider_kind");

    @TempDir
    Path temp;

    @Test
    void shouldProvisionThePrometheusDataSourceAndTheRepositorysDashboards() {
        assertThat(Repo.checks().grafana()).isEmpty();
    }

    @Test
    void shouldShowLagThroughputCostAndHealthFromContractMetricsOnly() throws IOException {
        Path file = Repo.root().resolve(DASHBOARD);
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(file));
        List<String> titles = new ArrayList<>();
        Set<String> metrics = new HashSet<>();
        dashboard.path("panels").forEach(panel -> {
            titles.add(panel.path("title").asText());
            panel.path("targets").forEach(t -> metrics.addAll(PromQl.metricNames(t.path("expr").asText())));
        });

        assertThat(StackChecks.dashboard(file, DATASOURCES, TARGET_LABELS)).isEmpty();
        assertThat(dashboard.path("uid").asText()).isEqualTo("beacon-router");
        assertThat(titles).contains("Consumer lag per group (records)", "Consumer lag per group (seconds)",
                "Consumer group status", "Throughput by provider", "Share of jobs per provider", "Cost per inference",
                "Request duration p95", "Deployment circuit state", "In-flight per deployment",
                "Failovers per minute", "Dead-letter records per minute", "Processes up", "Idle cost");
        assertThat(metrics).allMatch(MetricsContract::isKnown).contains("beacon_cost_usd_total");
    }

    @Test
    void shouldDivideAllMoneyBilledBySuccessfulInferencesInEveryCostPerInferencePanel() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(Repo.root().resolve(DASHBOARD)));
        List<String> costPerInference = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            if (panel.path("title").asText().toLowerCase(java.util.Locale.ROOT).contains("cost per inference")) {
                panel.path("targets").forEach(t -> costPerInference.add(t.path("expr").asText()));
            }
        });

        // One definition: all ledger money (hybrid_cost_total, every kind) / successes, never / requests
        assertThat(costPerInference).isNotEmpty().allSatisfy(expr -> {
            assertThat(expr).contains("increase(hybrid_cost_total[").doesNotContain("kind=")
                    .containsPattern("/ sum( by \\(provider\\) )?\\(increase\\(hybrid_requests_total\\{status=\"success\"\\}\\[");
        });
    }

    @Test
    void shouldReportAReusedPanelId() throws IOException {
        Path file = copyOfDashboard();
        Repo.edit(file, "\"title\": \"Consumer group status\"", "\"id\": 4,", "\"id\": 3,");

        assertThat(StackChecks.dashboard(file, DATASOURCES, TARGET_LABELS))
                .containsExactly("beacon-router.json: panel 'Deployment circuit state' reuses panel id 3");
    }

    @Test
    void shouldReportAMetricOutsideTheContract() throws IOException {
        Path file = copyOfDashboard();
        Repo.edit(file, "rate(hybrid_requests_total[$__rate_interval])", "rate(hybrid_request_total[$__rate_interval])");

        assertThat(StackChecks.dashboard(file, DATASOURCES, TARGET_LABELS))
                .containsExactly("beacon-router.json: panel 'Throughput by provider': hybrid_request_total is not in the"
                        + " metrics contract");
    }

    @Test
    void shouldReportALabelTheMetricDoesNotHave() throws IOException {
        Path file = copyOfDashboard();
        Repo.edit(file, "sum by (deployment) (beacon_deployment_in_flight)", "sum by (deployement) (beacon_deployment_in_flight)");

        assertThat(StackChecks.dashboard(file, DATASOURCES, TARGET_LABELS))
                .containsExactly("beacon-router.json: panel 'In-flight per deployment': label deployement is not a label"
                        + " of [beacon_deployment_in_flight]");
    }

    @Test
    void shouldReportADashboardThatIsNotJson() throws IOException {
        Path file = copyOfDashboard();
        String text = Files.readString(file);
        Files.writeString(file, text.substring(0, text.length() / 2));

        assertThat(StackChecks.dashboard(file, DATASOURCES, TARGET_LABELS))
                .singleElement().asString().startsWith("beacon-router.json: not valid JSON");
    }

    @Test
    void shouldReportAPanelOnADataSourceGrafanaDoesNotHave() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("deploy/grafana/provisioning/datasources/prometheus.yml"), "uid: beacon-prometheus",
                "uid: prometheus");

        assertThat(Repo.checksAt(copy).grafana())
                .anySatisfy(p -> assertThat(p).contains("queries data source 'beacon-prometheus', provisioned are [prometheus]"));
    }

    @Test
    void shouldReportADashboardFolderThatIsNotMounted() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("deploy/grafana/provisioning/dashboards/beacon.yml"),
                "path: /var/lib/grafana/dashboards/beacon", "path: /var/lib/grafana/dashboards/other");

        assertThat(Repo.checksAt(copy).grafana()).containsExactly("beacon.yml: provider beacon reads"
                + " /var/lib/grafana/dashboards/other, which is not mounted from a folder in the repository");
    }

    private Path copyOfDashboard() throws IOException {
        Path file = temp.resolve("beacon-router.json");
        Files.copy(Repo.root().resolve(DASHBOARD), file);
        return file;
    }
}
