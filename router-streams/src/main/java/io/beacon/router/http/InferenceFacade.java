package io.beacon.router.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.topics.TopicSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /inference}: the runner's original HTTP call, answered over Kafka. The payload becomes an
 * {@link InferenceRequest} (new job id, key = job id, deadline = now + the request's time-out), which
 * is produced to {@code inference-requests}; the answer is that job's one final result from
 * {@code inference-results}, in the runner's {@code InferenceResponse} shape.
 *
 * <p>Waiting holds no thread: the handler registers the job with the {@link ResultCorrelator} before
 * producing it, returns, and the answer is written from the future's completion on {@code responder}
 * (never on the Kafka reader's, producer's or timer's thread, which must not block on a socket). A
 * request that gets no result in time is answered 504 with the job id, never left hanging.
 *
 * <p>Statuses: 200 success; 502/503 a final failure (see {@link #status}); 400 a field is wrong; 401 no
 * or a wrong token; 404, 405, 413, 415 as usual; 503 Kafka refused the job, too many waiting, not ready
 * or shutting down; 504 no result in time. Every body is JSON with {@code success} and {@code error}.
 */
public final class InferenceFacade implements HttpHandler, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceFacade.class);
    public static final String PATH = "/inference";

    private final Producer<String, InferenceRequest> producer;
    private final String requestsTopic;
    private final ResultCorrelator results;
    private final InferencePayloadParser parser;
    private final HttpSettings settings;
    private final Executor responder;
    private final Clock clock;
    private final Supplier<String> jobIds;
    private final Set<CompletableFuture<?>> answering = ConcurrentHashMap.newKeySet();

    /**
     * @param producer  idempotent producer with acks=all; this object closes it
     * @param requests  the requests topic (its name; the producer carries the serializers)
     * @param results   started separately; this object closes it
     * @param responder where answers are written (the HTTP server's bounded pool)
     * @param jobIds    new job ids (random UUIDs in production)
     */
    public InferenceFacade(Producer<String, InferenceRequest> producer, TopicSpec<String, InferenceRequest> requests,
                           ResultCorrelator results, InferencePayloadParser parser, HttpSettings settings,
                           Executor responder, Clock clock, Supplier<String> jobIds) {
        this.producer = producer;
        this.requestsTopic = requests.name();
        this.results = results;
        this.parser = parser;
        this.settings = settings;
        this.responder = responder;
        this.clock = clock;
        this.jobIds = jobIds;
    }

    /** Random UUIDs: unguessable, and spread evenly over the partitions by the key hash. */
    public static Supplier<String> randomJobIds() {
        return () -> UUID.randomUUID().toString();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            accept(exchange);
        } catch (IOException e) {
            LOG.debug("POST /inference: connection failed: {}", e.toString());
            exchange.close();
        } catch (RuntimeException e) {
            LOG.error("POST /inference failed unexpectedly", e);
            JsonReplies.send(exchange, 500, JsonReplies.failure("internal error: " + e));
        }
    }

    private void accept(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals(PATH) && !path.equals(PATH + "/")) {
            JsonReplies.send(exchange, 404, JsonReplies.failure("no such endpoint: " + path));
            return;
        }
        if (!exchange.getRequestMethod().equals("POST")) {
            exchange.getResponseHeaders().set("Allow", "POST");
            JsonReplies.send(exchange, 405, JsonReplies.failure("method " + exchange.getRequestMethod()
                    + " not allowed on " + PATH + "; use POST"));
            return;
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (!isJson(contentType)) {
            JsonReplies.send(exchange, 415, JsonReplies.failure("Content-Type must be application/json (UTF-8), not "
                    + (contentType == null ? "missing" : "'" + contentType + "'")));
            return;
        }
        byte[] body = readAtMost(exchange, settings.maxBodyBytes());
        if (body == null) {
            JsonReplies.send(exchange, 413, JsonReplies.failure("body: larger than the limit of "
                    + settings.maxBodyBytes() + " bytes (setting http.max.body.bytes)").put("field", "body"));
            return;
        }
        String jobId = jobIds.get();
        InferencePayloadParser.Outcome outcome = parser.parse(body, jobId, clock.instant());
        if (outcome instanceof InferencePayloadParser.Rejected rejected) {
            JsonReplies.send(exchange, 400, JsonReplies.failure(rejected.error()).put("field", rejected.field()));
            return;
        }
        InferencePayloadParser.Accepted accepted = (InferencePayloadParser.Accepted) outcome;
        if (results.pending() >= settings.maxPendingRequests()) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            JsonReplies.send(exchange, 503, JsonReplies.failure("too many requests waiting for results ("
                    + settings.maxPendingRequests() + ", setting http.max.pending.requests); retry shortly"));
            return;
        }
        submit(exchange, accepted);
    }

    /** Registers the wait, produces the job once the reader is ready, answers when the future completes. */
    private void submit(HttpExchange exchange, InferencePayloadParser.Accepted accepted) {
        InferenceRequest request = accepted.request();
        String jobId = request.getJobId();
        Duration timeout = accepted.timeout();
        CompletableFuture<InferenceResult> result = results.expect(jobId);
        result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        AtomicBoolean produced = new AtomicBoolean();
        CompletableFuture<Void> answered = result.handleAsync((value, error) -> {
            answer(exchange, jobId, timeout, produced.get(), value, error);
            return null;
        }, responder);
        answering.add(answered);
        answered.whenComplete((ignored, error) -> answering.remove(answered));
        if (results.ready().isDone()) {
            produce(request, result, produced);
        } else {
            // Only right after start: the reader is still fixing its positions.
            results.ready().thenRunAsync(() -> produce(request, result, produced), responder);
        }
    }

    private void produce(InferenceRequest request, CompletableFuture<InferenceResult> result, AtomicBoolean produced) {
        if (result.isDone()) {
            return; // timed out (or shut down) before the reader was ready: nothing was sent
        }
        try {
            producer.send(new ProducerRecord<>(requestsTopic, request.getJobId(), request), (metadata, error) -> {
                if (error != null) {
                    result.completeExceptionally(new ProduceFailed(error));
                }
            });
            produced.set(true);
        } catch (RuntimeException e) {
            result.completeExceptionally(new ProduceFailed(e));
        }
    }

    private void answer(HttpExchange exchange, String jobId, Duration timeout, boolean produced, InferenceResult value,
                        Throwable error) {
        try {
            if (value != null) {
                JsonReplies.send(exchange, status(value), InferenceResponseJson.of(value));
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof ProduceFailed failed) {
                LOG.warn("POST /inference: producing job {} failed: {}", jobId, failed.getCause().toString());
                JsonReplies.send(exchange, 503, withJob(JsonReplies.failure("the job could not be written to Kafka ("
                        + failed.getCause().getMessage() + "); retry"), jobId));
            } else if (cause instanceof TimeoutException && produced) {
                JsonReplies.send(exchange, 504, withJob(JsonReplies.failure("no result within "
                        + InferencePayloadParser.seconds(timeout) + "; the job " + jobId + " may still finish: GET /jobs/"
                        + jobId), jobId));
            } else if (cause instanceof TimeoutException) {
                JsonReplies.send(exchange, 503, JsonReplies.failure("the router is not ready to take jobs over HTTP"
                        + " yet (its reader of the results topic has not started); the job was not submitted, retry"));
            } else if (cause instanceof ShuttingDown) {
                JsonReplies.send(exchange, 503, withJob(JsonReplies.failure("the router is shutting down"
                        + (produced ? "; the job " + jobId + " may still finish: GET /jobs/" + jobId
                        + " on another instance" : "; the job was not submitted, retry")), jobId));
            } else if (cause instanceof ResultCorrelator.UndecodableResult) {
                JsonReplies.send(exchange, 502, withJob(JsonReplies.failure("the result of job " + jobId
                        + " could not be decoded: " + cause.getMessage()), jobId));
            } else {
                LOG.error("POST /inference: job {} failed unexpectedly", jobId, cause);
                JsonReplies.send(exchange, 500, withJob(JsonReplies.failure("internal error: " + cause), jobId));
            }
        } catch (IOException e) {
            // The caller hung up while waiting; the job goes on, its result stays on the topic.
            LOG.debug("POST /inference: could not answer for job {}: {}", jobId, e.toString());
        }
    }

    /**
     * The status of a final result; the body is the same {@code InferenceResponse} whatever it is, so a
     * runner that only reads {@code success} and {@code error} (as the guide's does) needs nothing else.
     * 200: the inference succeeded. 503: the job was never attempted (no healthy deployment could take it
     * before its deadline; the router gives up as soon as waiting longer would pass the deadline).
     * 502: it was attempted and every attempt failed.
     */
    static int status(InferenceResult result) {
        if (result.getSuccess()) {
            return 200;
        }
        return result.getAttempts() == 0 ? 503 : 502;
    }

    private static ObjectNode withJob(ObjectNode body, String jobId) {
        return body.put("job_id", jobId);
    }

    /**
     * application/json (or a {@code +json} type), UTF-8 if a charset is given. A missing header is taken
     * as JSON: some clients send none, and the body is checked anyway.
     */
    static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        List<String> parts = List.of(contentType.toLowerCase(Locale.ROOT).split(";"));
        String type = parts.get(0).trim();
        if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
            return false;
        }
        for (String parameter : parts.subList(1, parts.size())) {
            String p = parameter.trim();
            if (p.startsWith("charset=")) {
                String charset = p.substring("charset=".length()).replace("\"", "").trim();
                if (!charset.equals("utf-8") && !charset.equals("utf8")) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The body, or null when it is longer than {@code limit}. A declared length over the limit is
     * refused without reading; otherwise at most {@code limit + 1} bytes are read, so a chunked body
     * of any size never costs more memory than the limit.
     */
    static byte[] readAtMost(HttpExchange exchange, int limit) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > limit) {
                    return null;
                }
            } catch (NumberFormatException e) {
                // The server itself rejects malformed lengths; read and let the limit decide.
            }
        }
        return readAtMost(exchange.getRequestBody(), limit);
    }

    static byte[] readAtMost(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192));
        byte[] buffer = new byte[8192];
        long total = 0;
        while (true) {
            int wanted = (int) Math.min(buffer.length, (long) limit + 1 - total);
            if (wanted <= 0) {
                return null;
            }
            int read = in.read(buffer, 0, wanted);
            if (read < 0) {
                return out.toByteArray();
            }
            total += read;
            if (total > limit) {
                return null;
            }
            out.write(buffer, 0, read);
        }
    }

    /**
     * Answers every waiting request (503, the job may still finish) and waits up to {@code timeout} for
     * those answers to be written; called before the HTTP server stops.
     */
    public void drain(Duration timeout) {
        results.failAll(new ShuttingDown());
        CompletableFuture<?>[] writes = answering.toArray(new CompletableFuture<?>[0]);
        try {
            CompletableFuture.allOf(writes).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("not every waiting request was answered before shutdown: {}", e.toString());
        }
    }

    @Override
    public void close() {
        results.close();
        producer.close(Duration.ofSeconds(5));
    }

    /** Kafka did not take the job. */
    static final class ProduceFailed extends RuntimeException {
        ProduceFailed(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** The instance stops while the request waits. */
    static final class ShuttingDown extends RuntimeException {
        ShuttingDown() {
            super("the router is shutting down", null, false, false);
        }
    }
}
