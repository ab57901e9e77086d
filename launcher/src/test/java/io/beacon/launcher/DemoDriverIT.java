package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.launcher.console.PeriodicProgress;
import io.beacon.launcher.demo.DemoDriver;
import io.beacon.launcher.demo.DemoSummary;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.testsupport.GroupOffsets;
import io.beacon.testsupport.IsolatedRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    private IsolatedRun run;
    private LocalPipeline pipeline;

    @BeforeEach
    void startPipeline() throws Exception {
        run = IsolatedRun.start("demo-driver");
        pipeline = TestPipelines.startReady(run.settings());
    }

    @AfterEach
    void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
        run.close();
    }

    @Test
    void shouldReadEveryResultAsAConsumerGroupThatCommitsUpToTheEnd() throws Exception {
        // Given the demo's runner with a results group of its own
        String group = run.newGroupId(DemoDriver.DEFAULT_RESULTS_GROUP);
        StringWriter console = new StringWriter();
        DemoDriver driver = new DemoDriver(pipeline.bootstrapServers(), pipeline.clientPassthrough(),
                pipeline.topics(), group, new PrintWriter(console, true));

        // When it sends 20 jobs
        DemoSummary summary;
        try (PeriodicProgress progress = new PeriodicProgress(new PrintWriter(console, true), Duration.ofSeconds(5),
                Clock.systemUTC())) {
            summary = driver.run("steady", 20, 20, 7, Duration.ofSeconds(60), second -> { }, progress, null);
        }

        // Then every job has its one result, and the group's committed offsets are the partitions' ends
        assertThat(summary.results()).as(console.toString()).isEqualTo(20);
        assertThat(summary.duplicates()).isZero();
        assertThat(console.toString()).contains("sent 20/20  results 20");
        String results = pipeline.topics().results().name();
        try (GroupOffsets offsets = new GroupOffsets(pipeline.bootstrapServers())) {
            Map<TopicPartition, Long> committed = offsets.committed(group);
            Map<TopicPartition, Long> ends = offsets.endOffsets(List.of(results));
            assertThat(committed).containsOnlyKeys(ends.keySet()).hasSize(3);
            ends.forEach((partition, end) -> assertThat(committed.get(partition)).as(partition.toString()).isEqualTo(end));
        }
    }
}
