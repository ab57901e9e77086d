package io.beacon.launcher;

import io.beacon.kafka.SharedBroker;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.schemas.topics.TopicNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A whole pipeline on the shared broker, kept apart from every other test's by a suffix. */
final class TestPipelines {

    private TestPipelines() {
    }

    /**
     * Settings of a pipeline of its own: topics, registry, router application id and worker groups all
     * carry {@code suffix}; HTTP on a free port. The map is mutable, for the test's own additions.
     */
    static Map<String, String> isolatedSettings(String name, String suffix) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("schema.registry.url", "mem://" + name + "-" + suffix);
        settings.put("application.id", "router-" + name + "-" + suffix);
        settings.put("lag.worker.group.prefix", "beacon-worker-" + suffix + "-");
        settings.put("http.port", "0");
        for (String key : TopicNames.ALL) {
            settings.put(key, key.replace("topics.", "") + "-" + suffix);
        }
        return settings;
    }

    /** Starts the pipeline (3 partitions per topic) and waits until every simulated deployment is healthy. */
    static LocalPipeline startReady(Map<String, String> settings) throws InterruptedException {
        LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Options(settings, 0, 0, 0, 0, 3, (short) 1));
        pipeline.awaitReady(Duration.ofSeconds(60));
        return pipeline;
    }
}
