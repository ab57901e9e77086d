package io.beacon.ops.lag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON shape of a {@link LagReport}, as {@code GET /lag} serves it and the dashboard reads it. Seconds
 * are rounded to milliseconds; history times are epoch milliseconds.
 *
 * <pre>{@code
 * {"generated_at": "2026-01-01T00:00:00Z", "stale": false, "poll_interval_ms": 5000,
 *  "groups": [{"group": "beacon-worker-golem", "role": "worker:golem", "status": "WARNING", "total_lag": 42, "max_lag_seconds": 12.5,
 *              "partitions": [{"topic": "provider-jobs.golem", "partition": 0, "committed_offset": 100,
 *                              "end_offset": 142, "lag": 42, "lag_seconds": 12.5,
 *                              "lag_seconds_lower_bound": false, "status": "WARNING"}],
 *              "history": [{"t": 1767225600000, "total_lag": 42, "max_lag_seconds": 12.5}]}]}
 * }</pre>
 */
public final class LagReportJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LagReportJson() {
    }

    public static ObjectNode toJson(LagReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("generated_at", report.generatedAt().toString());
        root.put("stale", report.stale());
        root.put("poll_interval_ms", report.pollInterval().toMillis());
        ArrayNode groups = root.putArray("groups");
        for (GroupLag group : report.groups()) {
            ObjectNode g = groups.addObject();
            g.put("group", group.group());
            g.put("role", group.role());
            g.put("status", group.status().name());
            g.put("total_lag", group.totalLag());
            g.put("max_lag_seconds", seconds(group.maxLagSeconds()));
            ArrayNode partitions = g.putArray("partitions");
            for (PartitionLag partition : group.partitions()) {
                ObjectNode p = partitions.addObject();
                p.put("topic", partition.topic());
                p.put("partition", partition.partition());
                if (partition.committed()) {
                    p.put("committed_offset", partition.committedOffset());
                } else {
                    // Never committed: the lag counts from the log start, where the member began reading.
                    p.putNull("committed_offset");
                    p.put("start_offset", partition.committedOffset());
                }
                p.put("end_offset", partition.endOffset());
                p.put("lag", partition.lag());
                p.put("lag_seconds", seconds(partition.lagSeconds()));
                p.put("lag_seconds_lower_bound", partition.lagSecondsLowerBound());
                p.put("status", partition.status().name());
            }
            ArrayNode history = g.putArray("history");
            for (LagPoint point : group.history()) {
                history.addObject()
                        .put("t", point.at().toEpochMilli())
                        .put("total_lag", point.totalLag())
                        .put("max_lag_seconds", seconds(point.maxLagSeconds()));
            }
        }
        return root;
    }

    public static byte[] toBytes(LagReport report) {
        try {
            return JSON.writeValueAsBytes(toJson(report));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the lag report as JSON", e);
        }
    }

    private static double seconds(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
