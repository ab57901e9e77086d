package io.beacon.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.deploy.SourceIndex.ConfigDefinition;
import io.beacon.deploy.SourceIndex.LauncherCommand;
import io.beacon.deploy.SourceIndex.SimulatedDeployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceIndexTest {

    @TempDir
    Path temp;

    @Test
    void shouldReadTheRouterSettingsWithTheSharedOnesAndLiteralDefaults() {
        ConfigDefinition router = Repo.sources().config("RouterConfig");

        assertThat(router.settings()).containsKeys("bootstrap.servers", "schema.registry.url", "serde.provider.class",
                "topics.requests", "topics.provider-jobs.golem", "application.id", "state.dir",
                "router.max.attempts", "http.host", "http.port");
        assertThat(router.defaultOf("http.port")).contains("8080");
        assertThat(router.defaultOf("http.host")).contains("127.0.0.1");
        assertThat(router.defaultOf("topics.requests")).contains("inference-requests");
        assertThat(router.defaultOf("router.default.deadline.ms")).contains("120000");
        assertThat(router.defines("provider")).isFalse();
    }

    @Test
    void shouldReadTheWorkerSettingsWithTheSharedOnes() {
        ConfigDefinition worker = Repo.sources().config("WorkerConfig");

        assertThat(worker.settings()).containsKeys("bootstrap.servers", "schema.registry.url", "topics.attempts",
                "provider", "deployments", "max.outstanding", "retry.max");
        assertThat(worker.defaultOf("provider")).isEmpty();
        assertThat(worker.defines("application.id")).isFalse();
    }

    @Test
    void shouldReadTheLauncherCommandsTheirOptionsAndWhatTheyRead() {
        Map<String, LauncherCommand> commands = Repo.sources().launcherCommands();

        assertThat(commands).containsKeys("demo", "router", "worker", "sim", "submit", "results", "dlq");
        assertThat(commands.get("router").options()).containsKeys("--partitions", "--replication-factor", "--config",
                "--set", "--help");
        assertThat(commands.get("router").configClass()).contains("RouterConfig");
        assertThat(commands.get("worker").configClass()).contains("WorkerConfig");
        assertThat(commands.get("worker").environmentVariables()).contains("GOLEM_PROVIDER_ENDPOINTS",
                "MODAL_ENDPOINTS", "RUNPOD_ENDPOINTS", "RUNPOD_API_KEY", "RUNPOD_API_KEY_FILE", "MODAL_API_TOKEN");
        assertThat(commands.get("sim").configClass()).isEmpty();
        assertThat(commands.get("sim").options()).containsEntry("--port", Optional.of("18100"))
                .containsEntry("--host", Optional.of("127.0.0.1"));
        assertThat(commands.get("sim").environmentVariables()).contains("MODAL_KEY", "MODAL_SECRET", "RUNPOD_API_KEY");
    }

    @Test
    void shouldReadTheSimulatorFleetInPortOrder() {
        List<SimulatedDeployment> fleet = Repo.sources().simulatorFleet();

        assertThat(fleet).extracting(SimulatedDeployment::id).containsExactly("golem-eu-central-1",
                "golem-eu-central-2", "golem-us-east-1", "golem-us-west-1", "modal-us-east", "modal-eu-west",
                "runpod-us-east", "runpod-eu-central");
        assertThat(fleet.get(5)).isEqualTo(new SimulatedDeployment("modal-eu-west", "modal", "eu-west", 0.000222));
    }

    @Test
    void shouldMapSettingsToVariablesAsConfigLoaderDoes() {
        StackChecks checks = Repo.checks();

        assertThat(checks.envName("topics.provider-jobs.golem")).isEqualTo("BEACON_TOPICS_PROVIDER_JOBS_GOLEM");
        assertThat(checks.envName("http.port")).isEqualTo("BEACON_HTTP_PORT");
    }

    @Test
    void shouldRefuseASettingWhoseNameIsNotAConstantExpression() throws IOException {
        Files.writeString(temp.resolve("OddConfig.java"), """
                package x;
                class OddConfig {
                    static final String PREFIX = "odd.";
                    // .define(IGNORED, ...) in a comment is not a setting
                    static final ConfigDef DEFINITION = new ConfigDef()
                            .define(PREFIX + "size", Type.INT, 1_000, Importance.LOW, "doc")
                            .define(prefix() + "name", Type.STRING, "x", Importance.LOW, "doc");
                }
                """);
        SourceIndex index = SourceIndex.ofDirectories(List.of(temp));

        assertThatThrownBy(() -> index.config("OddConfig"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix() + \"name\"");
    }

    @Test
    void shouldFollowSharedDefinitionsAndResolveQualifiedConstants() throws IOException {
        Files.writeString(temp.resolve("Shared.java"), """
                class Shared {
                    public static final String URL = "shared.url";
                    static ConfigDef define(ConfigDef d) {
                        return d.define(URL, Type.STRING, "http://a:1", Importance.HIGH, "doc");
                    }
                }
                """);
        Files.writeString(temp.resolve("AppConfig.java"), """
                class AppConfig extends Base {
                    static final ConfigDef DEFINITION = Shared.define(new ConfigDef())
                            .define(Shared.URL + ".backup", Type.STRING, Importance.LOW, "doc")
                            .define(PORT, Type.INT, 8_080, Range.atLeast(0), Importance.LOW, "doc");
                }
                """);
        Files.writeString(temp.resolve("Base.java"), """
                class Base {
                    static final String PORT = "app.port";
                }
                """);
        ConfigDefinition config = SourceIndex.ofDirectories(List.of(temp)).config("AppConfig");

        assertThat(config.settings()).containsOnlyKeys("shared.url", "shared.url.backup", "app.port");
        assertThat(config.defaultOf("shared.url")).contains("http://a:1");
        assertThat(config.defaultOf("shared.url.backup")).isEmpty();
        assertThat(config.defaultOf("app.port")).contains("8080");
    }
}
