package io.beacon.router.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.beacon.router.policy.DeploymentConditions;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The router's read-only endpoints, answered from {@link RouterQueries}: {@code GET /health} in the shape
 * the runner's health monitor reads ({@code status, providers_total, providers_healthy, regions}),
 * {@code GET /providers} with every deployment's live state (its models by the runner's and the provider's
 * names among it) and each provider's queue, and
 * {@code GET /jobs/{id}} from whichever instance owns the job.
 */
public final class RouterQueryEndpoints {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient FORWARD = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final RouterQueries queries;
    private final String self;
    private final Optional<String> authToken;
    private final Optional<BearerAuth> auth;

    /**
     * @param queries   the running router's view
     * @param self      this instance's address ({@code host:port}), as other instances reach it
     * @param authToken the token a query forwarded to another instance carries, if the API has one
     */
    public RouterQueryEndpoints(RouterQueries queries, String self, Optional<String> authToken) {
        this.queries = Objects.requireNonNull(queries, "queries");
        this.self = Objects.requireNonNull(self, "self");
        this.authToken = Objects.requireNonNull(authToken, "authToken");
        this.auth = authToken.map(BearerAuth::new);
    }

    /** Mounts the endpoints; {@code /health} stays open, since the runner's health monitor sends no token. */
    public void mountOn(RouterHttpServer server) {
        server.mountOpen("/health", this::health);
        server.mount("/providers", this::providers);
        server.mount("/jobs/", this::job);
    }

    /**
     * {@code GET /jobs/{id}}: the job's state from whichever instance owns it. The owner is found from
     * Kafka Streams' metadata; a query that lands elsewhere is forwarded once to the owner.
     */
    private void job(HttpExchange exchange) throws IOException {
        if (!allow(exchange, "GET")) {
            return;
        }
        String jobId = URLDecoder.decode(exchange.getRequestURI().getRawPath().substring("/jobs/".length()),
                StandardCharsets.UTF_8);
        boolean forwarded = "forwarded=1".equals(exchange.getRequestURI().getRawQuery());
        if (jobId.isBlank()) {
            send(exchange, 400, error("give a job id: /jobs/{id}"));
            return;
        }
        if (queries.state() != KafkaStreams.State.RUNNING) {
            send(exchange, 503, error("router is " + queries.state().name().toLowerCase(Locale.ROOT) + "; try again"));
            return;
        }
        // The job lives in the partition its request was written to. Streams' metadata names the owner
        // when the runner used Java's partitioner; another partitioner (librdkafka's CRC32) may have put it
        // elsewhere, so this instance looks in all its partitions and then asks the others, owner first.
        var local = queries.localJobAnyPartition(jobId);
        if (local.isPresent()) {
            send(exchange, 200, JobJson.of(local.get(), self));
            return;
        }
        if (forwarded) {
            send(exchange, 404, error("no job " + jobId + " on " + self));
            return;
        }
        List<String> others = queries.otherInstances(jobId);
        String unreachable = null;
        for (String hostPort : others) {
            try {
                HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create("http://" + hostPort
                        + "/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "?forwarded=1"))
                        .timeout(Duration.ofSeconds(5)).GET();
                // Every instance has the same token: the owner checks the forwarded query like any other.
                authToken.ifPresent(token -> forward.header("Authorization", "Bearer " + token));
                HttpResponse<byte[]> answer = FORWARD.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                if (answer.statusCode() == 404) {
                    continue;
                }
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
                exchange.getResponseBody().write(answer.body());
                exchange.close();
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(exchange, 503, error("interrupted while asking " + hostPort));
                return;
            } catch (IOException e) {
                unreachable = hostPort + ": " + e.getMessage();
            }
        }
        if (unreachable != null) {
            send(exchange, 502, error("no instance that answered has job " + jobId + "; " + unreachable));
        } else {
            send(exchange, 404, error("no job " + jobId + " (never requested, or finished and forgotten)"));
        }
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private void health(HttpExchange exchange) throws IOException {
        if (!allow(exchange, "GET")) {
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        KafkaStreams.State state = queries.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            body.put("status", "unhealthy");
            body.put("providers_total", 0);
            body.put("providers_healthy", 0);
            body.putArray("regions");
            body.put("error", "router is " + state.name().toLowerCase(Locale.ROOT));
            send(exchange, 503, body);
            return;
        }
        Instant now = Instant.now();
        List<ProviderStatus> deployments = queries.deployments();
        // A deployment whose provider's worker group has stalled or lags far behind is as good as down for
        // a new job, whatever its heartbeat says.
        List<ProviderStatus> usable = deployments.stream()
                .filter(d -> queries.isUsable(d, now) && queries.backlog(d.getProvider()).isEmpty()).toList();
        long healthy = usable.size();
        TreeSet<String> regions = new TreeSet<>();
        usable.forEach(d -> regions.add(d.getRegion()));
        body.put("status", healthy == 0 ? "unhealthy" : healthy < deployments.size() ? "degraded" : "healthy");
        body.put("providers_total", deployments.size());
        body.put("providers_healthy", healthy);
        ArrayNode regionArray = body.putArray("regions");
        regions.forEach(regionArray::add);
        // Beyond the runner's fields: each deployment's condition, and why one is out. /health is open (the
        // runner's monitor sends no token), so with a token configured the reasons (which may name hosts) are
        // shown only to a request that carries it.
        boolean reasons = auth.isEmpty() || authorized(exchange);
        ArrayNode each = body.putArray("deployments");
        deployments.stream().sorted(Comparator.comparing(ProviderStatus::getDeploymentId)).forEach(d -> {
            ObjectNode node = each.addObject();
            node.put("deployment_id", d.getDeploymentId());
            node.put("provider", d.getProvider().name().toLowerCase(Locale.ROOT));
            node.put("condition", condition(d, now));
            node.put("usable", usable.contains(d));
            String reason = reason(d, now);
            if (reasons && reason != null) {
                node.put("reason", reason);
            }
        });
        send(exchange, 200, body);
    }

    /** True when the request carries the configured bearer token. */
    private boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                && auth.map(a -> a.matches(header.substring(7).trim())).orElse(false);
    }

    /**
     * The deployment's condition as the router sees it, lower-cased: its heartbeat's (serving, unhealthy,
     * misconfigured, retired), or {@code stale} when no heartbeat came in time (its worker is gone or cut off).
     */
    private String condition(ProviderStatus d, Instant now) {
        if (!DeploymentConditions.outOfService(d) && !queries.isUsable(d, now) && d.getHealthy()) {
            return "stale";
        }
        return DeploymentConditions.of(d).name().toLowerCase(Locale.ROOT);
    }

    /** Why the deployment takes no jobs (or not all it was set up for), or null when it takes them all. */
    private String reason(ProviderStatus d, Instant now) {
        if (DeploymentConditions.outOfService(d) || !d.getHealthy()) {
            return d.getError() != null ? d.getError() : DeploymentConditions.of(d).name().toLowerCase(Locale.ROOT);
        }
        if (!queries.isUsable(d, now)) {
            return "heartbeat stale since " + d.getObservedAt();
        }
        if (d.getError() != null && !d.getError().isBlank()) {
            // Serving, but not everything it was set up for (e.g. a configured model missing there).
            return d.getError();
        }
        return queries.backlog(d.getProvider()).map(why -> "provider queue behind: " + why).orElse(null);
    }

    private void providers(HttpExchange exchange) throws IOException {
        if (!allow(exchange, "GET")) {
            return;
        }
        Instant now = Instant.now();
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("deployments");
        Map<String, DeploymentStats> learned = queries.deploymentStats();
        // Each provider's job queue as its worker group's lag shows it.
        ArrayNode queues = body.putArray("queues");
        for (ProviderKind kind : ProviderKind.values()) {
            if (kind == ProviderKind.UNKNOWN) {
                continue;
            }
            String group = queries.workerGroup(kind);
            ObjectNode queue = queues.addObject();
            queue.put("provider", kind.name().toLowerCase(Locale.ROOT));
            queue.put("group", group);
            queries.lag().groups().stream().filter(g -> g.group().equals(group)).findFirst().ifPresentOrElse(g -> {
                queue.put("status", g.status().name());
                queue.put("lag", g.totalLag());
                queue.put("lag_seconds", g.maxLagSeconds());
            }, () -> queue.put("status", "UNKNOWN"));
            queries.backlog(kind).ifPresentOrElse(why -> queue.put("behind", why), () -> queue.putNull("behind"));
        }
        queries.deployments().stream().sorted(Comparator.comparing(ProviderStatus::getDeploymentId)).forEach(d -> {
            ObjectNode node = list.addObject();
            node.put("deployment_id", d.getDeploymentId());
            node.put("provider", d.getProvider().name().toLowerCase(Locale.ROOT));
            node.put("region", d.getRegion());
            node.put("healthy", queries.isUsable(d, now) && queries.backlog(d.getProvider()).isEmpty());
            node.put("reported_healthy", d.getHealthy());
            // serving, unhealthy, misconfigured (out until a probe shows it fixed), retired, or stale; with
            // the reason whenever it takes no jobs.
            node.put("condition", condition(d, now));
            String reason = reason(d, now);
            if (reason != null) {
                node.put("reason", reason);
            }
            node.put("circuit_state", d.getCircuitState().name());
            node.put("price_per_second_usd", d.getPricePerSecondUsd());
            node.put("capacity", d.getCapacity());
            node.put("in_flight", d.getInFlight());
            node.put("queued", d.getQueued());
            node.put("billing_model", d.getBillingModel().name());
            node.put("idle_window_ms", d.getIdleWindowMs());
            node.put("warm_slots", d.getWarmSlots());
            node.put("heartbeat_age_ms", now.toEpochMilli() - d.getObservedAt().toEpochMilli());
            if (d.getProbeLatencyMs() != null) {
                node.put("probe_latency_ms", d.getProbeLatencyMs());
            }
            if (d.getError() != null) {
                node.put("error", d.getError());
            }
            ArrayNode models = node.putArray("models");
            d.getModels().forEach(models::add);
            // The model catalogue: each model by the runner's name and by the name the deployment's provider
            // knows it (a vLLM deployment's Hugging Face id, an Ollama tag); the same name when the worker
            // reported none.
            ObjectNode providerModels = node.putObject("provider_models");
            d.getModels().forEach(m -> providerModels.put(m, d.getProviderModels().getOrDefault(m, m)));
            DeploymentStats stats = learned.get(d.getDeploymentId());
            if (stats != null) {
                ObjectNode l = node.putObject("learned");
                l.put("attempts", stats.getAttempts());
                l.put("successes", stats.getSuccesses());
                l.put("retryable_failures", stats.getRetryableFailures());
                l.put("permanent_failures", stats.getPermanentFailures());
                l.put("error_rate", stats.getErrorRate());
                l.put("latency_ewma_ms", Math.round(stats.getLatencyEwmaMs()));
                l.put("latency_p95_ms", percentile(stats.getRecentLatenciesMs(), 95));
                l.put("billed_seconds_ewma", stats.getBilledSecondsEwma());
                // Money from the cost ledger: attempts of every outcome, probes, idle capacity and fees.
                l.put("cost_usd_total", stats.getCostUsdTotal());
                l.put("idle_cost_usd_total", stats.getIdleCostUsdTotal());
                l.put("attempt_cost_ewma_usd", stats.getAttemptCostEwmaUsd());
                // The one definition of cost per inference: all money billed / successful inferences.
                l.put("cost_per_inference_usd", stats.getSuccesses() == 0 ? 0
                        : stats.getCostUsdTotal() / stats.getSuccesses());
                l.put("consecutive_failures", stats.getConsecutiveFailures());
                boolean open = stats.getOpenUntil() != null && stats.getOpenUntil().isAfter(now);
                l.put("router_circuit", open ? "OPEN" : "CLOSED");
            }
        });
        send(exchange, 200, body);
    }

    static long percentile(List<Long> values, int percentile) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static boolean allow(HttpExchange exchange, String method) throws IOException {
        if (exchange.getRequestMethod().equalsIgnoreCase(method)) {
            return true;
        }
        exchange.getResponseHeaders().add("Allow", method);
        ObjectNode error = JSON.createObjectNode().put("error", "method " + exchange.getRequestMethod()
                + " not allowed on " + exchange.getRequestURI().getPath());
        send(exchange, 405, error);
        return false;
    }

    private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

}
