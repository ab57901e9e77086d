package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.launcher.console.PeriodicProgress;
import io.beacon.launcher.demo.DemoDriver;
import io.beacon.launcher.demo.DemoSummary;
import io.beacon.launcher.stack.LocalPipeline;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The demo's runner reads results as a real consumer group that commits what it read, so the router's
 * {@code /lag} (which lists the cluster's groups) can show it; on the shared broker, with a pipeline of
 * its own.
 */
class DemoDriverIT {

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private LocalPipeline pipeline;

    @BeforeEach
    void startPipeline() throws Exception {
        pipeline = TestPipelines.startReady(TestPipelines.isolatedSettings("demo-driver", suffix));
    }

    @AfterEach
    void stopPipeline() {
        pipeline.close();
    }

    @Test
    void shouldReadEveryResultAsAConsumerGroupThatCommitsUpToTheEnd() throws Exception {
        // Given the demo's runner with a results group of its own
        String group = DemoDriver.DEFAULT_RESULTS_GROUP + "-" + suffix;
        StringWriter console = new StringWriter();
        DemoDriver driver = new DemoDriver(pipeline.bootstrapServers(), pipeline.clientPassthrough(),
                pipeline.topics(), group, new PrintWriter(console, true));

        // When it sends 20 jobs
        DemoSummary summary;
        try (PeriodicProgress progress = new PeriodicProgress(new PrintWriter(console, true), Duration.ofSeconds(5),
                Clock.systemUTC())) {
            summary = driver.run("steady", 20, 20, 7, Duration.ofSeconds(60), second -> { }, progress);
        }

        // Then every job has its one result, and the group's committed offsets are the partitions' ends
        assertThat(summary.results()).as(console.toString()).isEqualTo(20);
        assertThat(summary.duplicates()).isZero();
        assertThat(console.toString()).contains("sent 20/20  results 20");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            String results = pipeline.topics().results().name();
            List<TopicPartition> partitions = List.of(new TopicPartition(results, 0), new TopicPartition(results, 1),
                    new TopicPartition(results, 2));
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(partitions.stream()
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get();
            assertThat(committed).containsOnlyKeys(partitions);
            partitions.forEach(p -> assertThat(committed.get(p).offset()).as(p.toString()).isEqualTo(ends.get(p).offset()));
        }
    }
}
