package io.beacon.workers.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.CircuitState;
import io.beacon.schemas.avro.FailureBlame;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.Sims;
import io.beacon.workers.TestJobs;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.golem.OllamaClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries and the circuit breaker around a real client, against a tiny Ollama-speaking JDK HTTP server whose
 * answers each test scripts (the simulators send no {@code Retry-After}).
 */
class ResilientCallerTest {

    private static final String OK_BODY = "{\"model\":\"llama3.2:1b\",\"message\":{\"role\":\"assistant\","
            + "\"content\":\"hello\"},\"done\":true,"
            + "\"total_duration\":5000000,\"prompt_eval_count\":3,\"eval_count\":2}";

    /** One scripted answer. */
    private record Answer(int status, String retryAfter, String body) {
    }

    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private ExecutorService serverThreads;
    private ExecutorService httpThreads;
    private OllamaClient client;
    private DeploymentEndpoint node;

    @BeforeEach
    void startServer() throws IOException {
        serverThreads = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/chat", exchange -> {
            arrivals.add(System.nanoTime());
            exchange.getRequestBody().readAllBytes();
            Answer a = script.poll();
            if (a == null) {
                a = new Answer(200, null, OK_BODY);
            }
            if (a.retryAfter() != null) {
                exchange.getResponseHeaders().add("Retry-After", a.retryAfter());
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(a.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(serverThreads);
        server.start();
        node = TestJobs.deployment("golem-ra", ProviderKind.GOLEM,
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), 4);
        httpThreads = Executors.newCachedThreadPool();
        client = new OllamaClient(Sims.http(httpThreads), Clock.systemUTC(), ProviderSecrets.none(),
                Duration.ofMillis(500), false, null);
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        serverThreads.shutdownNow();
        httpThreads.shutdownNow();
    }

    private void answer(int status, String retryAfter) {
        script.add(new Answer(status, retryAfter, "{\"error\":\"status " + status + "\"}"));
    }

    private ResilientCaller caller(RetrySettings retry, DeploymentCircuit circuit) {
        return new ResilientCaller(client, Map.of(node.id(), circuit), retry, Clock.systemUTC());
    }

    private ResilientCaller caller(RetrySettings retry) {
        return caller(retry, new DeploymentCircuit(node.id(), CircuitSettings.defaults(), Clock.systemUTC(), () -> { }));
    }

    private RoutedJob job(String id, Instant deadline) {
        return TestJobs.promptJob(id, node, deadline);
    }

    private static CallOutcome await(java.util.concurrent.CompletableFuture<CallOutcome> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    private Duration gap(int first, int second) {
        return Duration.ofNanos(arrivals.get(second) - arrivals.get(first));
    }

    @Test
    void shouldWaitForRetryAfterAndThenRetryTheSameDeployment() throws Exception {
        // Given a node that answers 429 with Retry-After: 1, then 200
        answer(429, "1");

        // When the attempt runs with retries allowed
        CallOutcome outcome = await(caller(RetrySettings.defaults()).call(job("job-ra", Instant.now().plusSeconds(30)),
                node));

        // Then it waited the second the node asked for, retried once, and succeeded
        assertThat(arrivals).hasSize(2);
        assertThat(gap(0, 1)).isGreaterThanOrEqualTo(Duration.ofMillis(1000)).isLessThan(Duration.ofMillis(2500));
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
        assertThat(outcome.response()).isEqualTo("hello");
        assertThat(outcome.error()).isNull();
        assertThat(outcome.wallTime()).as("the attempt spans both calls").isGreaterThanOrEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void shouldBackOffWhenA503HasNoRetryAfter() throws Exception {
        answer(503, null);

        CallOutcome outcome = await(caller(new RetrySettings(2, Duration.ofSeconds(5), Duration.ofMillis(300)))
                .call(job("job-503", Instant.now().plusSeconds(30)), node));

        assertThat(arrivals).hasSize(2);
        assertThat(gap(0, 1)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.SUCCEEDED);
    }

    @Test
    void shouldGiveUpAsRetryableAfterTheLastRetry() throws Exception {
        // Given a node that stays rate-limited
        answer(429, "0");
        answer(429, "0");
        answer(429, "0");

        // When the attempt may retry twice
        CallOutcome outcome = await(caller(RetrySettings.defaults()).call(job("job-busy", Instant.now().plusSeconds(30)),
                node));

        // Then three calls were made and the router is told to fail over
        assertThat(arrivals).hasSize(3);
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.httpStatus()).isEqualTo(429);
        assertThat(outcome.error()).contains("HTTP 429").endsWith("(after 2 retries)");
    }

    @Test
    void shouldFailOverAtOnceWhenRetryAfterIsBeyondTheCap() throws Exception {
        answer(429, "30");

        CallOutcome outcome = await(caller(RetrySettings.defaults()).call(job("job-later", Instant.now().plusSeconds(60)),
                node));

        assertThat(arrivals).hasSize(1);
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(outcome.error()).contains("Retry-After 30000 ms is beyond the 5000 ms this worker waits");
    }

    @Test
    void shouldNotRetryWhenTheDeadlineLeavesNoTimeForIt() throws Exception {
        // Given a job due in 1.5 s that the router expects to take 1 s, and a node asking to come back in 1 s
        answer(429, "1");

        CallOutcome outcome = await(caller(RetrySettings.defaults()).call(job("job-tight",
                Instant.now().plusMillis(1500)), node));

        // Then it is not retried: the router can still fail it over in time
        assertThat(arrivals).hasSize(1);
        assertThat(outcome.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(outcome.error()).contains("no retry").contains("deadline");
    }

    @Test
    void shouldNotRetryServerErrorsOrPermanentFailures() throws Exception {
        answer(500, "1");
        script.add(new Answer(400, null, "{\"error\":\"invalid options: num_predict must be a number\"}"));
        ResilientCaller caller = caller(RetrySettings.defaults());

        CallOutcome broken = await(caller.call(job("job-500", Instant.now().plusSeconds(30)), node));
        CallOutcome invalid = await(caller.call(job("job-400", Instant.now().plusSeconds(30)), node));

        assertThat(arrivals).hasSize(2);
        assertThat(broken.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(broken.blame()).isEqualTo(FailureBlame.UNHEALTHY);
        assertThat(broken.error()).isEqualTo("ollama returned HTTP 500: status 500");
        assertThat(invalid.outcome()).isEqualTo(AttemptOutcome.PERMANENT_FAILURE);
        assertThat(invalid.blame()).isEqualTo(FailureBlame.REQUEST);
    }

    @Test
    void shouldTakeAMisconfiguredDeploymentOutAtOnceWithoutCountingItInTheBreaker() throws Exception {
        // Given a node that no longer has the model
        DeploymentCircuit circuit = new DeploymentCircuit(node.id(), new CircuitSettings(
                CircuitSettings.WindowType.COUNT, 10, 1, 50f, Duration.ofSeconds(30), 1), Clock.systemUTC(), () -> { });
        script.add(new Answer(404, null, "{\"error\":\"model \\\"llama3.2:1b\\\" not found, try pulling it first\"}"));
        ResilientCaller caller = caller(RetrySettings.defaults(), circuit);

        // When a job is attempted there, and then another
        CallOutcome missing = await(caller.call(job("job-404", Instant.now().plusSeconds(30)), node));
        CallOutcome refused = await(caller.call(job("job-next", Instant.now().plusSeconds(30)), node));

        // Then the first is the deployment's fault (the router fails it over), not retried here
        assertThat(missing.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(missing.blame()).isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(missing.error()).startsWith("deployment misconfigured (model not found on this deployment)")
                .contains("try pulling it first");
        // And the second is refused without a call, blamed on the set-up, while the breaker stays closed
        assertThat(arrivals).hasSize(1);
        assertThat(refused.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(refused.blame()).isEqualTo(FailureBlame.MISCONFIGURED);
        assertThat(refused.error()).startsWith("deployment golem-ra is out of service, misconfigured:");
        assertThat(refused.billedSeconds()).isZero();
        assertThat(circuit.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(circuit.misconfiguration().current()).hasValueSatisfying(f -> {
            assertThat(f.model()).isEqualTo("llama3.2:1b");
            assertThat(f.strikes()).isEqualTo(1);
        });
    }

    @Test
    void shouldRefuseWithoutCallingWhileTheCircuitIsOpen() throws Exception {
        // Given a circuit that opens after two failed calls
        DeploymentCircuit circuit = new DeploymentCircuit(node.id(), new CircuitSettings(
                CircuitSettings.WindowType.COUNT, 10, 2, 50f, Duration.ofSeconds(30), 1), Clock.systemUTC(), () -> { });
        ResilientCaller caller = caller(RetrySettings.none(), circuit);
        answer(500, null);
        answer(502, null);
        await(caller.call(job("job-1", Instant.now().plusSeconds(30)), node));
        await(caller.call(job("job-2", Instant.now().plusSeconds(30)), node));

        // When another job is attempted
        CallOutcome refused = await(caller.call(job("job-3", Instant.now().plusSeconds(30)), node));

        // Then the node is not called and the attempt is a retryable "circuit open" failure that bills nothing
        assertThat(arrivals).hasSize(2);
        assertThat(refused.outcome()).isEqualTo(AttemptOutcome.RETRYABLE_FAILURE);
        assertThat(refused.error()).isEqualTo("circuit open for golem-ra");
        assertThat(refused.billedSeconds()).isZero();
        assertThat(refused.wallTime()).isZero();
    }

    @Test
    void shouldStopRetryingWhenTheCircuitOpensMeanwhileAndKeepTheProvidersAnswer() throws Exception {
        // Given a circuit that opens after one failed call, and a node that answers 503 with Retry-After: 0
        DeploymentCircuit circuit = new DeploymentCircuit(node.id(), new CircuitSettings(
                CircuitSettings.WindowType.COUNT, 10, 1, 50f, Duration.ofSeconds(30), 1), Clock.systemUTC(), () -> { });
        answer(503, "0");

        // When the attempt would retry
        CallOutcome outcome = await(caller(RetrySettings.defaults(), circuit).call(job("job-x",
                Instant.now().plusSeconds(30)), node));

        // Then the retry is refused and the attempt reports the node's 503 and why it stopped
        assertThat(arrivals).hasSize(1);
        assertThat(outcome.error()).contains("HTTP 503").contains("then circuit open for golem-ra");
    }
}
