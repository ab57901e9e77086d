package io.beacon.lab.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.lab.engine.PolicyResult;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class ReportsTest {

    private final List<ScenarioResult> results = List.of(
            new ScenarioResult("steady", "every deployment behaves", List.of(
                    result("beacon", 1000, 1000, 0.15, 1040, 3100, 0.58, 0),
                    result("cheapest-first", 1000, 300, 0.05, 60_000, 120_000, 1.0, 700))),
            new ScenarioResult("nothing-works", "every deployment fails", List.of(
                    result("beacon", 10, 0, 0.01, 120_000, 120_000, 0, 10))));

    @Test
    void shouldWriteExactlyThePromisedJsonShape(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/lab.json");

        JsonReport.write(results, file);

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        assertThat(fields(root)).containsExactly("scenarios");
        JsonNode steady = root.get("scenarios").get(0);
        assertThat(fields(steady)).containsExactly("name", "policies");
        assertThat(steady.get("name").asText()).isEqualTo("steady");
        JsonNode beacon = steady.get("policies").get(0);
        assertThat(fields(beacon)).containsExactly("name", "jobs", "succeeded", "cost_per_inference_usd", "latency_ms",
                "baseline_share", "deadline_misses");
        assertThat(fields(beacon.get("latency_ms"))).containsExactly("p50", "p99");
        assertThat(beacon.get("jobs").asInt()).isEqualTo(1000);
        assertThat(beacon.get("succeeded").asInt()).isEqualTo(1000);
        assertThat(beacon.get("cost_per_inference_usd").asDouble()).isEqualTo(0.00015);
        assertThat(beacon.get("latency_ms").get("p99").asLong()).isEqualTo(3100);
        assertThat(beacon.get("baseline_share").asDouble()).isEqualTo(0.58);
        assertThat(steady.get("policies").get(1).get("deadline_misses").asInt()).isEqualTo(700);
        JsonNode none = root.get("scenarios").get(1).get("policies").get(0);
        assertThat(none.get("cost_per_inference_usd").isNull()).as("nothing succeeded: no cost per inference").isTrue();
    }

    @Test
    void shouldPrintOneTablePerScenarioWithTheRequiredColumns() {
        StringWriter text = new StringWriter();

        ResultTable.print(results, new PrintWriter(text));

        String out = text.toString();
        assertThat(out).contains("steady: every deployment behaves", "nothing-works: every deployment fails");
        assertThat(out.lines().filter(l -> l.startsWith("policy"))).hasSize(2)
                .allSatisfy(header -> assertThat(header.split("\\s+")).containsExactly("policy", "jobs", "success",
                        "$/inference", "p50", "ms", "p99", "ms", "baseline", "misses"));
        assertThat(out).containsPattern("beacon\\s+1000\\s+100\\.00%\\s+0\\.000150\\s+1040\\s+3100\\s+58\\.0%\\s+0")
                .containsPattern("cheapest-first\\s+1000\\s+30\\.00%\\s+0\\.000167\\s+60000\\s+120000\\s+100\\.0%\\s+700");
    }

    @Test
    void shouldDrawOnePanelPerScenarioAndOnePointPerPolicyWithACost(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lab.svg");

        SvgChart.write(results, file);

        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(Files.readAllBytes(file)));
        assertThat(svg.getDocumentElement().getTagName()).isEqualTo("svg");
        List<String> titles = new ArrayList<>();
        NodeList texts = svg.getElementsByTagName("title");
        for (int i = 0; i < texts.getLength(); i++) {
            titles.add(texts.item(i).getTextContent());
        }
        // Two points on the steady panel; none on the other, where nothing succeeded and no cost exists.
        assertThat(titles).containsExactly("beacon: 100.00% success, $0.000150 per inference",
                "cheapest-first: 30.00% success, $0.000167 per inference");
        String content = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(content).contains(">steady</text>", ">nothing-works</text>", ">success</text>",
                ">cost per inference</text>");
    }

    private static PolicyResult result(String policy, int jobs, int succeeded, double billedUsd, long p50, long p99,
                                       double share, int misses) {
        return new PolicyResult(policy, jobs, succeeded, billedUsd, p50, p99, share, misses, Map.of(), Map.of(), 0, 0,
                0, 100, 1);
    }

    private static List<String> fields(JsonNode node) {
        List<String> out = new ArrayList<>();
        Iterator<String> names = node.fieldNames();
        names.forEachRemaining(out::add);
        return out;
    }
}
