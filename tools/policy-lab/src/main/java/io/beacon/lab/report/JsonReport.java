package io.beacon.lab.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.lab.engine.PolicyResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The results as JSON, in exactly the shape the lab promises (no other field):
 * <pre>{"scenarios":[{"name","policies":[{"name","jobs","succeeded","cost_per_inference_usd",
 * "latency_ms":{"p50","p99"},"baseline_share","deadline_misses"}]}]}</pre>
 * {@code cost_per_inference_usd} is null when nothing succeeded.
 */
public final class JsonReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    public static ObjectNode toJson(List<ScenarioResult> scenarios) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("scenarios");
        for (ScenarioResult scenario : scenarios) {
            ObjectNode s = list.addObject();
            s.put("name", scenario.name());
            ArrayNode policies = s.putArray("policies");
            for (PolicyResult p : scenario.policies()) {
                ObjectNode o = policies.addObject();
                o.put("name", p.policy());
                o.put("jobs", p.jobs());
                o.put("succeeded", p.succeeded());
                if (Double.isNaN(p.costPerInferenceUsd())) {
                    o.putNull("cost_per_inference_usd");
                } else {
                    o.put("cost_per_inference_usd", p.costPerInferenceUsd());
                }
                ObjectNode latency = o.putObject("latency_ms");
                latency.put("p50", p.p50Ms());
                latency.put("p99", p.p99Ms());
                o.put("baseline_share", p.baselineShare());
                o.put("deadline_misses", p.deadlineMisses());
            }
        }
        return root;
    }

    public static void write(List<ScenarioResult> scenarios, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            JSON.writeValue(file.toFile(), toJson(scenarios));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
