package io.beacon.bench.router;

import io.beacon.router.policy.DeploymentSnapshot;
import io.beacon.router.policy.RoutingPolicy;
import io.beacon.router.topology.RouterTopology;
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
 *
 * <p>The router's code is recognised by its public types and packages, never by its private methods:
 * a refactoring inside the router moves no sample to another category. Kafka Streams' own steps are
 * recognised by the methods of its internals, which {@code StreamThreadProfileTest} checks still exist.
 */
public final class StreamThreadProfile {

    private static final String STORE = "org.apache.kafka.streams.state.internals.MeteredKeyValueStore";
    private static final String STREAMS = "org.apache.kafka.streams.processor.internals.";
    /** How a processor reads a global store: Streams hands it a read-only decorator of the store. */
    private static final String GLOBAL_STORE_READ = STREAMS + "AbstractReadOnlyDecorator";
    /** The JDK's text building: what the policy's notes and rejection reasons cost. */
    private static final List<String> TEXT_TYPES = List.of("java.lang.AbstractStringBuilder", "java.lang.StringBuilder",
            "java.lang.String", "java.lang.Long", "java.lang.Integer", "java.lang.Double", "java.util.Formatter",
            "jdk.internal.math.");
    /** JFR's "profile" setting samples every 10 ms; plenty over a run of several seconds. */
    private static final Duration SAMPLE_PERIOD = Duration.ofMillis(10);

    /**
     * The categories, in matching order: the first whose marker is in a sample's stack takes it. Everything
     * under the wall-clock punctuation (the job lifecycle's due-timer scan, the router's only punctuator)
     * counts as the punctuator's; the store category takes every other read and write of the job-state and
     * job-timer stores (both persistent, both changelogged); "job lifecycle: the rest" is the router's
     * processors' own code (package of {@link RouterTopology}), the job lifecycle on the hot path.
     */
    static final List<Category> CATEGORIES = List.of(
            new Category("punctuator: due-timer scan", method(STREAMS + "StreamTask", "punctuate")),
            new Category("routing policy: candidate notes", textBuiltBy(RoutingPolicy.class)),
            new Category("routing policy: the rest", type(RoutingPolicy.class.getName())),
            new Category("deployment snapshots (global stores, decoded when they change)",
                    type(GLOBAL_STORE_READ), type(DeploymentSnapshot.class.getName())),
            new Category("job-state and job-timer stores get/put/delete (RocksDB, changelog)",
                    method(STORE, "get"), method(STORE, "put"), method(STORE, "delete")),
            new Category("writing routed jobs (serialize, producer send)", method(STREAMS + "SinkNode", "process")),
            new Category("job lifecycle: the rest", inPackageOf(RouterTopology.class)),
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

    /** The category of one sample's stack (leaf first): the first with a marker the stack matches. */
    static String category(List<Frame> stack, boolean truncated) {
        for (Category c : CATEGORIES) {
            if (c.markers().stream().anyMatch(marker -> marker.matches(stack))) {
                return c.name();
            }
        }
        return truncated ? TRUNCATED : OTHER;
    }

    /** A frame of Kafka Streams' method {@code methodName} of {@code className}. */
    static Marker method(String className, String methodName) {
        return new KafkaMethod(className, methodName);
    }

    /** Any frame of the class (or of a class nested in it, lambdas included). */
    static Marker type(String className) {
        return new TypeFrames(className);
    }

    /** Any frame of a class in {@code type}'s package. */
    static Marker inPackageOf(Class<?> type) {
        return new PackageFrames(type.getPackageName());
    }

    /** JDK text-building frames called from {@code type}: the leafward frames above its nearest one. */
    static Marker textBuiltBy(Class<?> type) {
        return new TextBuiltBy(type.getName());
    }

    private static boolean inClass(Frame frame, String className) {
        return frame.typeName().equals(className) || frame.typeName().startsWith(className + "$");
    }

    /** One frame as the categories see it: the binary name of the method's class, and the method's name. */
    record Frame(String typeName, String methodName) {
    }

    /** What marks a sample's stack (leaf first) as a category's. */
    sealed interface Marker permits KafkaMethod, TypeFrames, PackageFrames, TextBuiltBy {
        boolean matches(List<Frame> stack);
    }

    /** A method of Kafka Streams' internals; the test checks each still exists. */
    record KafkaMethod(String typeName, String methodName) implements Marker {
        @Override
        public boolean matches(List<Frame> stack) {
            return stack.contains(new Frame(typeName, methodName));
        }
    }

    record TypeFrames(String typeName) implements Marker {
        @Override
        public boolean matches(List<Frame> stack) {
            return stack.stream().anyMatch(frame -> inClass(frame, typeName));
        }
    }

    record PackageFrames(String packageName) implements Marker {
        @Override
        public boolean matches(List<Frame> stack) {
            return stack.stream().anyMatch(frame -> frame.typeName().startsWith(packageName + ".")
                    && frame.typeName().indexOf('.', packageName.length() + 1) < 0);
        }
    }

    record TextBuiltBy(String typeName) implements Marker {
        @Override
        public boolean matches(List<Frame> stack) {
            for (Frame frame : stack) {
                if (inClass(frame, typeName)) {
                    return false;
                }
                if (TEXT_TYPES.stream().anyMatch(text -> frame.typeName().startsWith(text))) {
                    return stack.stream().anyMatch(f -> inClass(f, typeName));
                }
            }
            return false;
        }
    }

    /** A category and the markers that make a sample its. */
    record Category(String name, List<Marker> markers) {

        Category(String name, Marker... markers) {
            this(name, List.of(markers));
        }
    }
}
