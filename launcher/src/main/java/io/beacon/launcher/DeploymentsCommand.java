package io.beacon.launcher;

import io.beacon.schemas.avro.DeploymentSpec;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.DeploymentEndpoints;
import io.beacon.workers.core.DeploymentEndpoint;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Adds, changes, retires and lists deployments while the pipeline runs, through the compacted
 * {@code deployments} topic (key: deployment id, value: {@link DeploymentSpec}). Every worker of the provider kind
 * reads the topic from the beginning and applies each record within about a second: a leased Golem node joins or
 * leaves without a restart. Entries use the syntax of the workers' variables; credentials only as references
 * ({@code token_env=}, {@code token_file=}, {@code basic_env=}, {@code basic_file=}), read on each worker's host.
 */
@Command(name = "deployments", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Add, change, retire or list deployments while workers and router run (the deployments topic).",
                "Workers apply a change within about a second; deployments of their environment stay the base."},
        subcommands = {DeploymentsCommand.Add.class, DeploymentsCommand.Remove.class, DeploymentsCommand.ListCommand.class})
final class DeploymentsCommand implements Callable<Integer> {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    @Command(name = "add", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Add a deployment, or change one of that id: ENTRY as in GOLEM_PROVIDER_ENDPOINTS, e.g.",
                    "  beacon deployments add --provider golem 'golem-node-7=https://127.0.0.1:18207;region=eu-central;"
                            + "price=0.0001;capacity=4;token_file=/run/secrets/node7'"})
    static final class Add implements Callable<Integer> {

        @Mixin
        ConfigOptions config;

        @Spec
        CommandSpec spec;

        @Option(names = "--provider", required = true, description = "golem, modal or runpod.")
        String provider;

        @Parameters(paramLabel = "ENTRY", arity = "1..*",
                description = "[id=]LOCATION[;region=R][;price=USD_PER_SECOND][;capacity=N][;models=a|b]..."
                        + " (several: several arguments or comma-separated).")
        List<String> entries;

        @Override
        public Integer call() throws Exception {
            ProviderKind kind = WorkerCommand.parseKind(provider);
            List<DeploymentSpec> specs = new ArrayList<>();
            for (String argument : entries) {
                specs.addAll(specsOf(kind, argument, spec.commandLine().getErr()));
            }
            PrintWriter out = spec.commandLine().getOut();
            try (RunnerClients clients = RunnerClients.connect(config)) {
                Map<String, DeploymentSpec> current = read(clients);
                for (DeploymentSpec s : specs) {
                    DeploymentSpec before = current.get(s.getDeploymentId());
                    if (before != null && !before.getRetired() && before.getProvider() != kind) {
                        throw new IllegalArgumentException("deployment " + s.getDeploymentId() + " is a "
                                + label(before.getProvider()) + " deployment; remove it first or choose another id");
                    }
                }
                write(clients, specs);
                for (DeploymentSpec s : specs) {
                    DeploymentSpec before = current.get(s.getDeploymentId());
                    String verb = before == null || before.getRetired() ? "added" : "changed";
                    out.println(verb + " " + label(kind) + " deployment " + s.getDeploymentId() + ": "
                            + DeploymentEndpoints.printable(s.getEntry()));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Retire deployments: workers send them no new job, let calls in flight finish, fail queued",
                    "jobs over, report them RETIRED, then forget them. Also retires a deployment a worker's",
                    "environment lists (give --provider), until it is added again."})
    static final class Remove implements Callable<Integer> {

        @Mixin
        ConfigOptions config;

        @Spec
        CommandSpec spec;

        @Option(names = "--provider", description = "golem, modal or runpod; needed only for a deployment the"
                + " topic does not hold (one from a worker's environment).")
        String provider;

        @Parameters(paramLabel = "ID", arity = "1..*", description = "Deployment ids.")
        List<String> ids;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (RunnerClients clients = RunnerClients.connect(config)) {
                Map<String, DeploymentSpec> current = read(clients);
                List<DeploymentSpec> specs = new ArrayList<>();
                for (String id : ids) {
                    DeploymentSpec before = current.get(id);
                    ProviderKind kind;
                    String entry;
                    if (before != null) {
                        kind = before.getProvider();
                        entry = before.getEntry();
                        if (provider != null && WorkerCommand.parseKind(provider) != kind) {
                            throw new IllegalArgumentException("deployment " + id + " is a " + label(kind)
                                    + " deployment, not " + provider);
                        }
                    } else if (provider != null) {
                        kind = WorkerCommand.parseKind(provider);
                        entry = "";
                    } else {
                        throw new IllegalArgumentException("the deployments topic holds no deployment " + id
                                + "; if a worker's environment lists it, give --provider to retire it");
                    }
                    specs.add(DeploymentSpec.newBuilder().setDeploymentId(id).setProvider(kind).setEntry(entry)
                            .setRetired(true).setUpdatedAt(Instant.now()).setUpdatedBy(author()).build());
                }
                write(clients, specs);
                for (DeploymentSpec s : specs) {
                    DeploymentSpec before = current.get(s.getDeploymentId());
                    out.println((before != null && before.getRetired() ? "already retired (again) " : "retired ")
                            + label(s.getProvider()) + " deployment " + s.getDeploymentId());
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"List the deployments the deployments topic holds (not those of workers' environments;",
                    "GET /providers on the router shows every deployment it hears from)."})
    static final class ListCommand implements Callable<Integer> {

        @Mixin
        ConfigOptions config;

        @Spec
        CommandSpec spec;

        @Option(names = "--provider", description = "Only this provider kind.")
        String provider;

        @Option(names = "--all", description = "Retired deployments too.")
        boolean all;

        @Override
        public Integer call() throws Exception {
            ProviderKind only = provider == null ? null : WorkerCommand.parseKind(provider);
            PrintWriter out = spec.commandLine().getOut();
            try (RunnerClients clients = RunnerClients.connect(config)) {
                int shown = 0;
                for (DeploymentSpec s : read(clients).values()) {
                    if ((only != null && s.getProvider() != only) || (s.getRetired() && !all)) {
                        continue;
                    }
                    out.printf("%-28s %-7s %-8s %-24s %s%n", s.getDeploymentId(), label(s.getProvider()),
                            s.getRetired() ? "retired" : "active", s.getUpdatedAt(),
                            DeploymentEndpoints.printable(s.getEntry()));
                    shown++;
                }
                if (shown == 0) {
                    out.println("no " + (all ? "" : "active ") + "deployments on topic "
                            + clients.topics().deployments().name());
                }
            }
            out.flush();
            return 0;
        }
    }

    /**
     * The specs of one argument: each entry parsed as a worker would (so a typo fails here, exit code 2), with its
     * id made explicit so every worker keys it the same.
     */
    static List<DeploymentSpec> specsOf(ProviderKind kind, String argument, PrintWriter err) {
        List<DeploymentSpec> out = new ArrayList<>();
        for (String raw : argument.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            List<DeploymentEndpoint> parsed = DeploymentEndpoints.parse(kind, entry,
                    DeploymentEndpoints.Defaults.of(Duration.ofSeconds(60)), "ENTRY");
            DeploymentEndpoint d = parsed.get(0);
            if (!entry.startsWith(d.id() + "=") && !entry.matches("(?i).*;\\s*id\\s*=.*")) {
                entry = d.id() + "=" + entry;
            }
            if (kind == ProviderKind.GOLEM && d.plaintext() && !DeploymentEndpoints.isLoopback(d.baseUrl())) {
                err.println("note: " + d.id() + " is plain http to another machine; workers refuse it unless"
                        + " golem.allow.plaintext=true (BEACON_GOLEM_ALLOW_PLAINTEXT)");
            }
            if (d.credential() != null) {
                err.println("note: " + d.id() + " uses the " + d.credential() + ", read on each worker's host");
            }
            out.add(DeploymentSpec.newBuilder().setDeploymentId(d.id()).setProvider(kind).setEntry(entry)
                    .setRetired(false).setUpdatedAt(Instant.now()).setUpdatedBy(author()).build());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("ENTRY '" + argument + "' holds no deployment");
        }
        return out;
    }

    /** The newest record per deployment id on the topic now, in the order ids first appeared. */
    static Map<String, DeploymentSpec> read(RunnerClients clients) {
        String topic = clients.topics().deployments().name();
        Deserializer<DeploymentSpec> values = clients.topics().deployments().valueSerde().deserializer();
        Map<String, DeploymentSpec> out = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = clients.reader("beacon-deployments",
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = RunnerClients.partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read topic " + topic + " to its end within "
                            + READ_TIMEOUT.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        out.remove(r.key());
                    } else {
                        out.put(r.key(), values.deserialize(topic, r.value()));
                    }
                }
            }
        }
        return out;
    }

    /** Writes {@code specs}, each acknowledged by every in-sync replica before the command reports it. */
    static void write(RunnerClients clients, List<DeploymentSpec> specs) throws Exception {
        String topic = clients.topics().deployments().name();
        try (KafkaProducer<String, DeploymentSpec> producer = clients.producer("beacon-deployments",
                new StringSerializer(), clients.topics().deployments().valueSerde().serializer())) {
            for (DeploymentSpec s : specs) {
                producer.send(new ProducerRecord<>(topic, s.getDeploymentId(), s)).get();
            }
        }
    }

    private static String label(ProviderKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static String author() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return "beacon deployments on " + host + " (user " + System.getProperty("user.name", "?") + ")";
    }
}
