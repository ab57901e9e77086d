package io.beacon.bench.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a router's stream thread spends its CPU, from Java Flight Recorder's execution samples: each
 * sample of a thread named {@code *-StreamThread-N} is put in the first category one of its frames
 * matches. It samples only running Java code, so the shares are of the thread's busy time, not of
 * the wall clock. Used around separate diagnostic runs, never around the measured ones.
 */
public final class StreamThreadProfile {

    private static final String LIFECYCLE = "io.beacon.router.topology.JobLifecycleProcessor";
    private static final String POLICY = "io.beacon.router.policy.RoutingPolicy";
    private static final String STORE = "org.apache.kafka.streams.state.internals.MeteredKeyValueStore";
    private static final String STREAMS = "org.apache.kafka.streams.processor.internals.";
    /** JFR's "profile" setting samples every 10 ms; plenty over a run of several seconds. */
    private static final Duration SAMPLE_PERIOD = Duration.ofMillis(10);

    /**
     * The categories, in matching order: the first whose marker is in a sample's stack takes it. The
     * punctuator's own store reads and writes count as the punctuator's; the store category takes every
     * other read and write of the job-state and job-timer stores (both persistent, both changelogged).
     */
    static final List<Category> CATEGORIES = List.of(
            new Category("punctuator: due-timer scan", method(LIFECYCLE, "scan")),
            new Category("routing policy: candidate notes", method(POLICY, "describe"), method(POLICY, "usd")),
            new Category("routing policy: the rest", method(POLICY, "decide")),
            new Category("deployment snapshots (global stores, decoded when they change)",
                    method(LIFECYCLE, "snapshots")),
            new Category("job-state and job-timer stores get/put/delete (RocksDB, changelog)",
                    method(STORE, "get"), method(STORE, "put"), method(STORE, "delete")),
            new Category("writing routed jobs (serialize, producer send)", method(STREAMS + "SinkNode", "process")),
            new Category("job lifecycle: the rest", method(LIFECYCLE, "process")),
            new Category("decoding requests", method(STREAMS + "RecordDeserializer", "deserialize")),
            new Category("Streams processing framework", method(STREAMS + "StreamTask", "process")),
            new Category("commit", method(STREAMS + "TaskManager", "commit"),
                    method(STREAMS + "StreamThread", "maybeCommit")),
            new Category("poll", method(STREAMS + "StreamThread", "pollRequests"),
                    method(STREAMS + "StreamThread", "pollPhase")));
    private static final Pattern STREAM_THREAD = Pattern.compile(".*-StreamThread-\\d+");
    static final String OTHER = "other";
    /** JFR keeps the 64 frames nearest the leaf; a deeper stack loses the frames that would classify it. */
    static final String TRUNCATED = "other, stack truncated by JFR";

    private StreamThreadProfile() {
    }

    /** Share of the stream thread's samples per category (0..1), in the order above, and the sample count. */
    public record Result(long samples, Map<String, Double> shares) {
    }

    /** Something that throws, to profile. */
    public interface Work {
        void run() throws Exception;
    }

    public static Result profile(Work work) throws Exception {
        Path file = Files.createTempFile("router-bench-", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                recording.enable("jdk.ExecutionSample").withPeriod(SAMPLE_PERIOD);
                recording.start();
                work.run();
                recording.stop();
                recording.dump(file);
            }
            return attribute(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Result attribute(Path file) throws IOException {
        Map<String, Long> counts = new LinkedHashMap<>();
        CATEGORIES.forEach(c -> counts.put(c.name(), 0L));
        counts.put(OTHER, 0L);
        counts.put(TRUNCATED, 0L);
        long samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedThread thread = event.getThread("sampledThread");
            RecordedStackTrace stack = event.getStackTrace();
            // The stream thread itself, not its producer's network thread ("...-StreamThread-1-producer").
            if (thread == null || stack == null || thread.getJavaName() == null
                    || !STREAM_THREAD.matcher(thread.getJavaName()).matches()) {
                continue;
            }
            samples++;
            List<Frame> frames = stack.getFrames().stream().filter(f -> f.getMethod() != null)
                    .map(f -> new Frame(f.getMethod().getType().getName(), f.getMethod().getName())).toList();
            counts.merge(category(frames, stack.isTruncated()), 1L, Long::sum);
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        long total = samples;
        counts.forEach((name, count) -> shares.put(name, total == 0 ? 0 : (double) count / total));
        return new Result(samples, shares);
    }

    /** The category of one sample's stack: the first with a marker that one of its frames matches. */
    static String category(List<Frame> stack, boolean truncated) {
        for (Category c : CATEGORIES) {
            if (stack.stream().anyMatch(frame -> c.markers().contains(frame))) {
                return c.name();
            }
        }
        return truncated ? TRUNCATED : OTHER;
    }

    private static Frame method(String className, String methodName) {
        return new Frame(className, methodName);
    }

    /** One frame as the categories see it: the binary name of the method's class, and the method's name. */
    record Frame(String typeName, String methodName) {
    }

    /** A category and the frames that mark a sample as its. */
    record Category(String name, List<Frame> markers) {

        Category(String name, Frame... markers) {
            this(name, List.of(markers));
        }
    }
}
