package io.beacon.deploy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The metrics every Beacon process serves at GET /metrics, as Prometheus names them, with their labels.
 * This is the contract the dashboard and any alert rule are written against; a metric renamed in the
 * code must be renamed here and in deploy/grafana in the same change.
 */
final class MetricsContract {

    /** Every contract meter carries the process's name in this tag (router, worker-golem, ...). */
    static final String APPLICATION_LABEL = "application";

    /** Labels Prometheus itself adds to every scraped series. */
    static final Set<String> TARGET_LABELS = Set.of("job", "instance");

    static final Map<String, Set<String>> METRICS = Map.ofEntries(
            Map.entry("hybrid_requests_total", Set.of("provider", "region", "status")),
            Map.entry("hybrid_request_duration_seconds_bucket", Set.of("provider", "region", "le")),
            Map.entry("hybrid_request_duration_seconds_sum", Set.of("provider", "region")),
            Map.entry("hybrid_request_duration_seconds_count", Set.of("provider", "region")),
            Map.entry("hybrid_cost_total", Set.of("provider", "region")),
            Map.entry("beacon_cost_usd_total", Set.of("provider", "region", "kind")),
            Map.entry("beacon_routing_decisions_total", Set.of("provider", "reason")),
            Map.entry("beacon_failovers_total", Set.of("from_provider", "to_provider")),
            Map.entry("beacon_dlq_records_total", Set.of("topic")),
            Map.entry("beacon_deployment_in_flight", Set.of("deployment", "provider")),
            Map.entry("beacon_deployment_circuit_state", Set.of("deployment", "provider")),
            Map.entry("beacon_deployment_condition", Set.of("deployment", "provider", "condition")),
            Map.entry("beacon_attempt_failures_total", Set.of("provider", "blame")),
            Map.entry("beacon_consumer_lag", Set.of("group", "topic", "partition")),
            Map.entry("beacon_consumer_lag_seconds", Set.of("group", "topic", "partition")),
            Map.entry("beacon_consumer_group_status", Set.of("group")),
            Map.entry("beacon_consumer_group_lag", Set.of("group")));

    /** Micrometer's JVM, process and Kafka-client binders: names outside the contract, labels not checked. */
    static final List<String> BINDER_PREFIXES = List.of("jvm_", "process_", "kafka_");

    /** Series Prometheus writes for every target. */
    static final Set<String> SCRAPE_SERIES = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped");

    private MetricsContract() {
    }

    static boolean isKnown(String metric) {
        return METRICS.containsKey(metric) || SCRAPE_SERIES.contains(metric)
                || BINDER_PREFIXES.stream().anyMatch(metric::startsWith);
    }

    /** The labels a known metric has (besides the target labels), empty when they are not part of the contract. */
    static Optional<Set<String>> labels(String metric) {
        if (METRICS.containsKey(metric)) {
            return Optional.of(METRICS.get(metric));
        }
        return SCRAPE_SERIES.contains(metric) ? Optional.of(Set.of()) : Optional.empty();
    }
}
