package io.beacon.lab.engine;

import io.beacon.router.RouterStreamsProperties;
import io.beacon.router.policy.ProviderBacklog;
import io.beacon.router.policy.RoutingDecider;
import io.beacon.router.topology.RouterSettings;
import io.beacon.router.topology.RouterTopology;
import io.beacon.router.topology.RoutingEvents;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The router as the reference engine runs it: the whole production topology ({@code RouterTopology.build}) under
 * Kafka Streams' TopologyTestDriver, with the driver's wall clock moved to the virtual instant before every
 * input. Every record crosses the real serdes (Confluent wire format, an in-memory registry), the job stores are
 * RocksDB, and the router's own topics (attempts by deployment, deployment statistics) loop back at once, as the
 * driver does. One task (the driver has one), at_least_once. Slow next to {@link DirectRouter}; it is there to
 * show that the direct engine runs the same router.
 */
final class TopologyRouter implements RouterEngine {

    private final EventQueue events;
    private final Outputs outputs;
    private final WireFormatSerdeProvider serdes;
    private final Path stateDir;
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, InferenceRequest> requests;
    private final TestInputTopic<String, JobAttempt> attempts;
    private final TestInputTopic<String, ProviderStatus> statuses;
    private final TestInputTopic<String, CostEntry> ledger;
    private final List<TestOutputTopic<String, RoutedJob>> routed;
    private final TestOutputTopic<String, InferenceResult> results;
    private final List<TestOutputTopic<String, ?>> loopedBack;
    private long wallClockMs;

    /** @param decider the policy, or null for the router's own */
    TopologyRouter(RouterSettings settings, ProviderBacklog backlog, RoutingEvents routingEvents, RoutingDecider decider,
                   EventQueue events, Outputs outputs) {
        this.events = events;
        this.outputs = outputs;
        this.serdes = new WireFormatSerdeProvider();
        serdes.configure(Map.of("schema.registry.url", "mem://policy-lab-" + UUID.randomUUID()));
        Topics topics = Topics.create(TopicNames.defaults(), serdes);
        try {
            stateDir = Files.createTempDirectory("policy-lab-topology");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a state directory for the topology engine", e);
        }
        Properties props = RouterStreamsProperties.forTopology("policy-lab", "lab.invalid:9092", topics,
                StreamsConfig.AT_LEAST_ONCE, 100, stateDir.toString());
        wallClockMs = events.clock().epochMillis();
        driver = new TopologyTestDriver(decider == null
                ? RouterTopology.build(settings, topics, serdes, backlog, routingEvents)
                : RouterTopology.build(settings, topics, serdes, backlog, routingEvents, decider),
                props, java.time.Instant.ofEpochMilli(wallClockMs));
        StringSerializer keys = new StringSerializer();
        requests = driver.createInputTopic(topics.requests().name(), keys, topics.requests().valueSerde().serializer());
        attempts = driver.createInputTopic(topics.attempts().name(), keys, topics.attempts().valueSerde().serializer());
        statuses = driver.createInputTopic(topics.status().name(), keys, topics.status().valueSerde().serializer());
        ledger = driver.createInputTopic(topics.costLedger().name(), keys, topics.costLedger().valueSerde().serializer());
        routed = Stream.of(ProviderKind.GOLEM, ProviderKind.MODAL, ProviderKind.RUNPOD)
                .map(kind -> driver.createOutputTopic(topics.providerJobs(kind).name(),
                        topics.providerJobs(kind).keySerde().deserializer(),
                        topics.providerJobs(kind).valueSerde().deserializer()))
                .toList();
        results = driver.createOutputTopic(topics.results().name(), topics.results().keySerde().deserializer(),
                topics.results().valueSerde().deserializer());
        loopedBack = List.of(
                driver.createOutputTopic(topics.attemptsByDeployment().name(),
                        topics.attemptsByDeployment().keySerde().deserializer(),
                        topics.attemptsByDeployment().valueSerde().deserializer()),
                driver.createOutputTopic(topics.deploymentStats().name(),
                        topics.deploymentStats().keySerde().deserializer(),
                        topics.deploymentStats().valueSerde().deserializer()));
    }

    @Override
    public void request(InferenceRequest request) {
        advance();
        requests.pipeInput(new TestRecord<>(request.getJobId(), request, events.clock().instant()));
        drain();
    }

    @Override
    public void attempt(JobAttempt attempt, int partition) {
        advance();
        attempts.pipeInput(new TestRecord<>(attempt.getJobId(), attempt, events.clock().instant()));
        drain();
    }

    @Override
    public void heartbeat(ProviderStatus status) {
        advance();
        statuses.pipeInput(new TestRecord<>(status.getDeploymentId(), status, events.clock().instant()));
        drain();
    }

    @Override
    public void cost(CostEntry entry) {
        advance();
        ledger.pipeInput(new TestRecord<>(entry.getDeploymentId(), entry, events.clock().instant()));
        drain();
    }

    @Override
    public void advance() {
        long nowMs = events.clock().epochMillis();
        if (nowMs > wallClockMs) {
            driver.advanceWallClockTime(Duration.ofMillis(nowMs - wallClockMs));
            wallClockMs = nowMs;
            drain();
        }
    }

    /** Hands what the topology wrote to the run; drops the copies of what it looped back to itself. */
    private void drain() {
        for (TestOutputTopic<String, RoutedJob> topic : routed) {
            while (!topic.isEmpty()) {
                outputs.routed(topic.readValue());
            }
        }
        while (!results.isEmpty()) {
            outputs.result(results.readValue());
        }
        for (TestOutputTopic<String, ?> topic : loopedBack) {
            while (!topic.isEmpty()) {
                topic.readValue();
            }
        }
    }

    @Override
    public void close() {
        driver.close();
        serdes.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is harmless.
        }
    }
}
