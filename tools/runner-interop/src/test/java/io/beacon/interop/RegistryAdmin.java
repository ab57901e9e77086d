package io.beacon.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The registry calls an operator or a test makes over the Confluent REST API, independent of Beacon's
 * own registry client so that the checks do not share its assumptions.
 */
final class RegistryAdmin {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    /** One answer: status code and parsed JSON body (null when the body is empty or not JSON). */
    record Reply(int status, JsonNode body) {

        int errorCode() {
            return body == null ? -1 : body.path("error_code").asInt(-1);
        }
    }

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    RegistryAdmin(String baseUrl) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
    }

    /** Sets the registry-wide compatibility level ({@code PUT /config}); fails unless the registry accepts it. */
    /** Sets {@code subject}'s own compatibility level, as a registry operator would. */
    void setSubjectCompatibility(String subject, String level) {
        Reply reply = send("PUT", "/config/" + encode(subject),
                json.createObjectNode().put("compatibility", level).toString());
        ok(reply, "PUT /config/" + subject);
    }

    void setCompatibility(String level) {
        Reply reply = send("PUT", "/config", json.createObjectNode().put("compatibility", level).toString());
        if (reply.status() != 200) {
            throw new IllegalStateException("registry at " + baseUrl + " refused compatibility " + level + ": HTTP "
                    + reply.status() + " " + reply.body());
        }
    }

    /** The registry-wide compatibility level ({@code GET /config}). */
    String compatibility() {
        return ok(send("GET", "/config", null), "GET /config").path("compatibilityLevel").asText();
    }

    List<String> subjects() {
        List<String> subjects = new ArrayList<>();
        ok(send("GET", "/subjects", null), "GET /subjects").forEach(node -> subjects.add(node.asText()));
        return subjects;
    }

    /** The schema id of the subject's latest version. */
    int latestId(String subject) {
        String path = "/subjects/" + encode(subject) + "/versions/latest";
        return ok(send("GET", path, null), "GET " + path).path("id").asInt(-1);
    }

    /** Registers {@code schemaJson} under {@code subject} and returns the registry's answer, whatever it is. */
    Reply register(String subject, String schemaJson) {
        String body = json.createObjectNode().put("schema", schemaJson).toString();
        return send("POST", "/subjects/" + encode(subject) + "/versions", body);
    }

    private JsonNode ok(Reply reply, String call) {
        if (reply.status() != 200 || reply.body() == null) {
            throw new IllegalStateException("registry at " + baseUrl + " answered " + call + " with HTTP "
                    + reply.status() + ": " + reply.body());
        }
        return reply.body();
    }

    private Reply send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), parse(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the registry at " + baseUrl + " for " + method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted calling " + method + " " + path, e);
        }
    }

    private JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
