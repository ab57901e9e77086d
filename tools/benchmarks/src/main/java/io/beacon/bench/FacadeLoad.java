package io.beacon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * An open-loop HTTP client for {@code POST /inference}: request {@code i} is due at
 * {@code start + i / rate}, sent then whatever earlier requests are doing, and its response time is
 * measured from that due time. A client that falls behind (a stall here, or a full connection pool)
 * therefore shows up as latency of every request due during it, not as fewer requests (no coordinated
 * omission). HTTP/1.1 as the runner's Go client speaks it to a plain-http server; the JDK client opens
 * another connection whenever every open one is busy, so a slow answer never holds up the next request.
 *
 * <p>Per answer it records the response time, the provider's own time ({@code inference_time}, which
 * the worker takes from the provider's answer) and their difference: what the HTTP facade, Kafka, the
 * router and the worker add.
 */
final class FacadeLoad implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MICROS_PER_SECOND = 1_000_000L;
    /** Above the request's own timeout_seconds (20 s), so the facade's 504 arrives before the client gives up. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(25);
    private static final long HIGHEST_MICROS = 5 * 60 * MICROS_PER_SECOND;

    /** One successful answer in the window: its job, when it was due and answered (System.nanoTime()). */
    record Sample(String jobId, long dueNanos, long answeredNanos, long providerMicros) {
    }

    /** What one rate produced; histograms in microseconds, over the requests due in the window. */
    record Result(int ratePerSecond, Duration warmup, Duration window, long measured, long answered, long succeeded,
                  Map<String, Long> errors, Map<String, Long> providers, Histogram response, Histogram providerTime,
                  Histogram overhead, Histogram sendLag, int peakOutstanding, long unanswered,
                  long worstAtMillisIntoWindow, List<Sample> samples) {

        long failed() {
            return measured - succeeded;
        }
    }

    private final URI url;
    private final byte[] body;
    private final ExecutorService executor;
    private final HttpClient client;

    /**
     * @param url  the facade's {@code POST /inference} address
     * @param body the request body sent every time (a new job each time: the facade gives the job id)
     */
    FacadeLoad(URI url, byte[] body) {
        this.url = url;
        this.body = body.clone();
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, runnable -> {
            Thread thread = new Thread(runnable, "facade-load-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).executor(executor).build();
    }

    private HttpRequest request() {
        return HttpRequest.newBuilder(url).timeout(CLIENT_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** One request, waited for: the status and, for a 200, the provider that answered. */
    String probe() throws IOException, InterruptedException {
        HttpResponse<byte[]> response = client.send(request(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode json = JSON.readTree(response.body());
        return response.statusCode() + " " + json.path("provider_used").asText(json.path("error").asText(""));
    }

    /**
     * Sends {@code rate x (warmup + window)} requests on the absolute schedule, then waits for every
     * answer (at most the client time-out after the last send). Only requests due after the warm-up count.
     *
     * @param maxOpen requests allowed to wait for an answer at once; one due while that many wait is not
     *                sent and counts as an error. Each open request holds a connection (two file
     *                descriptors in this JVM, which also hosts the server), so a pipeline that falls far
     *                behind would otherwise exhaust the process's descriptors and take the broker down.
     */
    Result run(int ratePerSecond, Duration warmup, Duration window, int maxOpen) throws InterruptedException {
        int total = (int) (ratePerSecond * (warmup.toMillis() + window.toMillis()) / 1000);
        long intervalNanos = 1_000_000_000L / ratePerSecond;
        Histogram response = histogram();
        Histogram providerTime = histogram();
        Histogram overhead = histogram();
        Histogram sendLag = histogram();
        AtomicLong measured = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        AtomicLong succeeded = new AtomicLong();
        AtomicLong worstMicros = new AtomicLong(-1);
        AtomicLong worstAt = new AtomicLong(-1);
        Map<String, Long> errors = new ConcurrentHashMap<>();
        Map<String, Long> providers = new ConcurrentHashMap<>();
        AtomicInteger outstanding = new AtomicInteger();
        AtomicInteger peakOutstanding = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(total);
        Queue<Sample> samples = new ConcurrentLinkedQueue<>();

        long start = System.nanoTime() + 50_000_000L;
        long windowStart = start + warmup.toNanos();
        for (int i = 0; i < total; i++) {
            long due = start + i * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            boolean inWindow = due >= windowStart;
            if (inWindow) {
                measured.incrementAndGet();
                sendLag.recordValue(Math.max(0, (System.nanoTime() - due) / 1000));
            }
            if (outstanding.get() >= maxOpen) {
                if (inWindow) {
                    errors.merge("not sent: " + maxOpen + " requests already open (the client's cap)", 1L, Long::sum);
                }
                done.countDown();
                continue;
            }
            peakOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
            client.sendAsync(request(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((answer, error) -> {
                long answeredAt = System.nanoTime();
                long micros = (answeredAt - due) / 1000;
                outstanding.decrementAndGet();
                try {
                    if (!inWindow) {
                        return;
                    }
                    if (error != null) {
                        errors.merge(describe(error), 1L, Long::sum);
                        return;
                    }
                    answered.incrementAndGet();
                    JsonNode json = parse(answer.body());
                    if (answer.statusCode() != 200 || json == null || !json.path("success").asBoolean(false)) {
                        errors.merge("HTTP " + answer.statusCode() + ": " + shorten(json == null ? "(no JSON body)"
                                : json.path("error").asText("")), 1L, Long::sum);
                        return;
                    }
                    succeeded.incrementAndGet();
                    long providerMicros = Math.round(json.path("inference_time").asDouble() * MICROS_PER_SECOND);
                    response.recordValue(Math.min(micros, HIGHEST_MICROS));
                    providerTime.recordValue(Math.min(Math.max(0, providerMicros), HIGHEST_MICROS));
                    overhead.recordValue(Math.min(Math.max(0, micros - providerMicros), HIGHEST_MICROS));
                    providers.merge(json.path("provider_used").asText("?"), 1L, Long::sum);
                    samples.add(new Sample(json.path("job_id").asText(""), due, answeredAt, providerMicros));
                    if (micros > worstMicros.get()) {
                        synchronized (worstMicros) {
                            if (micros > worstMicros.get()) {
                                worstMicros.set(micros);
                                worstAt.set((due - windowStart) / 1_000_000);
                            }
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        boolean all = done.await(CLIENT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        return new Result(ratePerSecond, warmup, window, measured.get(), answered.get(), succeeded.get(),
                new TreeMap<>(errors), new TreeMap<>(providers), response, providerTime, overhead, sendLag,
                peakOutstanding.get(), all ? 0 : done.getCount(), worstAt.get(), List.copyOf(samples));
    }

    private static Histogram histogram() {
        return new ConcurrentHistogram(HIGHEST_MICROS, 3);
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }

    private static String describe(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause.getClass().getSimpleName() + ": " + shorten(String.valueOf(cause.getMessage()));
    }

    /** The start of an error text, with the job id (different every time) left out, so equal causes group. */
    private static String shorten(String text) {
        String plain = text.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<job>");
        return plain.length() <= 100 ? plain : plain.substring(0, 100) + "...";
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
