package io.beacon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Duration;

/**
 * {@code /__sim/*}: lets a person break and inspect a running demo with curl, on every simulator whatever its
 * protocol. No credentials, and never held by {@link FaultControl#unresponsive()}, so a broken simulator can
 * always be recovered.
 *
 * <pre>
 * curl -X POST http://127.0.0.1:18100/__sim/faults -d '{"mode":"fail","status":503}'
 * curl -X POST http://127.0.0.1:18100/__sim/faults -d '{"mode":"model-missing","model":"llama3.2:1b"}'
 * curl -X POST http://127.0.0.1:18102/__sim/faults -d '{"mode":"fail","status":401}'   # credentials refused
 * curl -X POST http://127.0.0.1:18100/__sim/faults -d '{"mode":"recover"}'
 * curl http://127.0.0.1:18100/__sim/stats
 * </pre>
 *
 * <p>{@code GET /__sim/stats} serves the counters of {@link SimStats} and the provider's running invoice:
 * {@code billed_usd} (US dollars that provider would charge so far: Golem's lease from first contact plus start fee,
 * Modal's container time up to scale-down, RunPod's flex worker seconds rounded up per worker period plus active
 * workers from first contact), {@code billing_model} (LEASE, CONTAINER or WORKER), {@code billed_unit_seconds},
 * {@code units_up}, {@code unit_starts}, {@code max_units}, {@code slots_per_unit} and {@code lease_started_at}
 * (ISO-8601 instant of the first request for Golem / RunPod active workers, else null). Reading it bills nothing.
 */
final class AdminHandler {

    static final String PREFIX = "/__sim/";

    private final ProviderSimulator simulator;
    private final SimEngine engine;

    AdminHandler(ProviderSimulator simulator, SimEngine engine) {
        this.simulator = simulator;
        this.engine = engine;
    }

    void handle(HttpExchange exchange) {
        String path = HttpIo.path(exchange);
        String method = exchange.getRequestMethod();
        if (path.equals("/__sim/faults") && method.equals("POST")) {
            applyFault(exchange);
        } else if (path.equals("/__sim/faults") && method.equals("GET")) {
            HttpIo.sendJson(exchange, 200, faultsJson());
        } else if (path.equals("/__sim/stats") && method.equals("GET")) {
            HttpIo.sendJson(exchange, 200, statsJson());
        } else {
            HttpIo.drainBody(exchange);
            HttpIo.sendJson(exchange, 404, HttpIo.object().put("error",
                    "unknown admin route; use POST /__sim/faults, GET /__sim/faults or GET /__sim/stats"));
        }
    }

    private void applyFault(HttpExchange exchange) {
        ObjectNode body;
        try {
            body = HttpIo.readJsonObject(exchange);
        } catch (HttpIo.BadRequestException e) {
            badRequest(exchange, e.getMessage());
            return;
        } catch (IOException e) {
            exchange.close();
            return;
        }
        FaultControl faults = simulator.faults();
        String mode = body.path("mode").asText("");
        try {
            switch (mode) {
                case "fail" -> faults.failAll(body.path("status").asInt(503));
                case "fail-rate" -> faults.failRate(number(body, "rate", 0.5));
                case "slow" -> faults.slowDown(number(body, "factor", 3.0));
                case "cold" -> faults.goCold();
                case "unresponsive" -> faults.unresponsive();
                case "mid-stream" -> faults.failMidStream();
                case "model-missing" -> faults.modelMissing(models(body));
                case "recover" -> faults.recover();
                case "redirect-after" -> faults.redirectAfter(Duration.ofMillis(body.path("millis").asLong(150_000)));
                default -> {
                    badRequest(exchange, "unknown mode '" + mode
                            + "'; expected fail|fail-rate|slow|cold|unresponsive|mid-stream|model-missing|recover"
                            + "|redirect-after");
                    return;
                }
            }
        } catch (IllegalArgumentException e) {
            badRequest(exchange, e.getMessage());
            return;
        }
        HttpIo.sendJson(exchange, 200, faultsJson());
    }

    private ObjectNode faultsJson() {
        FaultControl faults = simulator.faults();
        FaultControl.Faults active = faults.current();
        ObjectNode json = HttpIo.object();
        json.put("deployment", simulator.deployment().id());
        ObjectNode node = json.putObject("faults");
        if (active.failingAll()) {
            node.put("failAllStatus", active.failStatus());
        } else {
            node.putNull("failAllStatus");
        }
        node.put("failRate", active.failRate());
        node.put("slowDownFactor", active.slowFactor());
        node.put("midStream", active.midStream());
        node.put("unresponsive", active.unresponsive());
        node.put("coldRequested", faults.coldRequested());
        node.put("redirectAfterMs", faults.redirectAfter().toMillis());
        com.fasterxml.jackson.databind.node.ArrayNode missing = node.putArray("missingModels");
        faults.missingModels().stream().sorted().forEach(missing::add);
        return json;
    }

    private ObjectNode statsJson() {
        SimStats stats = simulator.stats();
        SimulatedDeployment deployment = simulator.deployment();
        ObjectNode json = HttpIo.object();
        json.put("deployment", deployment.id());
        json.put("provider", deployment.provider().name());
        json.put("region", deployment.region());
        json.put("baseUrl", simulator.baseUrl().toString());
        json.put("pricePerSecondUsd", deployment.pricePerSecondUsd());
        json.put("capacity", deployment.capacity());
        json.put("queueLimit", deployment.queueLimit());
        json.put("requestsTotal", stats.requestsTotal());
        json.put("succeeded", stats.succeeded());
        json.put("failed", stats.failed());
        json.put("rejected", stats.rejected());
        json.put("inFlight", stats.inFlight());
        json.put("queued", stats.queued());
        json.put("peakInFlight", stats.peakInFlight());
        json.put("coldStarts", stats.coldStarts());
        json.put("probes", stats.probes());
        // The running invoice: what the provider would charge so far under its own rule (README, "Billing").
        json.put("billing_model", stats.billingModel().name());
        json.put("billed_usd", stats.billedUsd());
        json.put("billed_unit_seconds", stats.billedUnitSeconds());
        json.put("units_up", stats.unitsUp());
        json.put("unit_starts", stats.unitStarts());
        json.put("max_units", deployment.maxUnits());
        json.put("slots_per_unit", deployment.slotsPerUnit());
        if (stats.leaseStartedAt() == null) {
            json.putNull("lease_started_at");
        } else {
            json.put("lease_started_at", stats.leaseStartedAt().toString());
        }
        json.put("warm", engine.warm());
        json.set("faults", faultsJson().get("faults"));
        return json;
    }

    /** {@code "model": "x"} or {@code "models": ["x", ...]}; neither: every model of the deployment. */
    private static String[] models(JsonNode body) {
        if (body.hasNonNull("model")) {
            if (!body.get("model").isTextual() || body.get("model").asText().isBlank()) {
                throw new IllegalArgumentException("'model' must be a model name");
            }
            return new String[] {body.get("model").asText()};
        }
        JsonNode list = body.get("models");
        if (list == null || list.isNull()) {
            return new String[0];
        }
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException("'models' must be a non-empty array of model names");
        }
        String[] names = new String[list.size()];
        for (int i = 0; i < names.length; i++) {
            if (!list.get(i).isTextual()) {
                throw new IllegalArgumentException("'models' must hold model names");
            }
            names[i] = list.get(i).asText();
        }
        return names;
    }

    private static double number(JsonNode body, String field, double fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException("'" + field + "' must be a number");
        }
        return value.asDouble();
    }

    private static void badRequest(HttpExchange exchange, String message) {
        HttpIo.sendJson(exchange, 400, HttpIo.object().put("error", message));
    }
}
