package io.beacon.bench.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.bench.router.StreamThreadProfile.Category;
import io.beacon.bench.router.StreamThreadProfile.Frame;
import io.beacon.bench.router.StreamThreadProfile.KafkaMethod;
import io.beacon.bench.router.StreamThreadProfile.Marker;
import io.beacon.bench.router.StreamThreadProfile.TypeFrames;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamThreadProfileTest {

    private static final String LIFECYCLE = "io.beacon.router.topology.JobLifecycleProcessor";
    private static final String POLICY = "io.beacon.router.policy.RoutingPolicy";
    private static final String SNAPSHOT = "io.beacon.router.policy.DeploymentSnapshot";
    private static final String STORE = "org.apache.kafka.streams.state.internals.MeteredKeyValueStore";

    @Test
    void shouldMarkOnlyMethodsAndTypesKafkaStreamsStillHave() throws Exception {
        // A renamed method would leave its category at 0 % without a word: every Kafka marker must exist.
        // The router's markers are its public types, named by class literal: a rename is a compile error.
        for (Category category : StreamThreadProfile.CATEGORIES) {
            for (Marker marker : category.markers()) {
                if (marker instanceof KafkaMethod method) {
                    Class<?> type = Class.forName(method.typeName());
                    assertThat(Arrays.stream(type.getDeclaredMethods()).map(Method::getName))
                            .as("%s: %s.%s", category.name(), method.typeName(), method.methodName())
                            .contains(method.methodName());
                } else if (marker instanceof TypeFrames frames) {
                    assertThat(Class.forName(frames.typeName())).as("%s: %s", category.name(), frames.typeName())
                            .isNotNull();
                }
            }
        }
    }

    @Test
    void shouldCategoriseTheRoutersCodeByTypeSoARenamedPrivateMethodStaysInItsCategory() {
        // Given: stacks through router methods of any name
        List<Frame> policy = stack(frame(POLICY, "aMethodRenamedTomorrow"), frame(LIFECYCLE, "anotherOne"),
                frame("org.apache.kafka.streams.processor.internals.StreamTask", "process"));
        List<Frame> lifecycle = stack(frame(LIFECYCLE, "aMethodRenamedTomorrow"),
                frame("org.apache.kafka.streams.processor.internals.StreamTask", "process"));
        List<Frame> snapshot = stack(frame(SNAPSHOT, "<init>"), frame(LIFECYCLE, "anyName"));

        // Then
        assertThat(StreamThreadProfile.category(policy, false)).isEqualTo("routing policy: the rest");
        assertThat(StreamThreadProfile.category(lifecycle, false)).isEqualTo("job lifecycle: the rest");
        assertThat(StreamThreadProfile.category(snapshot, false))
                .isEqualTo("deployment snapshots (global stores, decoded when they change)");
    }

    @Test
    void shouldCountCandidateNotesWhereverTheDollarAmountsAreWritten() {
        // Given: a note built for an eligible candidate, and a cap rejection that formats dollars too
        List<Frame> describe = stack(frame("java.lang.AbstractStringBuilder", "append"), frame(POLICY, "usd"),
                frame(POLICY, "describe"), frame(POLICY, "decide"), frame(LIFECYCLE, "route"),
                frame(LIFECYCLE, "process"));
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
