package io.beacon.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A worker runs without the kafka-streams jar: nothing it calls may load a Kafka Streams class. */
class WithoutKafkaStreamsTest {

    @Test
    void shouldCreateMetricsBindAProducerAndScrapeWithoutKafkaStreamsOnTheClasspath() throws Exception {
        // Given this module's classpath without kafka-streams
        try (URLClassLoader worker = new URLClassLoader(classpathWithout("kafka-streams"),
                ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> worker.loadClass("org.apache.kafka.streams.KafkaStreams"))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> opsMetrics = worker.loadClass(OpsMetrics.class.getName());
            Class<?> producerType = worker.loadClass("org.apache.kafka.clients.producer.Producer");
            Object producer = worker.loadClass("org.apache.kafka.clients.producer.MockProducer")
                    .getConstructor().newInstance();

            // When a worker does what workers do
            Object metrics = opsMetrics.getMethod("create", String.class).invoke(null, "worker-golem");
            Object binding = opsMetrics.getMethod("bind", producerType).invoke(metrics, producer);
            Object meters = worker.loadClass(InferenceMeters.class.getName())
                    .getConstructor(worker.loadClass("io.micrometer.core.instrument.MeterRegistry"))
                    .newInstance(opsMetrics.getMethod("registry").invoke(metrics));
            meters.getClass().getMethod("setInFlight", String.class, String.class, int.class)
                    .invoke(meters, "golem-eu-1", "golem", 2);
            String scrape = (String) opsMetrics.getMethod("scrape", String.class).invoke(metrics, (Object) null);
            worker.loadClass(MetricsBinding.class.getName()).getMethod("close").invoke(binding);
            opsMetrics.getMethod("close").invoke(metrics);

            // Then it all worked without a Kafka Streams class
            assertThat(scrape).contains("beacon_deployment_in_flight{application=\"worker-golem\"");
        }
    }

    private static URL[] classpathWithout(String jarPrefix) throws MalformedURLException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.isEmpty() && !new File(entry).getName().startsWith(jarPrefix)) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        assertThat(urls).hasSizeGreaterThan(5);
        return urls.toArray(URL[]::new);
    }
}
