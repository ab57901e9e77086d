package io.beacon.sim;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a streaming response (Ollama NDJSON, OpenAI server-sent events) frame by frame at planned offsets from
 * the execution's start. Each frame schedules the next one, so frames of one response are never written
 * concurrently and no thread waits between them. HTTP headers go out with the first frame, as a real server
 * sends them once the first token exists.
 */
final class TimedStream {

    private static final Logger LOG = LoggerFactory.getLogger(TimedStream.class);

    /** One piece of the body and when, after the execution's start, to write it. */
    record Frame(Duration offset, byte[] bytes) {
    }

    private final Execution execution;
    private final HttpExchange exchange;
    private final String contentType;
    private final List<Frame> frames;
    private final boolean success;
    private OutputStream out;

    private TimedStream(Execution execution, HttpExchange exchange, String contentType, List<Frame> frames,
                        boolean success) {
        this.execution = execution;
        this.exchange = exchange;
        this.contentType = contentType;
        this.frames = List.copyOf(frames);
        this.success = success;
    }

    /**
     * Starts playing {@code frames} (in order, at least one). The execution finishes with {@code success} just
     * before the last frame is written, or as failed if the client goes away first.
     */
    static void play(Execution execution, HttpExchange exchange, String contentType, List<Frame> frames,
                     boolean success) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("a stream needs at least one frame");
        }
        new TimedStream(execution, exchange, contentType, frames, success).scheduleFrame(0);
    }

    private void scheduleFrame(int index) {
        if (execution.at(frames.get(index).offset(), () -> writeFrame(index)) == null) {
            execution.finish(false);
            exchange.close();
        }
    }

    private void writeFrame(int index) {
        boolean last = index == frames.size() - 1;
        if (last) {
            // Counted before the client sees the end, so stats read right after a response are already final.
            execution.finish(success);
        }
        try {
            if (out == null) {
                exchange.getResponseHeaders().set("Content-Type", contentType);
                exchange.getResponseHeaders().set("Cache-Control", "no-cache");
                exchange.sendResponseHeaders(200, 0);
                out = exchange.getResponseBody();
            }
            out.write(frames.get(index).bytes());
            out.flush();
            if (last) {
                out.close();
                exchange.close();
            } else {
                scheduleFrame(index + 1);
            }
        } catch (IOException e) {
            LOG.debug("Streaming client went away: {}", e.toString());
            execution.finish(false);
            exchange.close();
        }
    }
}
