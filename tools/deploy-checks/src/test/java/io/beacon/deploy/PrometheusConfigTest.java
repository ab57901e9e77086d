package io.beacon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.beacon.deploy.ComposeFile.Service;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrometheusConfigTest {

    @TempDir
    Path temp;

    @Test
    void shouldScrapeEveryProcessThatServesMetricsAtItsHttpPort() {
        assertThat(Repo.checks().prometheus()).isEmpty();
    }

    @Test
    void shouldScrapeEachWorkerAtThePortItsBeaconHttpPortSets() {
        Map<String, String> targets = new HashMap<>();
        JsonNode config = YamlTree.read(Repo.root().resolve("deploy/prometheus/prometheus.yml"));
        config.path("scrape_configs").forEach(job -> job.path("static_configs").forEach(group ->
                group.path("targets").forEach(t -> {
                    String[] hostPort = t.asText().split(":");
                    targets.put(hostPort[0], hostPort[1]);
                })));
        Map<String, Service> services = Repo.compose().services();

        assertThat(targets).containsEntry("router", services.get("router").environment().get("BEACON_HTTP_PORT"));
        for (String worker : new String[] {"worker-golem", "worker-modal", "worker-runpod"}) {
            assertThat(targets.get(worker)).as(worker)
                    .isNotNull()
                    .isEqualTo(services.get(worker).environment().get("BEACON_HTTP_PORT"));
        }
    }

    @Test
    void shouldReportAWorkerWhoseHttpPortNoLongerMatchesItsScrapeTarget() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "BEACON_HTTP_PORT: \"9401\"", "BEACON_HTTP_PORT: \"9409\"");

        assertThat(Repo.checksAt(copy).prometheus()).containsExactlyInAnyOrder(
                "beacon-workers: target points at worker-golem:9401, but worker-golem listens on [9409]",
                "worker-golem: serves /metrics on port 9409 but Prometheus does not scrape it there (prometheus.yml)");
    }

    @Test
    void shouldReportAWorkerPrometheusDoesNotScrape() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("deploy/prometheus/prometheus.yml"), "\"worker-runpod:9403\"", "\"worker-modal:9402\"");

        assertThat(Repo.checksAt(copy).prometheus()).containsExactly(
                "worker-runpod: serves /metrics on port 9403 but Prometheus does not scrape it there (prometheus.yml)");
    }

    @Test
    void shouldReportATargetThatIsNoService() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("deploy/prometheus/prometheus.yml"), "\"router:8080\"", "\"routr:8080\"");

        assertThat(Repo.checksAt(copy).prometheus()).contains(
                "beacon-router: target routr:8080 is not a compose service",
                "router: serves /metrics on port 8080 but Prometheus does not scrape it there (prometheus.yml)");
    }

    @Test
    void shouldReportARouterWhoseMetricsNeedATokenPrometheusDoesNotSend() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "      BEACON_STATE_DIR: /tmp/beacon-state\n",
                "      BEACON_STATE_DIR: /tmp/beacon-state\n      BEACON_HTTP_AUTH_TOKEN: s3cret\n");

        assertThat(Repo.checksAt(copy).prometheus()).containsExactly(
                "beacon-router: router requires a bearer token (BEACON_HTTP_AUTH_TOKEN) and the job sends none");
    }
}
