package io.beacon.ops.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.ops.lag.GroupKind;
import io.beacon.ops.lag.GroupMembership;
import io.beacon.ops.lag.GroupOffsets;
import io.beacon.ops.lag.LagMonitor;
import io.beacon.ops.lag.OffsetSource;
import io.beacon.ops.metrics.InferenceMeters;
import io.beacon.ops.metrics.OpsMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpsHttpServerTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpsMetrics metrics = OpsMetrics.create("worker-modal");

    @AfterEach
    void close() {
        metrics.close();
    }

    /** One group, 3 records behind on one partition. */
    private static final class OneGroup implements OffsetSource {
        private final TopicPartition partition = new TopicPartition("provider-jobs.modal", 0);

        @Override
        public Map<String, GroupKind> listGroups() {
            return Map.of("beacon-worker-modal", GroupKind.CONSUMER);
        }

        @Override
        public Map<String, GroupOffsets> groupOffsets(Map<String, GroupKind> groups) {
            return Map.of("beacon-worker-modal", new GroupOffsets("beacon-worker-modal", Map.of(partition, 7L),
                    GroupMembership.ACTIVE));
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
            return Map.of(partition, 10L);
        }
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeMetricsLagAndHealth() throws Exception {
        // Given a worker's ops server with a lag monitor
        new InferenceMeters(metrics.registry()).recordDecision("modal", "baseline");
        try (LagMonitor monitor = LagMonitor.builder(new OneGroup()).group("beacon-worker-modal")
                .meterRegistry(metrics.registry()).build();
                OpsHttpServer server = OpsHttpServer.builder(metrics).host("127.0.0.1").port(0)
                        .lagMonitor(monitor).start()) {
            monitor.poll();

            // When
            HttpResponse<String> scrape = get(server.url() + "/metrics");
            HttpResponse<String> lag = get(server.url() + "/lag");
            HttpResponse<String> health = get(server.url() + "/health");

            // Then
            assertThat(server.port()).isPositive();
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type"))
                    .hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(scrape.body())
                    .contains("beacon_routing_decisions_total{application=\"worker-modal\",provider=\"modal\","
                            + "reason=\"baseline\"} 1.0")
                    .contains("beacon_consumer_lag{application=\"worker-modal\",group=\"beacon-worker-modal\","
                            + "partition=\"0\",topic=\"provider-jobs.modal\"} 3.0")
                    .contains("beacon_consumer_group_status{application=\"worker-modal\",group=\"beacon-worker-modal\"}"
                            + " 0.0");
            assertThat(lag.statusCode()).isEqualTo(200);
            assertThat(lag.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode report = JSON.readTree(lag.body());
            assertThat(report.get("stale").asBoolean()).isFalse();
            assertThat(report.get("groups").get(0).get("group").asText()).isEqualTo("beacon-worker-modal");
            assertThat(report.get("groups").get(0).get("total_lag").asLong()).isEqualTo(3);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void shouldAnswerOpenMetricsWhenAsked() throws Exception {
        try (OpsHttpServer server = OpsHttpServer.builder(metrics).host("127.0.0.1").port(0).start()) {
            // When
            HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0").GET().build(),
                    HttpResponse.BodyHandlers.ofString());

            // Then
            assertThat(scrape.headers().firstValue("Content-Type"))
                    .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertThat(scrape.body()).endsWith("# EOF\n");
        }
    }

    @Test
    void shouldRefuseOtherMethodsAndUnknownPaths() throws Exception {
        try (OpsHttpServer server = OpsHttpServer.builder(metrics).host("127.0.0.1").port(0).start()) {
            // When
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> unknown = get(server.url() + "/metricsx");
            HttpResponse<String> noLag = get(server.url() + "/lag");

            // Then
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("/health").contains("/metrics");
            assertThat(noLag.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void shouldNameTheSettingWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            // Given
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

            // When / Then
            assertThatThrownBy(() -> OpsHttpServer.builder(metrics).host("127.0.0.1").port(taken.getLocalPort())
                    .portSetting("metrics.port").start())
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasMessageContaining("setting: metrics.port");
        }
    }
}
