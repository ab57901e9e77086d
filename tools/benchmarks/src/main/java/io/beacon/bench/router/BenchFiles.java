package io.beacon.bench.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes the directories a benchmark made for itself. */
public final class BenchFiles {

    private static final Logger LOG = LoggerFactory.getLogger(BenchFiles.class);

    private BenchFiles() {
    }

    /** Deletes {@code root} and everything below it; a failure is logged, not thrown (the results stand). */
    public static void deleteRecursively(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.toString());
        }
    }
}
