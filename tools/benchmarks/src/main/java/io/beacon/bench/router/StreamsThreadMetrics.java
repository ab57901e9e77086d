package io.beacon.bench.router;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Kafka Streams' own thread metrics from JMX, so the benchmark can say where a stream thread spends
 * its time (processing, committing, punctuating) without touching the router. The router does not hand
 * out its {@code KafkaStreams}, but Streams registers these metrics in the platform MBean server.
 *
 * <p>Latencies are in milliseconds; {@code *-max} and {@code *-avg} cover Streams' sample window
 * (2 x 30 s by default), ratios its rolling window, {@code *-total} the thread's life.
 */
public final class StreamsThreadMetrics {

    public static final List<String> NAMES = List.of(
            "process-rate", "process-ratio",
            "commit-total", "commit-latency-avg", "commit-latency-max", "commit-ratio",
            "punctuate-total", "punctuate-latency-avg", "punctuate-latency-max", "punctuate-ratio",
            "poll-ratio");

    private static final Logger LOG = LoggerFactory.getLogger(StreamsThreadMetrics.class);

    private StreamsThreadMetrics() {
    }

    /**
     * The metrics of the stream thread of {@code applicationId} (the router runs one), empty if none is
     * registered. Read before the app closes: Streams removes them on close.
     */
    public static Map<String, Double> read(String applicationId) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Map<String, Double> out = new LinkedHashMap<>();
        try {
            Set<ObjectName> threads = server.queryNames(new ObjectName("kafka.streams:type=stream-thread-metrics,*"),
                    null);
            for (ObjectName thread : threads) {
                String threadId = thread.getKeyProperty("thread-id");
                if (threadId == null || !threadId.startsWith(applicationId + "-")) {
                    continue;
                }
                // Streams registers more than one bean under the same thread-id; ask each only for the
                // attributes it declares (Kafka's bean prints a stack trace for every unknown one).
                for (MBeanAttributeInfo info : server.getMBeanInfo(thread).getAttributes()) {
                    if (NAMES.contains(info.getName()) && !out.containsKey(info.getName())
                            && server.getAttribute(thread, info.getName()) instanceof Number number
                            && Double.isFinite(number.doubleValue())) {
                        out.put(info.getName(), number.doubleValue());
                    }
                }
            }
            if (out.isEmpty()) {
                LOG.warn("no stream-thread metrics for {}; threads registered: {}", applicationId,
                        threads.stream().map(t -> t.getKeyProperty("thread-id")).toList());
            }
        } catch (JMException e) {
            // Metrics are context, not a result: a missing one leaves a gap in the report, not a failed run.
            LOG.warn("cannot read the stream thread metrics of {}: {}", applicationId, e.toString());
        }
        return out;
    }

    /**
     * Records the producers whose client id starts with {@code clientIdPrefix} had to send again
     * (retriable errors such as CONCURRENT_TRANSACTIONS or, with transactions v2, a first batch that
     * overtook the one before it), summed; NaN if no such producer is registered.
     */
    public static double producerRetries(String clientIdPrefix) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        double sum = Double.NaN;
        try {
            for (ObjectName producer : server.queryNames(new ObjectName("kafka.producer:type=producer-metrics,*"),
                    null)) {
                String clientId = producer.getKeyProperty("client-id");
                if (clientId != null && clientId.startsWith(clientIdPrefix)
                        && server.getAttribute(producer, "record-retry-total") instanceof Number retries) {
                    sum = (Double.isNaN(sum) ? 0 : sum) + retries.doubleValue();
                }
            }
        } catch (JMException e) {
            LOG.warn("cannot read the producer metrics of {}: {}", clientIdPrefix, e.toString());
        }
        return sum;
    }
}
