package io.beacon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerfileTest {

    private static String dockerfile() throws IOException {
        return Files.readString(Repo.root().resolve("Dockerfile"));
    }

    @Test
    void shouldBuildTheShadedJarAndRunBeaconCliAsANonRootUser() throws IOException {
        Dockerfile parsed = Dockerfile.parse(dockerfile());

        assertThat(Repo.checks().dockerfile(dockerfile(), Repo.root())).isEmpty();
        assertThat(parsed.stages()).extracting(Dockerfile.Stage::image)
                .containsExactly("maven:3.9-eclipse-temurin-17", "eclipse-temurin:17-jre");
        assertThat(parsed.finalStage().last("ENTRYPOINT").flatMap(Dockerfile.Instruction::execForm).orElseThrow())
                .contains("io.beacon.launcher.BeaconCli");
        assertThat(Repo.poms().shadedJar("launcher").path()).isEqualTo("launcher/target/beacon.jar");
        assertThat(Repo.poms().moduleWithUpstream("launcher")).contains("launcher", "schemas", "router-streams",
                "provider-workers", "tools/provider-simulators", "tools/policy-lab", "tools/embedded-kafka", "ops",
                "dashboard")
                .doesNotContain("tools/runner-interop", "tools/benchmarks", "tools/deploy-checks");
    }

    @Test
    void shouldJoinContinuedLinesAndSeparateFlagsFromOperands() {
        Dockerfile parsed = Dockerfile.parse("""
                # syntax=docker/dockerfile:1
                FROM a:1 AS build
                RUN --mount=type=cache,target=/root/.m2 \\
                    mvn -q \\
                    package
                FROM b:2
                COPY --from=build /src/x.jar /opt/x.jar
                ENTRYPOINT ["java", "-jar", "/opt/x.jar"]
                """);

        assertThat(parsed.stage("build").orElseThrow().last("RUN").orElseThrow().operands())
                .containsExactly("mvn", "-q", "package");
        Dockerfile.Instruction copy = parsed.finalStage().last("COPY").orElseThrow();
        assertThat(copy.flag("from")).contains("build");
        assertThat(copy.operands()).containsExactly("/src/x.jar", "/opt/x.jar");
        assertThat(parsed.finalStage().last("ENTRYPOINT").orElseThrow().execForm())
                .contains(List.of("java", "-jar", "/opt/x.jar"));
    }

    @Test
    void shouldReportACopySourceThatDoesNotExist() throws IOException {
        String broken = dockerfile().replace("COPY launcher/src launcher/src",
                "COPY launcher/src launcher/src\nCOPY launcher/resources launcher/resources");

        assertThat(Repo.checks().dockerfile(broken, Repo.root()))
                .containsExactly("Dockerfile: COPY launcher/resources does not exist in the build context");
    }

    @Test
    void shouldReportAModuleTheLauncherIsBuiltFromWhenItsSourcesAreNotCopied() throws IOException {
        String broken = dockerfile().replace("COPY schemas/src schemas/src\n", "");

        assertThat(Repo.checks().dockerfile(broken, Repo.root()))
                .containsExactly("Dockerfile: does not copy schemas/src; the launcher is built from it");
    }

    @Test
    void shouldReportAMainClassThatIsNotInTheSources() throws IOException {
        String broken = dockerfile().replace("\"io.beacon.launcher.BeaconCli\"", "\"io.beacon.launcher.Beacon\"");

        assertThat(Repo.checks().dockerfile(broken, Repo.root()))
                .containsExactly("Dockerfile: main class io.beacon.launcher.Beacon is not in the sources");
    }

    @Test
    void shouldReportARuntimeImageThatRunsAsRoot() throws IOException {
        String broken = dockerfile().replace("USER 10001:10001\n", "");

        assertThat(Repo.checks().dockerfile(broken, Repo.root()))
                .containsExactly("Dockerfile: the runtime stage runs as root");
    }

    @Test
    void shouldReportAJarPathTheBuildDoesNotProduce() throws IOException {
        String broken = dockerfile().replace("/src/launcher/target/beacon.jar", "/src/launcher/target/launcher.jar");

        assertThat(Repo.checks().dockerfile(broken, Repo.root()))
                .containsExactly("Dockerfile: the runtime stage does not copy the shaded jar launcher/target/beacon.jar"
                        + " from the build stage");
    }
}
