package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int simulate(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "simulate";
        System.arraycopy(args, 0, all, 1, args.length);
        return BeaconCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    }

    @Test
    void shouldPrintATablePerScenarioAndWriteTheJsonAndTheChart(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("lab.json");
        Path chart = dir.resolve("lab.svg");

        int exit = simulate("--scenario", "steady", "--scenario", "golem-outage", "--jobs", "300", "--policy",
                "beacon,round-robin", "--json", json.toString(), "--chart", chart.toString(), "--threads", "1",
                "--log-file", dir.resolve("lab.log").toString());

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("steady: every deployment behaves", "golem-outage: every Golem node")
                .containsPattern("beacon\\s+300\\s+")
                .containsPattern("round-robin\\s+300\\s+");
        assertThat(err.toString()).contains("Policy lab: 2 scenario(s) x 2 policies on 1 thread(s)")
                .contains("steady / beacon: 300 jobs");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("scenarios")).hasSize(2);
        assertThat(root.get("scenarios").get(1).get("name").asText()).isEqualTo("golem-outage");
        assertThat(root.get("scenarios").get(0).get("policies").get(1).get("name").asText()).isEqualTo("round-robin");
        assertThat(root.get("scenarios").get(0).get("policies").get(0).get("jobs").asInt()).isEqualTo(300);
        assertThat(Files.readString(chart)).startsWith("<svg").contains(">golem-outage</text>");
    }

    @Test
    void shouldRunAScenarioFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.yaml");
        Files.writeString(file, """
                name: mine
                description: two jobs on one node
                jobs: 2
                fleet:
                  - {id: node-1, provider: golem, capacity: 2}
                workload:
                  streams:
                    - arrivals: {process: batches, batch_size: 2, every_seconds: 60}
                      mix: [{}]
                """);

        int exit = simulate("--scenario", file.toString(), "--policy", "beacon", "--log-file",
                dir.resolve("lab.log").toString());

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("mine: two jobs on one node").containsPattern("beacon\\s+2\\s+100\\.00%");
    }

    @Test
    void shouldNameTheFieldOfABadScenarioFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "name: bad\njobs: 2\nfleet: demo\nworkload: {streams: [{arrivals: {process: poisson}, mix: [{}]}]}\n");

        int exit = simulate("--scenario", file.toString(), "--log-file", dir.resolve("lab.log").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("bad.yaml: workload.streams[0].arrivals.rate_per_second: is required");
    }

    @Test
    void shouldRefuseAnUnknownScenarioOrPolicy() {
        assertThat(simulate("--scenario", "tuesday")).isEqualTo(2);
        assertThat(err.toString()).contains("no scenario file tuesday and no built-in scenario of that name");
        assertThat(simulate("--policy", "coin-flip")).isEqualTo(2);
        assertThat(err.toString()).contains("no policy coin-flip");
    }

    @Test
    void shouldListTheBuiltInScenariosAndThePolicies() {
        assertThat(simulate("--list")).isZero();
        assertThat(out.toString()).contains("benchmark-batch", "cold-start-storm", "price-sort-fallback",
                "beacon-no-deadline");
    }
}
