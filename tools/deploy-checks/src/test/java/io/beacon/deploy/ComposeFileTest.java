package io.beacon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.deploy.ComposeFile.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposeFileTest {

    @TempDir
    Path temp;

    @Test
    void shouldRunBrokerRegistryRouterWorkersSimulatorsAndMonitoring() {
        Map<String, Service> services = Repo.compose().services();

        assertThat(services).containsKeys("kafka", "registry", "router", "worker-golem", "worker-modal",
                "worker-runpod", "simulators", "prometheus", "grafana");
        assertThat(services.get("router").subcommand()).contains("router");
        assertThat(services.get("simulators").subcommand()).contains("sim");
        for (String provider : new String[] {"golem", "modal", "runpod"}) {
            Service worker = services.get("worker-" + provider);
            assertThat(worker.subcommand()).contains("worker");
            assertThat(worker.option("--provider")).contains(provider);
        }
    }

    @Test
    void shouldPassEveryCheckOnTheRepositorysStack() {
        assertThat(Repo.checks().all()).isEmpty();
    }

    @Test
    void shouldFindEveryMountedFileAndBuildContextInTheRepository() {
        assertThat(Repo.checks().files()).isEmpty();
    }

    @Test
    void shouldRunTheBrokerOnTheKafkaReleaseOfTheClients() {
        String image = Repo.compose().services().get("kafka").image().orElseThrow();

        assertThat(image).isEqualTo("apache/kafka:" + Repo.poms().property("kafka.version").orElseThrow());
        assertThat(image).startsWith("apache/kafka:4.");
        assertThat(Repo.checks().images()).isEmpty();
    }

    @Test
    void shouldSetOnlySettingsAndVariablesTheProcessesRead() {
        StackChecks checks = Repo.checks();

        assertThat(checks.commandLines()).isEmpty();
        assertThat(checks.settings()).isEmpty();
    }

    @Test
    void shouldUseOnlyPortsTheServicesListenOn() {
        StackChecks checks = Repo.checks();

        assertThat(checks.ports()).isEmpty();
        assertThat(checks.kafkaListeners()).isEmpty();
    }

    @Test
    void shouldStartEveryServiceAfterWhatItUses() {
        assertThat(Repo.checks().dependencies()).isEmpty();
    }

    @Test
    void shouldPointEachWorkerAtTheSimulatorsOfItsProviderKind() {
        assertThat(Repo.checks().workerDeployments()).isEmpty();
    }

    @Test
    void shouldReportASettingNoProcessDefinesWhenAServiceSetsIt() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "BEACON_STATE_DIR:", "BEACON_STATE_DIRECTORY:");

        assertThat(Repo.checksAt(copy).settings())
                .anySatisfy(p -> assertThat(p).startsWith("router: sets BEACON_STATE_DIRECTORY, which is no setting"));
    }

    @Test
    void shouldReportAProviderVariableGivenToAnotherKindsWorker() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "MODAL_ENDPOINTS:", "GOLEM_PROVIDER_ENDPOINTS:");

        assertThat(Repo.checksAt(copy).settings())
                .anySatisfy(p -> assertThat(p).contains("worker-modal: sets GOLEM_PROVIDER_ENDPOINTS, which a modal worker ignores"));
    }

    @Test
    void shouldReportAMissingFileWhenAMountPointsAtNothing() throws IOException {
        Path copy = Repo.copyStackTo(temp);
        Files.delete(copy.resolve("deploy/prometheus/prometheus.yml"));

        assertThat(Repo.checksAt(copy).files())
                .containsExactly("prometheus: bind mount source ./deploy/prometheus/prometheus.yml does not exist next to"
                        + " docker-compose.yml");
    }

    @Test
    void shouldReportAnUnpinnedImage() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "image: prom/prometheus:", "image: prom/prometheus:latest # was ");

        assertThat(Repo.checksAt(copy).images())
                .containsExactly("prometheus: image prom/prometheus:latest is not pinned to a version tag");
    }

    @Test
    void shouldReportAnOptionTheCommandDoesNotHave() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "\"--replication-factor\"", "\"--replicas\"");

        assertThat(Repo.checksAt(copy).commandLines())
                .anySatisfy(p -> assertThat(p).startsWith("router: beacon router has no option --replicas"));
    }

    @Test
    void shouldReportTheRouterBoundToLoopbackWhenItsHttpHostIsLeftAtTheDefault() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "      BEACON_HTTP_HOST: 0.0.0.0\n", "");

        assertThat(Repo.checksAt(copy).ports())
                .anySatisfy(p -> assertThat(p).startsWith("router: its HTTP server binds 127.0.0.1 (http.host)"));
    }

    @Test
    void shouldReportAPublishedPortTheProcessDoesNotListenOn() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "\"8080:8080\"", "\"8080:8081\"");

        assertThat(Repo.checksAt(copy).ports())
                .anySatisfy(p -> assertThat(p).startsWith("router: publishes container port 8081, but it listens on [8080]"));
    }

    @Test
    void shouldReportBootstrapServersTheBrokerDoesNotAdvertise() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "BEACON_BOOTSTRAP_SERVERS: kafka:19092",
                "BEACON_BOOTSTRAP_SERVERS: kafka:9092");

        // The broker listens on 9092, so only the advertised-listener rule can catch it.
        assertThat(Repo.checksAt(copy).ports()).isEmpty();
        assertThat(Repo.checksAt(copy).kafkaListeners())
                .anySatisfy(p -> assertThat(p).startsWith("router: bootstrap server kafka:9092 is not a listener kafka advertises"));
    }

    @Test
    void shouldReportAWorkerThatMayStartBeforeTheTopicsExist() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "MODAL_ENDPOINTS:", "condition: service_healthy",
                "condition: service_started");

        assertThat(Repo.checksAt(copy).dependencies())
                .containsExactly("worker-modal: may start before the topics exist; wait for [router] with condition"
                        + " service_healthy");
    }

    @Test
    void shouldReportAWorkerCallingAPortWhereAnotherDeploymentIsSimulated() {
        Path copy = Repo.copyStackTo(temp);
        Repo.edit(copy.resolve("docker-compose.yml"), "golem-eu-central-2=http://simulators:18101",
                "golem-eu-central-2=http://simulators:18102");

        assertThat(Repo.checksAt(copy).workerDeployments())
                .contains("worker-golem: deployment golem-eu-central-2 calls port 18102, where the simulators serve"
                        + " golem-us-east-1");
    }
}
