package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.beacon.launcher.security.Role;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.ops.lag.LagReport;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.topics.Topics;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole pipeline on a secure embedded broker of its own (SASL_SSL, SCRAM-SHA-512, ACLs, free ports, a temporary
 * directory): every component logs in as its own principal and jobs still come back once each; and the ACLs hold:
 * the runner may not read a provider's jobs or forge a result, and a client without credentials gets nowhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurePipelineIT {

    private static final String RUNNER_GROUP = "secure-it-results";

    private LocalPipeline pipeline;
    private Topics topics;

    @BeforeAll
    void startSecurePipeline() throws Exception {
        Map<String, String> settings = Map.of(RouterConfig.HTTP_PORT, "0");
        pipeline = LocalPipeline.start(new LocalPipeline.Options(settings, 0, 0, 0, 0, 3, (short) 1, 1, true,
                RUNNER_GROUP));
        pipeline.awaitReady(Duration.ofSeconds(60));
        topics = pipeline.runnerTopics();
    }

    @AfterAll
    void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    void shouldRunJobsWithEveryComponentAsItsOwnPrincipal() throws Exception {
        int jobs = 12;
        Map<String, Object> runner = runnerClient();
        try (KafkaProducer<String, InferenceRequest> producer = new KafkaProducer<>(producerProps(runner),
                topics.requests().keySerde().serializer(), topics.requests().valueSerde().serializer());
             KafkaConsumer<String, InferenceResult> results = new KafkaConsumer<>(groupConsumerProps(runner),
                     topics.results().keySerde().deserializer(), topics.results().valueSerde().deserializer())) {
            results.subscribe(List.of(topics.results().name()));
            for (int i = 0; i < jobs; i++) {
                String id = "secure-" + i;
                producer.send(new ProducerRecord<>(topics.requests().name(), id, InferenceRequest.newBuilder()
                        .setJobId(id).setModel("llama3.2:1b").setPrompt("Describe a typical day of a nurse.")
                        .setCreatedAt(Instant.now()).setMetadata(Map.of()).build())).get();
            }
            Map<String, InferenceResult> received = new HashMap<>();
            int[] duplicates = {0};
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, InferenceResult> record : results.poll(Duration.ofMillis(200))) {
                    if (received.put(record.key(), record.value()) != null) {
                        duplicates[0]++;
                    }
                }
                return received.size() >= jobs;
            });
            assertThat(received).hasSize(jobs);
            assertThat(duplicates[0]).isZero();
            assertThat(received.values()).allSatisfy(r ->
                    assertThat(r.getSuccess()).as("job %s: %s", r.getJobId(), r.getError()).isTrue());
            results.commitSync();
        }
        // The router's lag monitor logs in as ops: it still sees every group's offsets, the runner's included.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            LagReport lag = pipeline.router().lag();
            assertThat(lag.group("beacon-router")).isPresent();
            assertThat(lag.group("beacon-worker-golem")).isPresent();
            assertThat(lag.group(RUNNER_GROUP)).isPresent();
        });
    }

    @Test
    void shouldRefuseTheRunnerReadingAProvidersJobs() {
        Map<String, Object> props = new HashMap<>(runnerClient());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, RUNNER_GROUP);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition("provider-jobs.golem", 0)));
            consumer.seekToBeginning(consumer.assignment());
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(10)))
                    .isInstanceOf(TopicAuthorizationException.class)
                    .hasMessageContaining("provider-jobs.golem");
        }
    }

    @Test
    void shouldRefuseTheRunnerWritingAResult() {
        Map<String, Object> props = producerProps(runnerClient());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topics.results().name(),
                    "forged".getBytes(), "forged".getBytes())).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void shouldRefuseAClientWithoutCredentials() {
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        try (Admin admin = Admin.create(props)) {
            // A plaintext client cannot even complete a handshake with the TLS listener: no answer, ever.
            assertThatThrownBy(() -> admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).nodes().get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        }
    }

    @Test
    void shouldRefuseAWrongPassword() {
        Map<String, Object> props = new HashMap<>(runnerClient());
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"runner\" password=\"not-the-password\";");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(props)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void shouldWriteEachPrincipalsClientFileAndGuardTheRegistry() throws Exception {
        Path dir = pipeline.credentialsDir().orElseThrow();
        for (Role role : Role.values()) {
            assertThat(dir.resolve(role.defaultUser() + ".properties")).isRegularFile();
            assertThat(dir.resolve(role.defaultUser() + "-beacon.properties")).isRegularFile();
        }
        assertThat(dir.resolve("ca.pem")).isRegularFile();
        Properties runnerFile = new Properties();
        try (Reader reader = Files.newBufferedReader(dir.resolve("runner.properties"))) {
            runnerFile.load(reader);
        }
        assertThat(runnerFile.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(runnerFile.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(runnerFile.getProperty("sasl.jaas.config")).contains("username=\"runner\"");

        // The file alone is enough for a Kafka client: it may read the results topic's metadata.
        Map<String, Object> fromFile = new HashMap<>();
        runnerFile.stringPropertyNames().stream().filter(key -> !key.contains("schema.registry")
                        && !key.startsWith("basic.auth"))
                .forEach(key -> fromFile.put(key, runnerFile.getProperty(key)));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(fromFile, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            assertThat(consumer.partitionsFor(topics.results().name(), Duration.ofSeconds(10))).hasSize(3);
        }

        String registry = runnerFile.getProperty(CommonConfig.SCHEMA_REGISTRY_URL);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(registry + "/subjects")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> withLogin = http.send(HttpRequest.newBuilder(URI.create(registry + "/subjects"))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        runnerFile.getProperty("basic.auth.user.info").getBytes())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(withLogin.statusCode()).isEqualTo(200);
        assertThat(withLogin.body()).contains(topics.requests().name() + "-value");
    }

    private Map<String, Object> runnerClient() {
        Map<String, Object> props = new HashMap<>(pipeline.runnerPassthrough());
        props.put(CommonConfig.BOOTSTRAP_SERVERS, pipeline.bootstrapServers());
        return props;
    }

    private static Map<String, Object> producerProps(Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return props;
    }

    private static Map<String, Object> groupConsumerProps(Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, RUNNER_GROUP);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }
}
