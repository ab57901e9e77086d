package io.beacon.bench;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.LatencyModel;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.workers.WorkerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;

/**
 * What {@link WorkerBenchmark}'s runs share: the broker and registry addresses, fresh topics per run, a
 * simulated deployment, routed jobs produced ahead, the worker process, and a reader of its attempts.
 */
final class WorkerBenchFixture implements AutoCloseable {

    static final int JOB_PARTITIONS = 6;
    static final String MODEL = "llama3.2:1b";

    private final String bootstrap;
    private final String registryUrl;
    private final Path logDir;
    private final Admin admin;
    private final List<IsolatedRun> runs = new ArrayList<>();

    WorkerBenchFixture(String bootstrap, String registryUrl, Path logDir) throws IOException {
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
        this.logDir = Files.createDirectories(logDir);
        this.admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
    }

    /** One run's names: its topics, its group, its deployment. */
    record Run(String name, Map<String, String> settings, Topics topics, String group, String deploymentId) {
    }

    /** Fresh topics (every topic of the catalogue, named as the tests' fixture names them) and group for a run. */
    Run newRun(String name) {
        IsolatedRun isolated = IsolatedRun.named("bench-worker-" + name).bootstrapServers(bootstrap)
                .registryUrl(registryUrl).partitions(JOB_PARTITIONS).start();
        runs.add(isolated);
        Map<String, String> settings = isolated.settings();
        settings.put(WorkerConfig.PROVIDER, "golem");
        Topics topics = isolated.topics();
        awaitLeadersServe(List.of(topics.providerJobs(ProviderKind.GOLEM).name(), topics.attempts().name()));
        return new Run(name, settings, topics, isolated.workerGroup(ProviderKind.GOLEM), "bench-golem-" + name);
    }

    /**
     * Waits until the broker answers as leader for every partition (ListOffsets goes to the leader and is
     * retried on NOT_LEADER_OR_FOLLOWER). A producer racing a just-created partition can otherwise see its
     * first batch appended and refused at once, then fail with OUT_OF_ORDER_SEQUENCE_NUMBER for two minutes.
     */
    private void awaitLeadersServe(List<String> topicNames) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (String topic : topicNames) {
            for (int p = 0; p < JOB_PARTITIONS; p++) {
                request.put(new TopicPartition(topic, p),
                        OffsetSpec.latest());
            }
        }
        try {
            admin.listOffsets(request).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("partitions of " + topicNames + " have no serving leader", e);
        }
    }

    /** A Golem node of fixed latency that runs {@code capacity} calls at once and never turns one away. */
    static ProviderSimulator simulator(Run run, Duration latency, int capacity) {
        return simulator(run, latency, 0.0, capacity);
    }

    /** As {@link #simulator(Run, Duration, int)} with log-normal latency of median {@code latency}, shape {@code sigma}. */
    static ProviderSimulator simulator(Run run, Duration latency, double sigma, int capacity) {
        SimulatedDeployment d = SimulatedDeployment.builder(run.deploymentId(), SimProvider.GOLEM)
                .models(MODEL)
                .capacity(capacity)
                .queueLimit(capacity * 4)
                .latency(sigma == 0.0 ? LatencyModel.fixed(latency) : new LatencyModel(latency, sigma, Duration.ZERO))
                .coldStart(Duration.ZERO)
                .build();
        return ProviderSimulator.start(d, "127.0.0.1", 0, SimCredentials.none());
    }

    /** Produces {@code count} jobs routed to the run's deployment, as the router would. */
    List<String> produceJobs(Run run, int count, Duration expectedLatency) throws InterruptedException,
            ExecutionException {
        List<String> ids = new ArrayList<>(count);
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.ACKS_CONFIG, "all");
        String topic = run.topics().providerJobs(ProviderKind.GOLEM).name();
        Instant deadline = Instant.now().plus(Duration.ofHours(1));
        try (KafkaProducer<String, RoutedJob> producer = new KafkaProducer<>(props,
                run.topics().providerJobs(ProviderKind.GOLEM).keySerde().serializer(),
                run.topics().providerJobs(ProviderKind.GOLEM).valueSerde().serializer())) {
            for (int i = 0; i < count; i++) {
                String id = run.name() + "-job-" + i;
                ids.add(id);
                RoutedJob job = job(id, run.deploymentId(), deadline, expectedLatency);
                if (i < JOB_PARTITIONS) {
                    // One job per partition on its own first, so the bulk never races a partition's first append.
                    producer.send(new ProducerRecord<>(topic, i, id, job)).get(60, TimeUnit.SECONDS);
                } else {
                    producer.send(new ProducerRecord<>(topic, id, job));
                }
            }
            producer.flush();
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not take the first jobs of " + topic, e);
        }
        return ids;
    }

    private static RoutedJob job(String id, String deploymentId, Instant deadline, Duration expectedLatency) {
        InferenceRequest request = InferenceRequest.newBuilder()
                .setJobId(id)
                .setModel(MODEL)
                .setPrompt("Say hello in five words.")
                .setMessages(List.<ChatMessage>of())
                .setTemperature(0.2)
                .setMaxTokens(16)
                .setCreatedAt(Instant.now())
                .build();
        return RoutedJob.newBuilder()
                .setJobId(id)
                .setRequest(request)
                .setDeploymentId(deploymentId)
                .setProvider(ProviderKind.GOLEM)
                .setRegion("local")
                .setAttempt(1)
                .setReason("benchmark")
                .setExpectedCostUsd(0.0)
                .setExpectedLatencyMs(expectedLatency.toMillis())
                .setRoutedAt(Instant.now())
                .setDeadline(deadline)
                .build();
    }

    /** Share groups start at the latest offset unless told otherwise; the jobs are produced ahead. */
    void startShareGroupAtEarliest(String group) throws InterruptedException, ExecutionException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET),
                // The worker reads committed jobs only (the router writes them in transactions): same here.
                new AlterConfigOp(new ConfigEntry("share.isolation.level", "read_committed"),
                        AlterConfigOp.OpType.SET)))).all().get();
    }

    /** The worker's properties file for a run: its deployment has capacity {@code capacity}. */
    Path writeProperties(Run run, ProviderSimulator sim, int capacity, int maxOutstanding,
                         Map<String, String> extra) throws IOException {
        Properties props = new Properties();
        run.settings().forEach(props::setProperty);
        props.setProperty("bootstrap.servers", bootstrap);
        props.setProperty("schema.registry.url", registryUrl);
        props.setProperty(WorkerConfig.CONSUMER_GROUP, run.group());
        // A call far slower than the simulator's fixed latency is lost, not slow: give up on it after 10 x L.
        long timeoutS = Math.max(5, sim.deployment().latency().median().multipliedBy(10).toSeconds());
        props.setProperty(WorkerConfig.DEPLOYMENTS, run.deploymentId() + "=" + sim.baseUrl() + ";region=local;capacity="
                + capacity + ";models=" + MODEL + ";timeout=" + timeoutS + "s");
        props.setProperty(WorkerConfig.MAX_OUTSTANDING, Integer.toString(maxOutstanding));
        props.setProperty(WorkerConfig.HTTP_PORT, "0");
        extra.forEach(props::setProperty);
        Path file = logDir.resolve(run.name() + ".properties");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(out, "WorkerBenchmark run " + run.name());
        }
        return file;
    }

    /** Starts {@link WorkerProcessMain} in its own JVM on this JVM's classpath. */
    WorkerChild startChild(String mode, Path properties, String logName, String maxHeap) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + maxHeap));
        // E.g. -Dbench.worker.jvm.options=-XX:StartFlightRecording=filename=w.jfr to profile the worker.
        String extra = System.getProperty("bench.worker.jvm.options", "").strip();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), WorkerProcessMain.class.getName(), mode,
                properties.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectError(logDir.resolve(logName + ".log").toFile());
        return new WorkerChild(builder.start());
    }

    /**
     * Runs {@link WorkerHttpBaseline} in its own JVM against the deployment of {@code properties} and waits
     * for its result.
     */
    WorkerHttpBaseline.Result baseline(Path properties, String logName, Duration warmup, Duration window)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                WorkerProcessMain.class.getName(), "http", properties.toString(), Long.toString(warmup.toSeconds()),
                Long.toString(window.toSeconds()));
        builder.redirectError(logDir.resolve(logName + ".log").toFile());
        try (WorkerChild child = new WorkerChild(builder.start())) {
            if (!child.process.waitFor(warmup.plus(window).toSeconds() + 60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the HTTP baseline did not finish");
            }
            child.reader.join(5_000);
            WorkerHttpBaseline.Result r = child.baseline;
            if (r == null) {
                throw new IllegalStateException("the HTTP baseline printed no result; see " + logName + ".log");
            }
            return r;
        }
    }

    /** A reader of the run's attempts, from the beginning of the topic. */
    AttemptReader attempts(Run run) {
        KafkaConsumer<String, JobAttempt> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, run.group() + "-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000),
                run.topics().attempts().keySerde().deserializer(), run.topics().attempts().valueSerde().deserializer());
        consumer.subscribe(List.of(run.topics().attempts().name()));
        return new AttemptReader(consumer);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        runs.forEach(IsolatedRun::close);
    }

    /** One attempt as the benchmark sees it. */
    record Seen(String jobId, int attempt, String workerId, boolean succeeded, long publishedAtMs, long callMs) {
    }

    /** Reads attempts; the record timestamp is when the worker published the attempt. */
    static final class AttemptReader implements AutoCloseable {
        private final KafkaConsumer<String, JobAttempt> consumer;
        private final List<Seen> seen = new ArrayList<>();

        AttemptReader(KafkaConsumer<String, JobAttempt> consumer) {
            this.consumer = consumer;
        }

        /** Polls once; returns how many attempts arrived. */
        int poll(Duration timeout) {
            int n = 0;
            for (ConsumerRecord<String, JobAttempt> r : consumer.poll(timeout)) {
                JobAttempt a = r.value();
                seen.add(new Seen(a.getJobId(), a.getAttempt(), a.getWorkerId(),
                        a.getOutcome() == AttemptOutcome.SUCCEEDED, r.timestamp(),
                        Duration.between(a.getStartedAt(), a.getFinishedAt()).toMillis()));
                n++;
            }
            return n;
        }

        List<Seen> seen() {
            return seen;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** A worker process; reads the heap figures it prints. */
    static final class WorkerChild implements AutoCloseable {
        private final Process process;
        private final AtomicLong peakUsed = new AtomicLong(-1);
        private final AtomicLong peakAfterGc = new AtomicLong(-1);
        private final AtomicLong max = new AtomicLong(-1);
        private final Thread reader;
        private volatile WorkerHttpBaseline.Result baseline;

        WorkerChild(Process process) {
            this.process = process;
            this.reader = new Thread(this::readHeapLines, "bench-child-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        private void readHeapLines() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith(WorkerHttpBaseline.RESULT_LINE)) {
                        Map<String, Long> f = new HashMap<>();
                        for (String field : line.split(" ")) {
                            String[] kv = field.split("=");
                            if (kv.length == 2) {
                                f.put(kv[0], Long.parseLong(kv[1]));
                            }
                        }
                        baseline = new WorkerHttpBaseline.Result(f.getOrDefault("calls", 0L),
                                f.getOrDefault("meanCallMs", 0L), f.getOrDefault("failed", 0L),
                                f.getOrDefault("cpuMs", -1L));
                        continue;
                    }
                    if (!line.startsWith(WorkerProcessMain.HEAP_LINE)) {
                        continue;
                    }
                    for (String field : line.split(" ")) {
                        String[] kv = field.split("=");
                        if (kv.length != 2) {
                            continue;
                        }
                        switch (kv[0]) {
                            case "peakUsed" -> peakUsed.set(Long.parseLong(kv[1]));
                            case "peakAfterGc" -> peakAfterGc.set(Long.parseLong(kv[1]));
                            case "max" -> max.set(Long.parseLong(kv[1]));
                            default -> { }
                        }
                    }
                }
            } catch (IOException | RuntimeException ended) {
                // the process went away
            }
        }

        long pid() {
            return process.pid();
        }

        /** CPU time the process has used so far, in milliseconds; -1 when the OS does not say. */
        long cpuMs() {
            return process.info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
        }

        long peakUsedBytes() {
            return peakUsed.get();
        }

        long peakAfterGcBytes() {
            return peakAfterGc.get();
        }

        long maxBytes() {
            return max.get();
        }

        /** {@code kill -9}: no shutdown hook, no drain, no commit. Returns the exit status (137). */
        int kill9() throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-9", Long.toString(process.pid())).inheritIO().start().waitFor(10,
                    TimeUnit.SECONDS);
            process.waitFor(10, TimeUnit.SECONDS);
            return process.exitValue();
        }

        /** SIGTERM (the worker drains and commits), SIGKILL if it does not end in time. */
        @Override
        public void close() {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
