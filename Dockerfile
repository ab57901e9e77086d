# One image for every Beacon process; the command picks the role (router, worker --provider X, sim).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 beacon
COPY --from=build /src/launcher/target/beacon.jar /opt/beacon/beacon.jar
USER beacon
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/beacon/beacon.jar"]
CMD ["--help"]
