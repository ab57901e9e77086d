package io.beacon.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/** A real HTTP client for the tests, as production code would use one (java.net.http, HTTP/1.1). */
final class SimHttp {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient client;

    private SimHttp(HttpClient.Redirect redirect) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(redirect)
                .build();
    }

    /** A client that does not follow redirects, to see Modal's 303 itself. */
    static SimHttp client() {
        return new SimHttp(HttpClient.Redirect.NEVER);
    }

    /** A client that follows redirects, as Modal's docs require of callers. */
    static SimHttp followingRedirects() {
        return new SimHttp(HttpClient.Redirect.NORMAL);
    }

    HttpResponse<String> get(URI uri, String... headers) {
        return send(request(uri, headers).GET().build());
    }

    HttpResponse<String> post(URI uri, String body, String... headers) {
        return send(postRequest(uri, body, headers));
    }

    CompletableFuture<HttpResponse<String>> postAsync(URI uri, String body, String... headers) {
        return client.sendAsync(postRequest(uri, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    CompletableFuture<HttpResponse<String>> getAsync(URI uri, String... headers) {
        return client.sendAsync(request(uri, headers).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(URI uri, String body, Duration timeout) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Posts and reads the body line by line as it arrives, recording when each line came. */
    StreamedResponse postStreaming(URI uri, String body, String... headers) {
        try {
            long sent = System.nanoTime();
            HttpResponse<Stream<String>> response =
                    client.send(postRequest(uri, body, headers), HttpResponse.BodyHandlers.ofLines());
            List<String> lines = new ArrayList<>();
            List<Duration> arrivals = new ArrayList<>();
            try (Stream<String> stream = response.body()) {
                stream.forEach(line -> {
                    lines.add(line);
                    arrivals.add(Duration.ofNanos(System.nanoTime() - sent));
                });
            }
            return new StreamedResponse(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""), lines, arrivals);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record StreamedResponse(int status, String contentType, List<String> lines, List<Duration> arrivals) {
        List<JsonNode> jsonLines() {
            return lines.stream().filter(line -> !line.isBlank()).map(SimHttp::json).toList();
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        return json(response.body());
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static URI at(URI base, String path) {
        return URI.create(base.toString() + path);
    }

    private HttpRequest postRequest(URI uri, String body, String... headers) {
        return request(uri, headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static HttpRequest.Builder request(URI uri, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
