package io.beacon.router.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.router.RouterConfig;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the topology's shape. Store and processor names become changelog topic names and state
 * directories, so a rename breaks running deployments: this test makes it a visible decision.
 * To accept a change on purpose, run with {@code -Dbeacon.topology.accept=true} and commit the file.
 */
class RouterTopologyDescriptionTest {

    private static final Path PINNED = Path.of("src/test/resources/topology-description.txt");

    @Test
    void shouldMatchThePinnedTopologyDescription() throws IOException {
        WireFormatSerdeProvider serdes = new WireFormatSerdeProvider();
        serdes.configure(Map.of("schema.registry.url", "mem://describe-test"));
        String actual = RouterTopology.build(RouterConfig.defaultSettings(), Topics.create(TopicNames.defaults(), serdes),
                serdes).describe().toString().replaceAll("@[0-9a-f]+", "");

        if (Boolean.getBoolean("beacon.topology.accept")) {
            Files.writeString(PINNED, actual, StandardCharsets.UTF_8);
        }

        assertThat(PINNED).as("pinned description; run with -Dbeacon.topology.accept=true to write it").exists();
        assertThat(actual).isEqualTo(Files.readString(PINNED, StandardCharsets.UTF_8));
    }
}
