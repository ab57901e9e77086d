package io.beacon.bench.router;

import io.beacon.kafka.EmbeddedKafkaBroker;
import io.beacon.kafka.TopicAdmin;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.serde.WireFormatSerdeProvider;
import io.beacon.schemas.topics.Topics;
import io.beacon.testsupport.IsolatedRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The one broker of a benchmark run and the topics of each phase. Every phase gets the full topic
 * layout under names of its own, so no phase reads another's data, and its topics (the router's
 * changelog included) are deleted when it ends.
 */
public final class BenchKafka implements AutoCloseable {

    /** The in-process registry every serde of the run shares, as the router's own serdes do. */
    public static final String REGISTRY_URL = "mem://bench";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

    private final EmbeddedKafkaBroker broker;
    private final TopicAdmin admin;
    /** Plain admin client for what TopicAdmin does not offer (list offsets, to see partitions served). */
    private final Admin probe;
    private final SerdeProvider serdes;
    private final int partitions;
    /** A data directory made inside a given one: the broker deletes only the ones it made itself. */
    private final Path ownDataDir;
    private final AtomicInteger phases = new AtomicInteger();
    /** The isolated run behind each phase not dropped yet, by phase id. */
    private final Map<String, IsolatedRun> runs = new ConcurrentHashMap<>();

    private BenchKafka(EmbeddedKafkaBroker broker, int partitions, Path ownDataDir) {
        this.broker = broker;
        this.ownDataDir = ownDataDir;
        this.admin = new TopicAdmin(broker.bootstrapServers());
        this.probe = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        this.serdes = new WireFormatSerdeProvider();
        this.serdes.configure(Map.of(CommonConfig.SCHEMA_REGISTRY_URL, REGISTRY_URL));
        this.partitions = partitions;
    }

    /**
     * Starts an embedded broker on free ports.
     *
     * @param dataDir Kafka's log directory, a new one inside it; null for a temporary directory (both are
     *                deleted when the broker closes)
     */
    public static BenchKafka start(int partitions, Path dataDir) throws IOException {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().freePorts();
        Path ownDir = null;
        if (dataDir != null) {
            Files.createDirectories(dataDir);
            ownDir = Files.createTempDirectory(dataDir, "router-bench-kafka-");
            builder.dataDir(ownDir);
        }
        EmbeddedKafkaBroker broker = null;
        try {
            broker = builder.build().start();
            return new BenchKafka(broker, partitions, ownDir);
        } catch (RuntimeException e) {
            if (broker != null) {
                broker.close();
            }
            BenchFiles.deleteRecursively(ownDir);
            throw e;
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public int partitions() {
        return partitions;
    }

    /** The serdes every client of the run uses (the router makes its own, on the same registry). */
    public SerdeProvider serdes() {
        return serdes;
    }

    /**
     * A new phase with its topics created; {@code label} becomes part of every name (kebab-case). The
     * names are the test fixture's ({@link IsolatedRun}): every topic of the catalogue, so a topic added
     * to the router later is isolated too, under {@code <phase id>.}, and the phase id as application id.
     */
    public Phase newPhase(String label) {
        IsolatedRun run = IsolatedRun.named(String.format("rb%03d-%s", phases.incrementAndGet(), label))
                .bootstrapServers(bootstrapServers()).registryUrl(REGISTRY_URL).partitions(partitions).start();
        runs.put(run.id(), run);
        awaitServed(run.topics().newTopics(partitions, (short) 1));
        return new Phase(run.id(), Map.copyOf(run.settings()), run.topics());
    }

    /**
     * Waits until the broker serves every partition as leader, not only until the metadata names one.
     * In between, an idempotent producer's first batch is refused (NOT_LEADER_OR_FOLLOWER) while a later
     * one is accepted into the empty producer state; the first batch then retries as out of order until
     * its delivery time-out and its records are lost. A list-offsets request is answered by the leader's
     * replica itself, and the admin client retries it until the partition is served.
     */
    private void awaitServed(List<NewTopic> topics) {
        Map<TopicPartition, OffsetSpec> partitionsToProbe = new HashMap<>();
        for (NewTopic topic : topics) {
            for (int p = 0; p < topic.numPartitions(); p++) {
                partitionsToProbe.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
            }
        }
        try {
            probe.listOffsets(partitionsToProbe, new ListOffsetsOptions().timeoutMs((int) ADMIN_TIMEOUT.toMillis()))
                    .all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("partitions not served after " + ADMIN_TIMEOUT + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted waiting for partitions to be served", e);
        }
    }

    /** Deletes every topic of the phase, the ones Kafka Streams made for it included. */
    public void drop(Phase phase) {
        List<String> owned = admin.listTopics(ADMIN_TIMEOUT).stream()
                .filter(name -> name.startsWith(phase.id() + ".") || name.startsWith(phase.id() + "-"))
                .toList();
        admin.deleteTopics(owned, ADMIN_TIMEOUT);
        IsolatedRun run = runs.remove(phase.id());
        if (run != null) {
            run.close();
        }
    }

    /** Publishes the deployments' heartbeats, observed far in the future so they never go stale. */
    public void publishHeartbeats(Phase phase) {
        try (KafkaProducer<String, ProviderStatus> producer = new KafkaProducer<>(producerProps(0),
                new StringSerializer(), phase.topics().status().valueSerde().serializer())) {
            for (ProviderStatus status : SyntheticJobs.heartbeats(Instant.now().plus(Duration.ofDays(3650)))) {
                producer.send(new ProducerRecord<>(phase.topics().status().name(), status.getDeploymentId(), status));
            }
            producer.flush();
        }
    }

    /**
     * Writes {@code count} requests to the phase's requests topic as fast as the producer goes.
     *
     * @return the producer's rate, records per second (context: the raw produce ceiling of this machine)
     */
    public double preProduceRequests(Phase phase, SyntheticJobs jobs, int count) {
        Map<String, Object> props = producerProps(20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // On a starved machine the idempotent producer can retry an out-of-order sequence until it gives up:
        // give up after 30 s rather than the default 2 minutes, so the run is repeated sooner.
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (KafkaProducer<String, InferenceRequest> producer = new KafkaProducer<>(props, new StringSerializer(),
                phase.topics().requests().valueSerde().serializer())) {
            Instant now = Instant.now();
            for (int i = 0; i < count && failure.get() == null; i++) {
                String jobId = phase.jobId(i);
                producer.send(new ProducerRecord<>(phase.topics().requests().name(), jobId,
                        jobs.request(jobId, i, now)), (metadata, error) -> {
                            if (error != null) {
                                failure.compareAndSet(null, error);
                            }
                        });
            }
            producer.flush();
        }
        // A lost request would leave the run waiting for an output that never comes: fail the run instead.
        if (failure.get() != null) {
            throw new KafkaException("could not pre-produce the requests of " + phase.id() + ": " + failure.get(),
                    failure.get());
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    /** Producer settings for this broker with the given linger; acks=all, Kafka's default. */
    public Map<String, Object> producerProps(long lingerMs) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    @Override
    public void close() {
        runs.values().forEach(IsolatedRun::close);
        probe.close();
        admin.close();
        serdes.close();
        broker.close();
        BenchFiles.deleteRecursively(ownDataDir);
    }

    /**
     * One phase: its id (prefix of its topics, its consumer group and its Streams application id), the
     * settings naming its topics (ready for {@code RouterConfig}) and its typed topic catalogue.
     */
    public record Phase(String id, Map<String, String> settings, Topics topics) {

        public String jobId(int index) {
            return id + "-" + index;
        }

        /** The index a job id of this phase was made from. */
        public static int indexOf(String jobId) {
            return Integer.parseInt(jobId.substring(jobId.lastIndexOf('-') + 1));
        }

        /** The three provider topics and the results topic: everything a routed request can produce. */
        public List<String> outputTopics() {
            List<String> out = new ArrayList<>();
            topics.allProviderJobs().forEach(spec -> out.add(spec.name()));
            out.add(topics.results().name());
            return out;
        }
    }
}
