package io.beacon.bench.router;

import io.beacon.router.RouterApp;
import io.beacon.router.RouterConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What sits between the requests topic and the provider topics in one phase: nothing (the raw baseline,
 * latency only), a {@link RoutingPipe}, or the router itself.
 */
public sealed interface Subject permits Subject.Raw, Subject.Pipe, Subject.Router {

    /** Kebab-case; part of the phase's topic names and of the report. */
    String label();

    /** at_least_once or exactly_once_v2; "none" for the raw baseline. */
    String guarantee();

    /** commit.interval.ms in use; 0 for the raw baseline. */
    long commitIntervalMs();

    /** Settings beyond guarantee and commit interval, for the report. */
    Map<String, String> extraSettings();

    /** Starts it on the phase's topics. */
    Running start(BenchKafka kafka, BenchKafka.Phase phase, SyntheticJobs jobs, Path stateRoot);

    /** A started subject. */
    interface Running extends AutoCloseable {
        /** Waits until it consumes (partitions assigned, or Streams RUNNING); false on time-out. */
        boolean awaitReady(Duration timeout) throws InterruptedException;

        /** Kafka Streams thread metrics (empty for the pipes); read before {@link #close()}. */
        Map<String, Double> metrics();

        @Override
        void close() throws InterruptedException;
    }

    /** Adds the phase's producer retries (client ids start with the phase id) as "producer-record-retry-total". */
    private static Map<String, Double> withRetries(Map<String, Double> metrics, String phaseId) {
        double retries = StreamsThreadMetrics.producerRetries(phaseId);
        if (!Double.isNaN(retries)) {
            metrics.put("producer-record-retry-total", retries);
        }
        return metrics;
    }

    static String shortGuarantee(String guarantee) {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee) ? "eos" : "alos";
    }

    /** No process at all: the load generator writes routed jobs straight to the provider topics. */
    record Raw() implements Subject {
        @Override
        public String label() {
            return "raw";
        }

        @Override
        public String guarantee() {
            return "none";
        }

        @Override
        public long commitIntervalMs() {
            return 0;
        }

        @Override
        public Map<String, String> extraSettings() {
            return Map.of();
        }

        @Override
        public Running start(BenchKafka kafka, BenchKafka.Phase phase, SyntheticJobs jobs, Path stateRoot) {
            return new Running() {
                @Override
                public boolean awaitReady(Duration timeout) {
                    return true;
                }

                @Override
                public Map<String, Double> metrics() {
                    return Map.of();
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** The raw consume-produce pipe with the given commit interval. */
    record Pipe(RoutingPipe.Mode mode, long commitIntervalMs) implements Subject {
        @Override
        public String label() {
            return "pipe-" + (mode == RoutingPipe.Mode.PLAIN ? "plain" : "txn") + "-c" + commitIntervalMs;
        }

        @Override
        public String guarantee() {
            return RoutingPipe.guarantee(mode);
        }

        @Override
        public Map<String, String> extraSettings() {
            return Map.of();
        }

        @Override
        public Running start(BenchKafka kafka, BenchKafka.Phase phase, SyntheticJobs jobs, Path stateRoot) {
            RoutingPipe pipe = RoutingPipe.start(mode, kafka, phase, jobs, Duration.ofMillis(commitIntervalMs));
            return new Running() {
                @Override
                public boolean awaitReady(Duration timeout) throws InterruptedException {
                    return pipe.awaitAssigned(timeout);
                }

                @Override
                public Map<String, Double> metrics() {
                    if (pipe.failure() != null) {
                        throw new IllegalStateException("the pipe stopped: " + pipe.failure(), pipe.failure());
                    }
                    return withRetries(new LinkedHashMap<>(), phase.id());
                }

                @Override
                public void close() throws InterruptedException {
                    pipe.close();
                }
            };
        }
    }

    /**
     * The router, started through {@link RouterApp} exactly as in production, with a fresh application id
     * and state directory per phase. {@code extraSettings} are further router settings (for example
     * {@code kafka.linger.ms}); {@code variant} names them in the label.
     */
    record Router(String guarantee, long commitIntervalMs, Map<String, String> extraSettings, String variant)
            implements Subject {

        public Router {
            extraSettings = Map.copyOf(extraSettings);
        }

        public static Router of(String guarantee, long commitIntervalMs) {
            return new Router(guarantee, commitIntervalMs, Map.of(), "");
        }

        @Override
        public String label() {
            return "router-" + shortGuarantee(guarantee) + "-c" + commitIntervalMs
                    + (variant.isEmpty() ? "" : "-" + variant.toLowerCase(Locale.ROOT));
        }

        @Override
        public Running start(BenchKafka kafka, BenchKafka.Phase phase, SyntheticJobs jobs, Path stateRoot) {
            Map<String, Object> settings = new HashMap<>(phase.settings());
            settings.put(RouterConfig.APPLICATION_ID, phase.id());
            settings.put(RouterConfig.PROCESSING_GUARANTEE, guarantee);
            settings.put(RouterConfig.COMMIT_INTERVAL_MS, Long.toString(commitIntervalMs));
            settings.put(RouterConfig.STATE_DIR, stateRoot.resolve(phase.id()).toString());
            settings.put(RouterConfig.HTTP_PORT, "0");
            settings.putAll(extraSettings);
            RouterApp app = RouterApp.start(new RouterConfig(settings));
            return new Running() {
                @Override
                public boolean awaitReady(Duration timeout) throws InterruptedException {
                    return app.awaitRunning(timeout);
                }

                @Override
                public Map<String, Double> metrics() {
                    return withRetries(StreamsThreadMetrics.read(phase.id()), phase.id());
                }

                @Override
                public void close() {
                    app.close(Duration.ofSeconds(30));
                }
            };
        }
    }
}
