package io.beacon.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class OpsMetricsTest {

    @Test
    void shouldTagEveryMeterWithTheApplicationAndBindJvmMetrics() {
        try (OpsMetrics metrics = OpsMetrics.create("worker-golem")) {
            // When
            String scrape = metrics.scrape("text/plain");

            // Then
            assertThat(scrape)
                    .contains("jvm_memory_used_bytes{application=\"worker-golem\"")
                    .contains("jvm_gc_")
                    .contains("jvm_threads_live_threads{application=\"worker-golem\"}")
                    .contains("jvm_classes_loaded_classes{application=\"worker-golem\"}")
                    .contains("system_cpu_count{application=\"worker-golem\"}")
                    .contains("process_uptime_seconds{application=\"worker-golem\"}");
        }
    }

    @Test
    void shouldAnswerOpenMetricsOnlyWhenTheScraperAcceptsIt() {
        try (OpsMetrics metrics = OpsMetrics.create("router")) {
            // Given
            String openMetrics = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

            // When / Then
            assertThat(metrics.contentType(null)).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
            assertThat(metrics.contentType("*/*")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
            assertThat(metrics.contentType(openMetrics))
                    .isEqualTo("application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertThat(metrics.scrape(openMetrics)).endsWith("# EOF\n");
            assertThat(metrics.scrape(null)).doesNotContain("# EOF");
            assertThat(metrics.contentType("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily"))
                    .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        }
    }

    @Test
    void shouldBindAndUnbindKafkaClientMetrics() {
        try (OpsMetrics metrics = OpsMetrics.create("worker-golem")) {
            // Given a producer with one metric of its own
            MockProducer<String, String> producer = new MockProducer<>();
            MetricName name = new MetricName("record-error-total", "producer-metrics", "",
                    Map.of("client-id", "worker-1"));
            producer.setMockMetrics(name, constant(name, 7.0));

            // When
            MetricsBinding binding = metrics.bind(producer);

            // Then
            assertThat(metrics.scrape(null)).contains("kafka_producer_record_error_total{application="
                    + "\"worker-golem\",client_id=\"worker-1\"");
            binding.close();
            assertThat(metrics.scrape(null)).doesNotContain("kafka_producer_record_error_total");
        }
    }

    @Test
    void shouldExplainWhyAnAdminThatIsNotAnAdminClientCannotBeBound() {
        try (OpsMetrics metrics = OpsMetrics.create("router")) {
            // Given an Admin that Admin.create did not make
            Admin notAnAdminClient = (Admin) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {Admin.class}, (proxy, method, args) -> null);

            // When / Then
            assertThatThrownBy(() -> metrics.bind(notAnAdminClient))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AdminClient");
        }
    }

    private static Metric constant(MetricName name, double value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return name;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }
}
