package io.beacon.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code interop.mjs}, the runner written against Confluent's Node.js client libraries, as a child
 * process, and reads back what it printed: one JSON line per result, a summary line, and the file of
 * requests it produced.
 */
final class NodeInteropClient {

    /** {@code util.parseArgs}, which the client uses, arrived in Node.js 18.3. */
    private static final int MIN_NODE_MAJOR = 18;
    private static final Pattern NODE_VERSION = Pattern.compile("v(\\d+)\\.");

    /** What one run is asked to do. */
    record Invocation(String bootstrapServers, String registryUrl, String requestsTopic, String resultsTopic,
                      int jobs, Path requestSchemaFile, String runId, Duration resultsTimeout) {
    }

    /** What one run printed; {@code stdout} and {@code stderr} are the files kept under target/. */
    record Run(int exitCode, List<JsonNode> results, JsonNode summary, List<JsonNode> sent, Path stdout, Path stderr) {

        /** The end of stderr and the summary, for assertion messages. */
        String diagnostics() {
            return "summary: " + summary + "\nstderr (" + stderr + "), last lines:\n" + tail(stderr, 25);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path clientDir;
    private final Path outputDir;

    /**
     * @param clientDir where interop.mjs and its installed node_modules are (the build puts them in target/)
     * @param outputDir where each run's stdout, stderr and sent requests are kept
     */
    NodeInteropClient(Path clientDir, Path outputDir) {
        this.clientDir = clientDir;
        this.outputDir = outputDir;
    }

    /**
     * Fails, never skips, when {@code node} is missing or too old: CI installs it, so its absence is a
     * broken build, not a reason to prove less.
     *
     * @return the version node reports, e.g. v20.20.2
     */
    static String requireNode() {
        String version;
        try {
            Process process = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("`node --version` did not answer within 20 s");
            }
            version = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IllegalStateException("Node.js is not installed (no `node` on PATH): the runner interop test"
                    + " needs Node.js " + MIN_NODE_MAJOR + "+ and npm (.ci/run installs them:"
                    + " apt-get install nodejs npm)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking node for its version", e);
        }
        Matcher matcher = NODE_VERSION.matcher(version);
        if (!matcher.lookingAt() || Integer.parseInt(matcher.group(1)) < MIN_NODE_MAJOR) {
            throw new IllegalStateException("Node.js " + MIN_NODE_MAJOR + "+ is needed for the runner interop test;"
                    + " `node --version` says " + version);
        }
        return version;
    }

    /** Runs the client to its end (or kills it after the results timeout and a minute's grace). */
    Run run(String label, Invocation invocation) {
        Path script = clientDir.resolve("interop.mjs");
        if (!Files.isRegularFile(script) || !Files.isDirectory(clientDir.resolve("node_modules"))) {
            throw new IllegalStateException("the Node.js client is not installed in " + clientDir + ": run this test"
                    + " through Maven (`mvn verify -pl runner-interop`), which copies src/test/node there and runs"
                    + " `npm ci` in the pre-integration-test phase");
        }
        Path stdout = outputDir.resolve(label + "-stdout.jsonl");
        Path stderr = outputDir.resolve(label + "-stderr.log");
        Path sent = outputDir.resolve(label + "-sent.jsonl");
        List<String> command = List.of("node", script.getFileName().toString(),
                "--bootstrap", invocation.bootstrapServers(),
                "--registry", invocation.registryUrl(),
                "--requests-topic", invocation.requestsTopic(),
                "--results-topic", invocation.resultsTopic(),
                "--jobs", Integer.toString(invocation.jobs()),
                "--schema-file", invocation.requestSchemaFile().toAbsolutePath().toString(),
                "--sent-file", sent.toAbsolutePath().toString(),
                "--timeout-seconds", Long.toString(invocation.resultsTimeout().toSeconds()),
                "--run-id", invocation.runId());
        int exitCode;
        try {
            Files.createDirectories(outputDir);
            Files.deleteIfExists(sent);
            Process process = new ProcessBuilder(command)
                    .directory(clientDir.toFile())
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            Duration limit = invocation.resultsTimeout().plusMinutes(1);
            if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("the Node.js client (pid " + process.pid() + ") did not end within "
                        + limit.toSeconds() + " s and was killed; see " + stdout + " and " + stderr + ":\n"
                        + tail(stderr, 25));
            }
            exitCode = process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command.subList(0, 2)) + " in " + clientDir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Node.js client ran", e);
        }
        List<JsonNode> results = new ArrayList<>();
        JsonNode summary = null;
        for (JsonNode line : readJsonLines(stdout)) {
            if (line.has("summary")) {
                summary = line.get("summary");
            } else {
                results.add(line);
            }
        }
        List<JsonNode> produced = Files.exists(sent) ? readJsonLines(sent) : List.of();
        return new Run(exitCode, results, summary, produced, stdout, stderr);
    }

    private static List<JsonNode> readJsonLines(Path file) {
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the JSON lines in " + file, e);
        }
        return out;
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
