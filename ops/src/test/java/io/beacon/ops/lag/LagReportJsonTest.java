package io.beacon.ops.lag;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LagReportJsonTest {

    @Test
    void shouldWriteTheReportInTheShapeTheDashboardReads() throws Exception {
        // Given
        Instant at = Instant.parse("2026-01-01T00:00:05Z");
        LagReport report = new LagReport(at, false, Duration.ofSeconds(5), List.of(
                new GroupLag("beacon-worker-golem", GroupRole.worker("golem"), LagStatus.WARNING, 42, 12.34567,
                        List.of(new PartitionLag("provider-jobs.golem", 2, 100, 142, 42, 12.34567, true,
                                LagStatus.WARNING)),
                        List.of(new LagPoint(at, 42, 12.34567))),
                new GroupLag("beacon-router", LagStatus.UNKNOWN, 0, 0.0, List.of(), List.of())));

        // When
        JsonNode json = new ObjectMapper().readTree(LagReportJson.toBytes(report));

        // Then
        assertThat(json.get("generated_at").asText()).isEqualTo("2026-01-01T00:00:05Z");
        assertThat(json.get("stale").asBoolean()).isFalse();
        assertThat(json.get("poll_interval_ms").asLong()).isEqualTo(5000);
        JsonNode group = json.get("groups").get(0);
        assertThat(group.get("group").asText()).isEqualTo("beacon-worker-golem");
        assertThat(group.get("role").asText()).isEqualTo("worker:golem");
        assertThat(group.get("status").asText()).isEqualTo("WARNING");
        assertThat(group.get("total_lag").asLong()).isEqualTo(42);
        assertThat(group.get("max_lag_seconds").asDouble()).isEqualTo(12.346);
        JsonNode partition = group.get("partitions").get(0);
        assertThat(partition.get("topic").asText()).isEqualTo("provider-jobs.golem");
        assertThat(partition.get("partition").asInt()).isEqualTo(2);
        assertThat(partition.get("committed_offset").asLong()).isEqualTo(100);
        assertThat(partition.get("end_offset").asLong()).isEqualTo(142);
        assertThat(partition.get("lag").asLong()).isEqualTo(42);
        assertThat(partition.get("lag_seconds").asDouble()).isEqualTo(12.346);
        assertThat(partition.get("lag_seconds_lower_bound").asBoolean()).isTrue();
        assertThat(partition.get("status").asText()).isEqualTo("WARNING");
        JsonNode point = group.get("history").get(0);
        assertThat(point.get("t").asLong()).isEqualTo(at.toEpochMilli());
        assertThat(point.get("total_lag").asLong()).isEqualTo(42);
        assertThat(point.get("max_lag_seconds").asDouble()).isEqualTo(12.346);
        assertThat(json.get("groups").get(1).get("status").asText()).isEqualTo("UNKNOWN");
        assertThat(json.get("groups").get(1).get("role").asText()).isEqualTo("other");
        assertThat(json.get("groups").get(1).get("partitions")).isEmpty();
    }
}
