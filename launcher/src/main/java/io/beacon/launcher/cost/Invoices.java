package io.beacon.launcher.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The providers' side of the books: each simulated deployment's running invoice, read from its
 * {@code GET /__sim/stats} ({@code billed_usd}: what that provider would charge so far).
 *
 * @param readAt       when the reading started (the invoices run up to about then)
 * @param byDeployment billed US dollars per deployment id
 */
public record Invoices(Instant readAt, Map<String, Double> byDeployment) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public double totalUsd() {
        return byDeployment.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /**
     * Reads every simulator's invoice.
     *
     * @param statsUrls each simulator's {@code /__sim/stats} URL
     * @throws IOException naming the simulator when one cannot be read or has no {@code billed_usd}
     */
    public static Invoices read(List<URI> statsUrls) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Instant at = Instant.now();
        Map<String, Double> billed = new LinkedHashMap<>();
        for (URI url : statsUrls) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("invoice at " + url + " answered HTTP " + response.statusCode());
            }
            JsonNode stats = JSON.readTree(response.body());
            JsonNode usd = stats.get("billed_usd");
            if (usd == null || !usd.isNumber()) {
                throw new IOException("invoice at " + url + " has no numeric billed_usd");
            }
            billed.put(stats.path("deployment").asText(url.toString()), usd.doubleValue());
        }
        return new Invoices(at, Map.copyOf(billed));
    }
}
