package io.beacon.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository under test, and broken copies of its stack files for proving that a check bites. */
final class Repo {

    /** The stack's own files, relative to the repository root: what a broken copy holds. */
    static final List<String> STACK_FILES = List.of("docker-compose.yml", "Dockerfile", "deploy/prometheus",
            "deploy/grafana");

    private static volatile Poms poms;
    private static volatile SourceIndex sources;

    private Repo() {
    }

    static Path root() {
        String configured = System.getProperty("beacon.repo.root");
        Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docker-compose.yml")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root (docker-compose.yml next to pom.xml) at or above " + start);
    }

    static Poms poms() {
        if (poms == null) {
            poms = Poms.read(root());
        }
        return poms;
    }

    static SourceIndex sources() {
        if (sources == null) {
            sources = SourceIndex.of(poms());
        }
        return sources;
    }

    static ComposeFile compose() {
        return ComposeFile.read(root().resolve("docker-compose.yml"));
    }

    /** The checks on the repository's own stack. */
    static StackChecks checks() {
        return new StackChecks(compose(), sources(), poms());
    }

    /** The checks on a copy made by {@link #copyStackTo}; the sources and poms stay the repository's. */
    static StackChecks checksAt(Path copy) {
        return new StackChecks(ComposeFile.read(copy.resolve("docker-compose.yml")), sources(), poms());
    }

    /** Copies {@link #STACK_FILES} into {@code dir} and returns it. */
    static Path copyStackTo(Path dir) {
        Path root = root();
        for (String entry : STACK_FILES) {
            Path source = root.resolve(entry);
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path path : walk.toList()) {
                    Path target = dir.resolve(root.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(path, target);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy " + source, e);
            }
        }
        return dir;
    }

    /**
     * Replaces the one occurrence of {@code from} that follows the first occurrence of {@code after} in
     * {@code file}; fails the test when there is none, so a mutation cannot silently miss.
     */
    static void edit(Path file, String after, String from, String to) {
        try {
            String text = Files.readString(file);
            int anchor = text.indexOf(after);
            if (anchor < 0) {
                throw new AssertionError(file + " has no '" + after + "' to edit after");
            }
            int at = text.indexOf(from, anchor);
            if (at < 0) {
                throw new AssertionError(file + " has no '" + from + "' after '" + after + "'");
            }
            Files.writeString(file, text.substring(0, at) + to + text.substring(at + from.length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the first occurrence of {@code from} in {@code file}. */
    static void edit(Path file, String from, String to) {
        edit(file, from, from, to);
    }
}
