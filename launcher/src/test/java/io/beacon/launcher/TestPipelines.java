package io.beacon.launcher;

import io.beacon.launcher.stack.LocalPipeline;
import java.time.Duration;
import java.util.Map;

/** A whole pipeline on the shared broker, on the settings of an {@code IsolatedRun} of the test's. */
final class TestPipelines {

    private TestPipelines() {
    }

    /** Starts the pipeline (3 partitions per topic) and waits until every simulated deployment is healthy. */
    static LocalPipeline startReady(Map<String, String> settings) throws InterruptedException {
        LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Options(settings, 0, 0, 0, 0, 3, (short) 1));
        pipeline.awaitReady(Duration.ofSeconds(60));
        return pipeline;
    }
}
