package io.beacon.ops.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * One process's metrics: a Prometheus registry tagged with the application's name, JVM metrics bound from
 * the start, and Kafka clients' own metrics bound on request. {@code GET /metrics} serves {@link #scrape}.
 *
 * <p>Kafka client metrics are refreshed (new topics, partitions, threads) once a minute on one daemon
 * thread shared by every binding. A Kafka Streams instance is bound with {@link StreamsBinding#bind}, kept
 * apart so that processes without kafka-streams never load its classes.
 */
public final class OpsMetrics implements AutoCloseable {

    /** Common tag on every meter, naming the process (router, worker-golem, ...). */
    public static final String APPLICATION_TAG = "application";

    /** What {@code GET /metrics} answers when the scraper asks for nothing in particular. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** What it answers when the scraper accepts OpenMetrics. */
    public static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final ScheduledExecutorService kafkaRefresh;

    private OpsMetrics(String application) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(APPLICATION_TAG, application);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        this.gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.kafkaRefresh = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "beacon-kafka-metrics");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A registry for the process named {@code application}, with JVM metrics bound. */
    public static OpsMetrics create(String application) {
        if (application == null || application.isBlank()) {
            throw new IllegalArgumentException("the application tag must not be blank");
        }
        return new OpsMetrics(application);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter in the exposition format {@link #contentType(String)} names for {@code acceptHeader}. */
    public String scrape(String acceptHeader) {
        return registry.scrape(contentType(acceptHeader));
    }

    /**
     * OpenMetrics text when {@code acceptHeader} accepts it, Prometheus text 0.0.4 otherwise (also for a
     * missing header). The protobuf format is never chosen.
     */
    public String contentType(String acceptHeader) {
        if (acceptHeader != null && acceptHeader.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")) {
            return OPENMETRICS_TEXT;
        }
        return PROMETHEUS_TEXT;
    }

    /** Binds the producer's own metrics ({@code kafka_producer_*}). */
    public MetricsBinding bind(Producer<?, ?> producer) {
        return bound(new KafkaClientMetrics(producer, Tags.empty(), kafkaRefresh));
    }

    /** Binds the consumer's own metrics ({@code kafka_consumer_*}, including its records lag). */
    public MetricsBinding bind(Consumer<?, ?> consumer) {
        return bound(new KafkaClientMetrics(consumer, Tags.empty(), kafkaRefresh));
    }

    /** Binds the admin client's metrics; {@code admin} must be one {@link Admin#create} made. */
    public MetricsBinding bind(Admin admin) {
        if (!(admin instanceof AdminClient client)) {
            throw new IllegalArgumentException("cannot bind the metrics of " + admin.getClass().getName()
                    + ": Micrometer reads them from an AdminClient (what Admin.create returns)");
        }
        return bound(new KafkaClientMetrics(client, Tags.empty(), kafkaRefresh));
    }

    /** The thread that refreshes bound Kafka clients' metrics, shared with {@link StreamsBinding}. */
    ScheduledExecutorService kafkaMetricsRefresh() {
        return kafkaRefresh;
    }

    /** Stops the Kafka metrics refresh and the GC listener and closes the registry. */
    @Override
    public void close() {
        kafkaRefresh.shutdownNow();
        gc.close();
        registry.close();
    }

    private MetricsBinding bound(KafkaClientMetrics metrics) {
        metrics.bindTo(registry);
        return metrics::close;
    }
}
