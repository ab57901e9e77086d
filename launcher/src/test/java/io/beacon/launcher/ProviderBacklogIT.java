package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.launcher.stack.LocalPipeline;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A provider whose workers fall behind: every Golem node turns very slow, so the Golem worker group's
 * committed offsets stop moving while its jobs wait on the nodes. The router's lag monitor sees the lag
 * in seconds grow and the group's status leave OK, and new jobs go to the burst providers instead, with
 * the reason in each routed job, while the Golem deployments still heartbeat as healthy.
 */
class ProviderBacklogIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private IsolatedRun run;
    private String golemGroup;
    private LocalPipeline pipeline;
    private Topics topics;

    @BeforeEach
    void startPipeline() throws Exception {
        run = IsolatedRun.start("backlog");
        golemGroup = run.workerGroup(ProviderKind.GOLEM);
        Map<String, String> settings = run.settings();
        settings.put("lag.poll.interval.ms", "500");
        settings.put("router.backlog.max.lag.seconds", "4");
        pipeline = TestPipelines.startReady(settings);
        topics = run.topics();
    }

    @AfterEach
    void stopPipeline() {
        if (pipeline != null) {
            golemNodes().forEach(node -> node.faults().recover());
            pipeline.close();
        }
        run.close();
    }

    @Test
    void shouldStopSendingJobsToAProviderWhoseWorkersFallBehind() throws Exception {
        // Given a Golem worker group that has been keeping up (it committed, its status is OK)
        produce("warm", 6);
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode group = lagGroup(golemGroup);
            assertThat(group).as("group %s in /lag", golemGroup).isNotNull();
            assertThat(group.get("status").textValue()).isEqualTo("OK");
            assertThat(group.get("total_lag").longValue()).isZero();
        });
        // And then every Golem node forty times slower (a job takes about a minute there)
        golemNodes().forEach(node -> node.faults().slowDown(40));

        // When a burst of cost-priority jobs arrives (Golem takes what it has room for)
        produce("first", 24);

        // Then the Golem group's lag in seconds rises and its status leaves OK
        List<Double> lagSeconds = new ArrayList<>();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode group = lagGroup(golemGroup);
            assertThat(group).as("group %s in /lag", golemGroup).isNotNull();
            lagSeconds.add(group.get("max_lag_seconds").doubleValue());
            assertThat(group.get("total_lag").longValue()).isPositive();
            assertThat(group.get("status").textValue()).isIn("WARNING", "STALLED", "STOPPED");
            assertThat(group.get("max_lag_seconds").doubleValue()).isGreaterThan(4.0);
        });
        assertThat(lagSeconds.get(lagSeconds.size() - 1)).isGreaterThan(lagSeconds.get(0));
        // And the router's provider view says why Golem is held back
        JsonNode providers = get("/providers");
        JsonNode golemQueue = null;
        for (JsonNode queue : providers.get("queues")) {
            if (queue.get("provider").textValue().equals("golem")) {
                golemQueue = queue;
            }
        }
        assertThat(golemQueue).isNotNull();
        assertThat(golemQueue.get("behind").textValue()).contains(golemGroup);

        // When more jobs arrive while the Golem nodes still heartbeat as healthy
        try (TopicReader<String, RoutedJob> golem = routedReader(ProviderKind.GOLEM);
             TopicReader<String, RoutedJob> modal = routedReader(ProviderKind.MODAL);
             TopicReader<String, RoutedJob> runpod = routedReader(ProviderKind.RUNPOD)) {
            produce("second", 8);

            // Then each goes to a burst provider, saying it avoids the provider falling behind
            List<RoutedJob> second = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (TopicReader<String, RoutedJob> reader : List.of(modal, runpod)) {
                    reader.poll(Duration.ofMillis(100)).forEach(r -> {
                        if (r.key().startsWith("second-")) {
                            second.add(r.value());
                        }
                    });
                }
                return second.size() >= 8;
            });
            assertThat(second).allSatisfy(job -> assertThat(job.getReason())
                    .contains("avoiding providers falling behind").contains(golemGroup));
            List<String> toGolem = new ArrayList<>();
            golem.poll(Duration.ofSeconds(2)).forEach(r -> toGolem.add(r.key()));
            assertThat(toGolem).noneMatch(id -> id.startsWith("second-"));
        }
        assertThat(pipeline.router().deployments()).filteredOn(d -> d.getProvider() == ProviderKind.GOLEM)
                .allSatisfy(d -> assertThat(d.getHealthy()).isTrue());
    }

    private List<ProviderSimulator> golemNodes() {
        return pipeline.fleet().simulators().stream()
                .filter(node -> node.deployment().provider() == SimProvider.GOLEM).toList();
    }

    private void produce(String prefix, int jobs) throws Exception {
        try (KafkaProducer<String, InferenceRequest> producer = run.producer(topics.requests())) {
            for (int i = 0; i < jobs; i++) {
                String id = prefix + "-" + i;
                producer.send(new ProducerRecord<>(topics.requests().name(), id, InferenceRequest.newBuilder()
                        .setJobId(id).setModel("llama3.2:1b").setPrompt("Is this sentence biased? " + i)
                        .setCreatedAt(Instant.now()).setDeadline(Instant.now().plusSeconds(300)).build()));
            }
            producer.flush();
        }
    }

    /** Reads one provider's jobs topic from its end, as the workers see it (read_committed). */
    private TopicReader<String, RoutedJob> routedReader(ProviderKind kind) {
        return run.readerFromEnd(topics.providerJobs(kind));
    }

    private JsonNode lagGroup(String group) throws Exception {
        for (JsonNode node : get("/lag").get("groups")) {
            if (node.get("group").textValue().equals(group)) {
                return node;
            }
        }
        return null;
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create(pipeline.router().httpUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
