package io.beacon.bench.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
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

    /** JFR's "profile" setting samples every 10 ms; plenty over a run of several seconds. */
    private static final Duration SAMPLE_PERIOD = Duration.ofMillis(10);

    /** The categories, in matching order: the first whose marker is in a sample's stack takes it. */
    private static final List<Category> CATEGORIES = List.of(
            new Category("punctuator: scan of the job-state store", method("JobLifecycleProcessor", "scan")),
            new Category("routing policy: candidate notes (String.format)", method("RoutingPolicy", "describe")),
            new Category("routing policy: the rest", method("RoutingPolicy", "decide")),
            new Category("deployment snapshots (global store reads)", method("JobLifecycleProcessor", "snapshots")),
            new Category("job-state store get/put (RocksDB, changelog)", method("MeteredKeyValueStore", "put")
                    .or(method("MeteredKeyValueStore", "get"))),
            new Category("writing routed jobs (serialize, producer send)", method("SinkNode", "process")),
            new Category("job lifecycle: the rest", method("JobLifecycleProcessor", "process")),
            new Category("decoding requests", method("RecordDeserializer", "deserialize")),
            new Category("Streams processing framework", method("StreamTask", "process")),
            new Category("commit", method("TaskManager", "commit").or(method("StreamThread", "maybeCommit"))),
            new Category("poll", method("StreamThread", "pollRequests").or(method("StreamThread", "pollPhase"))));
    private static final Pattern STREAM_THREAD = Pattern.compile(".*-StreamThread-\\d+");
    private static final String OTHER = "other";
    /** JFR keeps the 64 frames nearest the leaf; a deeper stack loses the frames that would classify it. */
    private static final String TRUNCATED = "other, stack truncated by JFR";

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
            String category = stack.isTruncated() ? TRUNCATED : OTHER;
            for (Category c : CATEGORIES) {
                if (stack.getFrames().stream().anyMatch(c.marker())) {
                    category = c.name();
                    break;
                }
            }
            counts.merge(category, 1L, Long::sum);
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        long total = samples;
        counts.forEach((name, count) -> shares.put(name, total == 0 ? 0 : (double) count / total));
        return new Result(samples, shares);
    }

    private static Predicate<RecordedFrame> method(String simpleClassName, String methodName) {
        return frame -> frame.getMethod() != null && frame.getMethod().getName().equals(methodName)
                && (frame.getMethod().getType().getName().endsWith("." + simpleClassName)
                || frame.getMethod().getType().getName().endsWith("$" + simpleClassName));
    }

    private record Category(String name, Predicate<RecordedFrame> marker) {
    }
}
