package io.beacon.workers.golem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.Flow;

/**
 * Reads Ollama's streamed answer, one JSON object per line, as the HTTP client delivers the lines: it
 * appends each chunk's text, keeps the final {@code "done": true} line (which carries the counts and
 * durations) and remembers an {@code {"error": ...}} line. Lines arrive on one thread at a time
 * (reactive-streams rule), so plain fields suffice; {@link #result()} is read after completion.
 */
final class NdjsonCollector implements Flow.Subscriber<String> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RAW_KEEP_CHARS = 2_000;

    /**
     * @param text      the answer so far
     * @param finalLine the {@code done: true} line, null when the stream ended without one
     * @param error     an error line's message, or why the stream could not be read
     * @param lines     lines received
     * @param rawText   the first lines as received, for error messages when the status is not 200
     */
    record Result(String text, JsonNode finalLine, String error, int lines, String rawText) {
    }

    private final boolean chat;
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder raw = new StringBuilder();
    private JsonNode finalLine;
    private String error;
    private int lines;

    NdjsonCollector(boolean chat) {
        this.chat = chat;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        if (line.isBlank()) {
            return;
        }
        lines++;
        if (raw.length() < RAW_KEEP_CHARS) {
            raw.append(line).append('\n');
        }
        if (error != null || finalLine != null) {
            return;
        }
        JsonNode json;
        try {
            json = JSON.readTree(line);
        } catch (IOException e) {
            error = "line " + lines + " is not JSON";
            return;
        }
        if (json == null || !json.isObject()) {
            error = "line " + lines + " is not a JSON object";
            return;
        }
        if (json.hasNonNull("error")) {
            error = json.get("error").asText();
            return;
        }
        String chunk = chat ? json.path("message").path("content").asText("") : json.path("response").asText("");
        text.append(chunk);
        if (json.path("done").asBoolean(false)) {
            finalLine = json;
        }
    }

    @Override
    public void onError(Throwable throwable) {
        if (error == null) {
            error = "stream broke: " + throwable.getClass().getSimpleName();
        }
    }

    @Override
    public void onComplete() {
        // The result is read through result() once the HTTP client completes the body.
    }

    Result result() {
        return new Result(text.toString(), finalLine, error, lines, raw.toString());
    }
}
