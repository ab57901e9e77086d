package io.beacon.lab.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.beacon.lab.scenario.Scenario.Action;
import io.beacon.lab.scenario.Scenario.Arrivals;
import io.beacon.lab.scenario.Scenario.Fault;
import io.beacon.lab.scenario.Scenario.JobClass;
import io.beacon.lab.scenario.Scenario.LatencyClass;
import io.beacon.lab.scenario.Scenario.Process;
import io.beacon.lab.scenario.Scenario.Stream;
import io.beacon.sim.LatencyModel;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.sim.SimulatorFleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a scenario file (YAML, or JSON, which is YAML too); the format is documented in
 * {@code docs/policy-lab.md}. Every problem is reported with the file and the field it is about, and an
 * unknown field is an error, so a misspelt setting is never silently ignored.
 */
public final class ScenarioReader {

    /** Every deployment of the default fleet serves it: the lab's default model. */
    public static final String DEFAULT_MODEL = "llama3.2:1b";
    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(120);
    private static final Duration DEFAULT_WARM_UP = Duration.ofSeconds(10);
    /** The simulators' natural answer: 24 + up to 71 more tokens (TextSynth), cut at max_tokens. */
    private static final int NATURAL_MIN_TOKENS = 24;
    private static final int NATURAL_MAX_TOKENS = 95;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ScenarioReader() {
    }

    public static Scenario read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ScenarioException("cannot read scenario file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** @param source names the text in error messages (a file name) */
    public static Scenario parse(String text, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ScenarioException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ScenarioException(source + ": must be a mapping with name, jobs, fleet, workload (and faults)");
        }
        try {
            return scenario(new SpecNode(root, ""));
        } catch (ScenarioException e) {
            throw new ScenarioException(source + ": " + e.getMessage(), e);
        }
    }

    private static Scenario scenario(SpecNode s) {
        s.only(Set.of("name", "description", "seed", "jobs", "warm_up_seconds", "fleet", "workload", "faults"));
        String name = s.string("name", null);
        List<SimulatedDeployment> fleet = fleet(s);
        SpecNode workload = s.object("workload").only(Set.of("streams"));
        List<Stream> streams = new ArrayList<>();
        for (SpecNode stream : workload.list("streams", true)) {
            streams.add(stream(stream));
        }
        if (streams.isEmpty()) {
            throw SpecNode.problem("workload.streams", "needs at least one stream");
        }
        List<Fault> faults = new ArrayList<>();
        for (SpecNode fault : s.list("faults", false)) {
            faults.add(fault(fault, fleet));
        }
        return new Scenario(name, s.string("description", name), s.integer("seed", 42, Long.MIN_VALUE + 1),
                (int) s.integer("jobs", Long.MIN_VALUE, 1), seconds(s.number("warm_up_seconds",
                DEFAULT_WARM_UP.toSeconds(), 0)), fleet, streams, faults);
    }

    private static List<SimulatedDeployment> fleet(SpecNode s) {
        SpecNode fleet = s.raw("fleet");
        if (fleet == null) {
            throw SpecNode.problem("fleet", "is required: demo (the demo's fleet) or a list of deployments");
        }
        if (fleet.isText()) {
            if (!fleet.text().equals("demo")) {
                throw fleet.problem("the only named fleet is demo (got " + fleet.text() + ")");
            }
            return SimulatorFleet.demoDeployments();
        }
        List<SimulatedDeployment> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (SpecNode d : s.list("fleet", true)) {
            SimulatedDeployment deployment = deployment(d);
            if (!ids.add(deployment.id())) {
                throw d.problem("deployment id " + deployment.id() + " is listed twice");
            }
            out.add(deployment);
        }
        if (out.isEmpty()) {
            throw fleet.problem("needs at least one deployment");
        }
        return out;
    }

    private static SimulatedDeployment deployment(SpecNode d) {
        d.only(Set.of("id", "provider", "region", "models", "price_per_second_usd", "capacity", "slots_per_unit",
                "queue_limit", "latency", "cold_start_ms", "idle_window_ms", "start_fee_usd", "active_units",
                "active_price_per_second_usd"));
        String id = d.string("id", null);
        SimProvider provider = provider(d, "provider");
        SimulatedDeployment.Builder b = SimulatedDeployment.builder(id, provider);
        SimulatedDeployment defaults = b.build();
        b.region(d.string("region", defaults.region()));
        b.models(d.strings("models", List.of(DEFAULT_MODEL)));
        b.pricePerSecondUsd(d.number("price_per_second_usd", defaults.pricePerSecondUsd(), 0));
        int capacity = (int) d.integer("capacity", defaults.capacity(), 1);
        b.capacity(capacity);
        if (d.has("slots_per_unit")) {
            b.slotsPerUnit((int) d.integer("slots_per_unit", 1, 1));
        }
        b.queueLimit((int) d.integer("queue_limit", defaults.queueLimit(), 0));
        SpecNode latency = d.optionalObject("latency");
        if (latency != null) {
            latency.only(Set.of("median_ms", "sigma", "per_token_ms"));
            b.latency(new LatencyModel(millis(latency.number("median_ms", Double.NaN, 0)),
                    latency.number("sigma", 0, 0), millis(latency.number("per_token_ms", 0, 0))));
        }
        b.coldStart(millis(d.number("cold_start_ms", defaults.coldStart().toMillis(), 0)));
        b.idleTimeout(millis(d.number("idle_window_ms", defaults.idleTimeout().toMillis(), 0)));
        b.startFeeUsd(d.number("start_fee_usd", 0, 0));
        b.activeUnits((int) d.integer("active_units", 0, 0));
        b.activePricePerSecondUsd(d.number("active_price_per_second_usd", 0, 0));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw d.problem(e.getMessage());
        }
    }

    private static Stream stream(SpecNode s) {
        s.only(Set.of("name", "arrivals", "mix"));
        String name = s.string("name", "stream");
        SpecNode a = s.object("arrivals").only(Set.of("process", "rate_per_second", "peak_to_trough", "period_seconds",
                "burst_factor", "burst_seconds", "every_seconds", "first_at_seconds", "batch_size"));
        Process process = enumValue(a, "process", Process.class, null);
        Arrivals arrivals = switch (process) {
            case POISSON -> new Arrivals(process, a.positive("rate_per_second", Double.NaN), 1, null, 1, null, null,
                    null, 0);
            case DIURNAL -> {
                double ratio = a.number("peak_to_trough", Double.NaN, 1);
                yield new Arrivals(process, a.positive("rate_per_second", Double.NaN), ratio,
                        seconds(a.positive("period_seconds", Double.NaN)), 1, null, null, null, 0);
            }
            case BURSTS -> new Arrivals(process, a.positive("rate_per_second", Double.NaN), 1, null,
                    a.number("burst_factor", Double.NaN, 1), seconds(a.positive("burst_seconds", Double.NaN)),
                    seconds(a.positive("every_seconds", Double.NaN)), seconds(a.number("first_at_seconds", 0, 0)), 0);
            case BATCHES -> new Arrivals(process, 0, 1, null, 1, null, seconds(a.positive("every_seconds", Double.NaN)),
                    seconds(a.number("first_at_seconds", 0, 0)), (int) a.integer("batch_size", Long.MIN_VALUE, 1));
        };
        List<JobClass> mix = new ArrayList<>();
        for (SpecNode c : s.list("mix", true)) {
            mix.add(jobClass(c));
        }
        if (mix.isEmpty()) {
            throw s.problem("mix needs at least one job class");
        }
        return new Stream(name, arrivals, mix);
    }

    private static JobClass jobClass(SpecNode c) {
        c.only(Set.of("name", "weight", "latency_class", "deadline_seconds", "cost_priority", "models", "max_tokens",
                "output_tokens", "region_preference", "provider_preference"));
        LatencyClass latencyClass = enumValue(c, "latency_class", LatencyClass.class, LatencyClass.BATCH);
        Boolean costPriority = c.bool("cost_priority");
        Map<Integer, Double> maxTokens = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : c.weights("max_tokens", Map.of("256", 0.8, "512", 0.2)).entrySet()) {
            try {
                int tokens = Integer.parseInt(e.getKey());
                if (tokens < 1) {
                    throw new NumberFormatException();
                }
                maxTokens.put(tokens, e.getValue());
            } catch (NumberFormatException bad) {
                throw SpecNode.problem(c.child("max_tokens"), "keys must be whole numbers >= 1 (got " + e.getKey() + ")");
            }
        }
        int outMin = NATURAL_MIN_TOKENS;
        int outMax = NATURAL_MAX_TOKENS;
        SpecNode out = c.optionalObject("output_tokens");
        if (out != null) {
            out.only(Set.of("min", "max"));
            outMin = (int) out.integer("min", NATURAL_MIN_TOKENS, 0);
            outMax = (int) out.integer("max", NATURAL_MAX_TOKENS, outMin);
        }
        Map<String, Double> providers = c.weights("provider_preference", Map.of("none", 1.0));
        for (String order : providers.keySet()) {
            if (!order.equals("none")) {
                for (String p : order.split(",")) {
                    try {
                        SimProvider.valueOf(p.trim().toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw SpecNode.problem(c.child("provider_preference"), "unknown provider " + p.trim()
                                + " (golem, modal, runpod, or a list like runpod,modal; none for no preference)");
                    }
                }
            }
        }
        return new JobClass(c.string("name", latencyClass.label()), c.number("weight", 1, 0), latencyClass,
                seconds(c.positive("deadline_seconds", DEFAULT_DEADLINE.toSeconds())),
                costPriority != null ? costPriority : latencyClass == LatencyClass.BATCH,
                c.weights("models", Map.of(DEFAULT_MODEL, 1.0)), maxTokens, outMin, outMax,
                c.weights("region_preference", Map.of("none", 1.0)), providers);
    }

    private static Fault fault(SpecNode f, List<SimulatedDeployment> fleet) {
        f.only(Set.of("at_seconds", "at_fraction", "for_seconds", "for_fraction", "target", "action", "status", "rate",
                "factor", "mean_up_seconds", "mean_down_seconds"));
        Action action = enumValue(f, "action", Action.class, null);
        SpecNode target = f.object("target").only(Set.of("provider", "deployments"));
        String provider = null;
        List<String> ids = List.of();
        if (target.has("provider") == target.has("deployments")) {
            throw target.problem("give either provider (golem, modal, runpod) or deployments (a list of ids)");
        }
        if (target.has("provider")) {
            provider = provider(target, "provider").name().toLowerCase(Locale.ROOT);
        } else {
            ids = target.strings("deployments", null);
            for (String id : ids) {
                if (fleet.stream().noneMatch(d -> d.id().equals(id))) {
                    throw SpecNode.problem(target.child("deployments"), "no deployment " + id + " in the fleet");
                }
            }
        }
        if (f.has("at_seconds") == f.has("at_fraction")) {
            throw f.problem("give either at_seconds or at_fraction (a share of the sending window, 0 to 1)");
        }
        if (f.has("for_seconds") && f.has("for_fraction")) {
            throw f.problem("give for_seconds or for_fraction, not both");
        }
        Duration at = f.has("at_seconds") ? seconds(f.number("at_seconds", Double.NaN, 0)) : null;
        double atFraction = f.has("at_fraction") ? fraction(f, "at_fraction") : Double.NaN;
        Duration duration = f.has("for_seconds") ? seconds(f.positive("for_seconds", Double.NaN)) : null;
        double durationFraction = f.has("for_fraction") ? fraction(f, "for_fraction") : Double.NaN;
        int status = (int) f.integer("status", 503, 400);
        if (status > 599) {
            throw SpecNode.problem(f.child("status"), "must be an HTTP error status 400..599");
        }
        double rate = f.number("rate", action == Action.FAIL_RATE ? Double.NaN : 0, 0);
        if (rate > 1) {
            throw SpecNode.problem(f.child("rate"), "must be a share from 0 to 1");
        }
        boolean needsFactor = action == Action.SLOW || action == Action.PRICE;
        double factor = needsFactor ? f.positive("factor", Double.NaN) : 1;
        Duration meanUp = null;
        Duration meanDown = null;
        if (action == Action.CHURN) {
            meanUp = seconds(f.positive("mean_up_seconds", Double.NaN));
            meanDown = seconds(f.positive("mean_down_seconds", Double.NaN));
        }
        if (action == Action.LEAVE || action == Action.CHURN) {
            List<SimulatedDeployment> targets = new ArrayList<>();
            for (SimulatedDeployment d : fleet) {
                if (provider != null ? d.provider().name().equalsIgnoreCase(provider) : ids.contains(d.id())) {
                    targets.add(d);
                }
            }
            if (targets.stream().anyMatch(d -> d.provider() != SimProvider.GOLEM)) {
                throw target.problem(action.label() + " applies to Golem nodes only (a leased node leaves; a"
                        + " serverless endpoint scales instead)");
            }
        }
        return new Fault(at, atFraction, duration, durationFraction, provider, ids, action, status, rate, factor, meanUp,
                meanDown);
    }

    private static double fraction(SpecNode f, String field) {
        double v = f.number(field, Double.NaN, 0);
        if (v > 1) {
            throw SpecNode.problem(f.child(field), "must be a share of the sending window, 0 to 1 (got " + v + ")");
        }
        return v;
    }

    private static SimProvider provider(SpecNode node, String field) {
        String text = node.string(field, null);
        try {
            return SimProvider.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw SpecNode.problem(node.child(field), "must be golem, modal or runpod (got " + text + ")");
        }
    }

    private static <E extends Enum<E>> E enumValue(SpecNode node, String field, Class<E> type, E fallback) {
        String text = node.string(field, fallback == null ? null : fallback.name());
        String key = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return Enum.valueOf(type, key);
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E value : type.getEnumConstants()) {
                names.add(value.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw SpecNode.problem(node.child(field), "must be one of " + String.join(", ", names) + " (got " + text + ")");
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    private static Duration millis(double ms) {
        return Duration.ofNanos(Math.round(ms * 1e6));
    }
}
