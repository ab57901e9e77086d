# syntax=docker/dockerfile:1
# One image for every Beacon process; the command picks the role: router, worker --provider X, sim,
# submit, results, dlq. `docker compose up --build` builds it as beacon-router:local.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Each module's pom and sources only: no target/ or node_modules from a developer's checkout. Maven reads
# every module listed in the root pom, so each one's pom is here even when the launcher does not need it.
COPY pom.xml ./
COPY schemas/pom.xml schemas/
COPY schemas/src schemas/src
COPY router-streams/pom.xml router-streams/
COPY router-streams/src router-streams/src
COPY provider-workers/pom.xml provider-workers/
COPY provider-workers/src provider-workers/src
COPY ops/pom.xml ops/
COPY ops/src ops/src
COPY dashboard/pom.xml dashboard/
COPY dashboard/src dashboard/src
COPY launcher/pom.xml launcher/
COPY launcher/src launcher/src
COPY tools/embedded-kafka/pom.xml tools/embedded-kafka/
COPY tools/embedded-kafka/src tools/embedded-kafka/src
COPY tools/provider-simulators/pom.xml tools/provider-simulators/
COPY tools/provider-simulators/src tools/provider-simulators/src
# The policy lab behind `beacon simulate`.
COPY tools/policy-lab/pom.xml tools/policy-lab/
COPY tools/policy-lab/src tools/policy-lab/src
# The integration tests' fixtures: a test dependency of the launcher's modules, so part of its reactor.
COPY tools/test-support/pom.xml tools/test-support/
COPY tools/test-support/src tools/test-support/src
COPY tools/runner-interop/pom.xml tools/runner-interop/
COPY tools/benchmarks/pom.xml tools/benchmarks/
COPY tools/deploy-checks/pom.xml tools/deploy-checks/
# The launcher and what it depends on, nothing else; tests run in CI, not in the image build. The cache
# mount keeps downloaded dependencies between builds.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -Dmaven.test.skip=true -pl launcher -am package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 beacon \
    && useradd --system --uid 10001 --gid beacon --home-dir /opt/beacon --shell /usr/sbin/nologin beacon
COPY --from=build /src/launcher/target/beacon.jar /opt/beacon/beacon.jar
USER 10001:10001
WORKDIR /opt/beacon
# Router HTTP (/health, /metrics, /lag, /dashboard), worker metrics (golem, modal, runpod), simulators.
EXPOSE 8080 9401 9402 9403 18100-18107
# The heap follows the container's memory limit.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-cp", "/opt/beacon/beacon.jar", "io.beacon.launcher.BeaconCli"]
CMD ["--help"]
