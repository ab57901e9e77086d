package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.workers.client.CallOutcome;
import io.beacon.workers.client.ProbeOutcome;
import io.beacon.workers.client.ProviderClient;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import io.beacon.workers.core.RecordCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Runs real calls with known fake keys, right and wrong, and through a server that echoes the key back in
 * its error, capturing every log line, outcome, attempt record and heartbeat: no key value may appear.
 */
class SecretsNeverLeakTest {

    private static final String ECHOED_KEY = "rp_echo_me_5521";
    private static final List<String> KEYS = List.of(Sims.MODAL_KEY, Sims.MODAL_SECRET, Sims.RUNPOD_KEY,
            "wk-wrong-7781", "ws-wrong-9913", "rp_wrong_4410", ECHOED_KEY);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final List<String> texts = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void release() throws Exception {
        root.detachAppender(logs);
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private void assertNoSecretAnywhere() {
        List<String> everything = new ArrayList<>(texts);
        for (ILoggingEvent event : logs.list) {
            everything.add(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                everything.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            everything.add(String.valueOf(event.getMDCPropertyMap()));
        }
        assertThat(everything).isNotEmpty();
        for (String text : everything) {
            assertThat(text).doesNotContain(KEYS);
        }
    }

    private CallOutcome call(ProviderClient client, DeploymentEndpoint d, String jobId) throws Exception {
        CallOutcome outcome = client.call(TestJobs.promptJob(jobId, d, Instant.now().plusSeconds(20)), d)
                .get(20, TimeUnit.SECONDS);
        texts.add(String.valueOf(outcome));
        return outcome;
    }

    private ProbeOutcome probe(ProviderClient client, DeploymentEndpoint d) throws Exception {
        ProbeOutcome outcome = client.probe(d).get(10, TimeUnit.SECONDS);
        texts.add(String.valueOf(outcome));
        return outcome;
    }

    @Test
    void shouldKeepKeysOutOfLogsOutcomesAndErrorsOfDirectCalls() throws Exception {
        // Given simulators that demand known keys
        ProviderSimulator modal = Sims.start("modal-secret", SimProvider.MODAL, Duration.ofMillis(30), 4, Sims.credentials());
        ProviderSimulator runpod = Sims.start("runpod-secret", SimProvider.RUNPOD, Duration.ofMillis(30), 4,
                Sims.credentials());
        toClose.add(modal);
        toClose.add(runpod);
        DeploymentEndpoint modalD = Sims.endpoint(modal, Duration.ofSeconds(5));
        DeploymentEndpoint runpodD = Sims.endpoint(runpod, Duration.ofSeconds(5));
        ProviderSecrets right = Sims.secrets();
        ProviderSecrets wrong = ProviderSecrets.of("rp_wrong_4410", "wk-wrong-7781", "ws-wrong-9913");

        // When clients call and probe with the right and the wrong keys
        for (ProviderSecrets secrets : List.of(right, wrong)) {
            try (ProviderClient m = WorkerApp.client(ProviderKind.MODAL, secrets, Duration.ofSeconds(1), false,
                    Clock.systemUTC());
                 ProviderClient r = WorkerApp.client(ProviderKind.RUNPOD, secrets, Duration.ofSeconds(1), false,
                         Clock.systemUTC())) {
                call(m, modalD, "job-m-" + secrets.hashCode());
                call(r, runpodD, "job-r-" + secrets.hashCode());
                probe(m, modalD);
                probe(r, runpodD);
                texts.add(secrets.toString());
            }
        }

        // And configuration errors are raised about them
        assertThatThrownBy(() -> ProviderSecrets.fromEnvironment(Map.of("MODAL_API_TOKEN", Sims.MODAL_KEY)))
                .satisfies(e -> texts.add(e.toString()));
        assertThatThrownBy(() -> ProviderSecrets.fromEnvironment(Map.of("MODAL_KEY", Sims.MODAL_KEY)))
                .satisfies(e -> texts.add(e.toString()));

        // Then no key value appears anywhere
        assertNoSecretAnywhere();
    }

    @Test
    void shouldMaskAKeyThatAProviderEchoesBackInItsError() throws Exception {
        // Given a server that quotes the Authorization header in its 503 body
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = ("{\"error\":\"upstream rejected header " + auth + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            } catch (IOException ignored) {
                // the client may have gone
            }
        });
        server.start();
        toClose.add(() -> server.stop(0));
        DeploymentEndpoint d = TestJobs.deployment("runpod-echo", ProviderKind.RUNPOD,
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v2/echo"), 2);

        // When a RunPod worker runs a job there (the worker logs the attempt, publishes it and a heartbeat)
        Topics topics = TestJobs.topics();
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        ProviderClient client = WorkerApp.client(ProviderKind.RUNPOD, ProviderSecrets.of(ECHOED_KEY, null, null),
                Duration.ofSeconds(1), false, Clock.systemUTC());
        ProviderWorker worker = new ProviderWorker(WorkerSettings.defaults(ProviderKind.RUNPOD, "worker-secrets"),
                List.of(d), client, consumer, producer, RecordCodec.of(topics, ProviderKind.RUNPOD), Clock.systemUTC());
        toClose.add(() -> worker.close(Duration.ofSeconds(2)));
        TopicPartition tp = new TopicPartition(topics.providerJobs(ProviderKind.RUNPOD).name(), 0);
        worker.runOnce();
        consumer.rebalance(List.of(tp));
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, 0, "job-echo",
                TestJobs.encode(topics, TestJobs.promptJob("job-echo", d, Instant.now().plusSeconds(20)))));
        await().atMost(Duration.ofSeconds(10)).pollInSameThread().until(() -> {
            worker.runOnce();
            return producer.history().stream().anyMatch(r -> r.topic().equals(topics.attempts().name()))
                    && producer.history().stream().anyMatch(r -> r.topic().equals(topics.status().name()));
        });

        // Then the attempt's error says what happened with the key masked, and nothing anywhere holds the key
        producer.history().forEach(r -> {
            if (r.topic().equals(topics.attempts().name())) {
                JobAttempt attempt = TestJobs.decodeAttempt(topics, r.value());
                texts.add(attempt.toString());
                assertThat(attempt.getError()).contains("HTTP 503").contains("[redacted]");
            } else if (r.topic().equals(topics.costLedger().name())) {
                texts.add(TestJobs.decodeCost(topics, r.value()).toString());
            } else {
                ProviderStatus status = TestJobs.decodeStatus(topics, r.value());
                texts.add(status.toString());
            }
        });
        assertNoSecretAnywhere();
    }
}
