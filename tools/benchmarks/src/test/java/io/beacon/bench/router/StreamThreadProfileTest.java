package io.beacon.bench.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.bench.router.StreamThreadProfile.Category;
import io.beacon.bench.router.StreamThreadProfile.Frame;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamThreadProfileTest {

    private static final String LIFECYCLE = "io.beacon.router.topology.JobLifecycleProcessor";
    private static final String POLICY = "io.beacon.router.policy.RoutingPolicy";
    private static final String STORE = "org.apache.kafka.streams.state.internals.MeteredKeyValueStore";

    @Test
    void shouldMarkOnlyMethodsTheRouterAndKafkaStreamsStillHave() throws Exception {
        // A renamed method would leave its category at 0 % without a word: every marker must exist.
        for (Category category : StreamThreadProfile.CATEGORIES) {
            for (Frame marker : category.markers()) {
                Class<?> type = Class.forName(marker.typeName());
                assertThat(Arrays.stream(type.getDeclaredMethods()).map(Method::getName))
                        .as("%s: %s.%s", category.name(), marker.typeName(), marker.methodName())
                        .contains(marker.methodName());
            }
        }
    }

    @Test
    void shouldCountCandidateNotesWhereverTheDollarAmountsAreWritten() {
        // Given: a note built for an eligible candidate, and a cap rejection that formats dollars too
        List<Frame> describe = stack(frame(POLICY, "usd"), frame(POLICY, "describe"), frame(POLICY, "decide"),
                frame(LIFECYCLE, "route"), frame(LIFECYCLE, "process"));
        List<Frame> rejection = stack(frame("java.lang.StringBuilder", "append"), frame(POLICY, "usd"),
                frame(POLICY, "rejection"), frame(POLICY, "decide"), frame(LIFECYCLE, "process"));

        // Then
        assertThat(StreamThreadProfile.category(describe, false)).isEqualTo("routing policy: candidate notes");
        assertThat(StreamThreadProfile.category(rejection, false)).isEqualTo("routing policy: candidate notes");
    }

    @Test
    void shouldCountTimerStoreWritesOfTheLifecycleAsStoreTime() {
        // Given: a routed job moves its timer (delete the old entry, put the new one)
        List<Frame> delete = stack(frame("org.rocksdb.RocksDB", "delete"), frame(STORE, "delete"),
                frame(LIFECYCLE, "save"), frame(LIFECYCLE, "route"), frame(LIFECYCLE, "process"));
        List<Frame> put = stack(frame(STORE, "put"), frame(LIFECYCLE, "save"), frame(LIFECYCLE, "process"));

        // Then
        String store = "job-state and job-timer stores get/put/delete (RocksDB, changelog)";
        assertThat(StreamThreadProfile.category(delete, false)).isEqualTo(store);
        assertThat(StreamThreadProfile.category(put, false)).isEqualTo(store);
    }

    @Test
    void shouldCountEverythingUnderThePunctuatorAsTheDueTimerScan() {
        // Given: the punctuator reads a due job and routes it again
        List<Frame> scan = stack(frame(STORE, "get"), frame(POLICY, "describe"), frame(LIFECYCLE, "scan"),
                frame("org.apache.kafka.streams.processor.internals.StreamTask", "punctuate"));

        // Then
        assertThat(StreamThreadProfile.category(scan, false)).isEqualTo("punctuator: due-timer scan");
    }

    @Test
    void shouldSayWhenAnUnmatchedStackWasTruncated() {
        List<Frame> unknown = stack(frame("java.util.HashMap", "get"));

        assertThat(StreamThreadProfile.category(unknown, true)).isEqualTo(StreamThreadProfile.TRUNCATED);
        assertThat(StreamThreadProfile.category(unknown, false)).isEqualTo(StreamThreadProfile.OTHER);
    }

    private static Frame frame(String type, String method) {
        return new Frame(type, method);
    }

    private static List<Frame> stack(Frame... leafFirst) {
        return List.of(leafFirst);
    }
}
