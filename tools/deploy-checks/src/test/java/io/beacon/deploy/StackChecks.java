package io.beacon.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.deploy.ComposeFile.Mount;
import io.beacon.deploy.ComposeFile.PortMapping;
import io.beacon.deploy.ComposeFile.PortRange;
import io.beacon.deploy.ComposeFile.Service;
import io.beacon.deploy.SourceIndex.ConfigDefinition;
import io.beacon.deploy.SourceIndex.LauncherCommand;
import io.beacon.deploy.SourceIndex.SimulatedDeployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The container stack's consistency rules. Each check returns the problems it found, one sentence each,
 * naming the service and the file; an empty list means the check passed. The tests run every check on the
 * repository and on broken copies, so each rule is shown to catch what it is for.
 */
final class StackChecks {

    /**
     * Launcher commands whose process serves Prometheus text at GET /metrics on its {@code http.port}: the
     * router and the workers. The simulators stand in for outside providers and serve only /__sim/stats.
     */
    static final Set<String> METRICS_COMMANDS = Set.of("router", "worker");

    /** Variables the JVM itself reads; any process may be given them. */
    static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "TZ");

    static final String SIM_COMMAND = "sim";
    static final String HTTP_PORT = "http.port";
    static final String HTTP_HOST = "http.host";
    static final String HTTP_AUTH_TOKEN = "http.auth.token";
    static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    static final String DEPLOYMENTS = "deployments";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CONDITIONS = Set.of("service_started", "service_healthy",
            "service_completed_successfully");
    private static final Pattern SERVICE_REFERENCE = Pattern.compile("(?<![\\w.-])([a-z][a-z0-9_-]*):(\\d{2,5})\\b");
    private static final Pattern LOCAL_REFERENCE = Pattern.compile("(?:localhost|127\\.0\\.0\\.1):(\\d{2,5})\\b");
    private static final Pattern LISTENER = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)://([^:,]*):(\\d+)");
    private static final Pattern JAVA_MAJOR = Pattern.compile("(?:temurin|openjdk|jdk|jre)[-:_]?(\\d+)");

    private final ComposeFile compose;
    private final SourceIndex sources;
    private final Poms poms;
    private final Map<String, LauncherCommand> commands;
    private final String envPrefix;
    private final String kafkaPassthroughPrefix;

    StackChecks(ComposeFile compose, SourceIndex sources, Poms poms) {
        this.compose = compose;
        this.sources = sources;
        this.poms = poms;
        this.commands = sources.launcherCommands();
        this.envPrefix = sources.constant("ConfigLoader", "ENV_PREFIX")
                .orElseThrow(() -> new IllegalStateException("ConfigLoader.ENV_PREFIX not found"));
        this.kafkaPassthroughPrefix = envPrefix + sources.constant("ConfigLoader", "KAFKA_PASSTHROUGH_PREFIX")
                .orElseThrow(() -> new IllegalStateException("ConfigLoader.KAFKA_PASSTHROUGH_PREFIX not found"))
                .toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Every check, for a one-line verdict. */
    List<String> all() {
        List<String> out = new ArrayList<>();
        out.addAll(files());
        out.addAll(images());
        out.addAll(commandLines());
        out.addAll(settings());
        out.addAll(ports());
        out.addAll(kafkaListeners());
        out.addAll(dependencies());
        out.addAll(workerDeployments());
        out.addAll(prometheus());
        out.addAll(grafana());
        out.addAll(dockerfile());
        return out;
    }

    // ---------------------------------------------------------------- files and images

    /** Every bind-mounted path and build context (with its Dockerfile) exists. */
    List<String> files() {
        List<String> problems = new ArrayList<>();
        compose.services().forEach((name, service) -> {
            for (Mount mount : service.bindMounts()) {
                if (mount.source().startsWith("~")) {
                    problems.add(name + ": bind mount " + mount.source() + " depends on the user's home directory");
                } else if (!Files.exists(compose.directory().resolve(mount.source()).normalize())) {
                    problems.add(name + ": bind mount source " + mount.source() + " does not exist next to "
                            + compose.file().getFileName());
                }
            }
            service.buildContext().ifPresent(context -> {
                Path dir = compose.directory().resolve(context).normalize();
                if (!Files.isDirectory(dir)) {
                    problems.add(name + ": build context " + context + " is not a directory");
                } else if (!Files.isRegularFile(dir.resolve(service.dockerfile()))) {
                    problems.add(name + ": build context " + context + " has no " + service.dockerfile());
                }
            });
        });
        return problems;
    }

    /** Every image is pinned to a version; the broker runs the Kafka release the clients are built with. */
    List<String> images() {
        List<String> problems = new ArrayList<>();
        Set<String> built = compose.builtImages();
        compose.services().forEach((name, service) -> {
            Optional<String> image = service.image();
            if (image.isEmpty()) {
                if (!service.hasBuild()) {
                    problems.add(name + ": neither image nor build");
                }
                return;
            }
            if (built.contains(image.get())) {
                return;
            }
            String tag = tag(image.get());
            if (tag.isEmpty() || tag.equals("latest")) {
                problems.add(name + ": image " + image.get() + " is not pinned to a version tag");
            }
            if (repository(image.get()).equals("apache/kafka")) {
                String kafkaVersion = poms.property("kafka.version").orElse("?");
                if (!tag.equals(kafkaVersion)) {
                    problems.add(name + ": broker image " + image.get() + " is not the Kafka release the clients"
                            + " use (kafka.version " + kafkaVersion + " in pom.xml)");
                }
            }
        });
        return problems;
    }

    // ---------------------------------------------------------------- our processes

    /** Every service on our image runs a registered launcher command with options that command has. */
    List<String> commandLines() {
        List<String> problems = new ArrayList<>();
        compose.ownServices().forEach((name, service) -> {
            Optional<String> subcommand = service.subcommand();
            if (subcommand.isEmpty()) {
                problems.add(name + ": runs our image without a command (the image's default only prints help)");
                return;
            }
            LauncherCommand command = commands.get(subcommand.get());
            if (command == null) {
                problems.add(name + ": '" + subcommand.get() + "' is not a beacon command (known: "
                        + commands.keySet() + ")");
                return;
            }
            for (String option : service.options()) {
                if (!command.options().containsKey(option)) {
                    problems.add(name + ": beacon " + command.name() + " has no option " + option + " (known: "
                            + command.options().keySet() + ")");
                }
            }
        });
        return problems;
    }

    /**
     * Every BEACON_* variable a service sets is a setting of the config class its command loads (or a
     * kafka.* pass-through); every other variable is one that process reads; a worker gets its own provider
     * kind's deployment list.
     */
    List<String> settings() {
        List<String> problems = new ArrayList<>();
        Map<String, String> deploymentVariables = sources.deploymentVariables();
        compose.ownServices().forEach((name, service) -> {
            Optional<LauncherCommand> command = command(service);
            if (command.isEmpty()) {
                return;
            }
            Optional<ConfigDefinition> config = config(service);
            for (String variable : service.environment().keySet()) {
                if (variable.startsWith(envPrefix)) {
                    if (config.isEmpty()) {
                        problems.add(name + ": sets " + variable + ", but beacon " + command.get().name()
                                + " reads no settings");
                    } else if (!variable.startsWith(kafkaPassthroughPrefix)
                            && config.get().settings().keySet().stream().map(this::envName).noneMatch(variable::equals)) {
                        problems.add(name + ": sets " + variable + ", which is no setting of beacon "
                                + command.get().name() + " (" + config.get().className() + ")");
                    }
                } else if (!command.get().environmentVariables().contains(variable) && !JVM_VARIABLES.contains(variable)) {
                    problems.add(name + ": sets " + variable + ", which beacon " + command.get().name()
                            + " does not read (it reads " + new TreeSet<>(command.get().environmentVariables()) + ")");
                }
            }
            service.option("--provider").ifPresent(provider -> {
                String own = deploymentVariables.get(provider.toLowerCase(Locale.ROOT));
                for (String variable : service.environment().keySet()) {
                    if (deploymentVariables.containsValue(variable) && !variable.equals(own)) {
                        problems.add(name + ": sets " + variable + ", which a " + provider + " worker ignores (it reads "
                                + own + ")");
                    }
                }
            });
        });
        return problems;
    }

    // ---------------------------------------------------------------- ports

    /**
     * Ports agree: what a service publishes, what its healthcheck calls and what other services' settings
     * point at are ports it listens on; our processes listen on a port they can be reached at (not loopback).
     */
    List<String> ports() {
        List<String> problems = new ArrayList<>();
        Map<String, Service> services = compose.services();
        Map<Integer, String> hostPorts = new HashMap<>();
        services.forEach((name, service) -> {
            List<PortRange> listening;
            try {
                listening = listening(service);
            } catch (IllegalStateException e) {
                problems.add(name + ": " + e.getMessage());
                return;
            }
            List<PortMapping> published;
            try {
                published = service.ports();
            } catch (IllegalArgumentException e) {
                problems.add(name + ": ports: " + e.getMessage());
                return;
            }
            for (PortMapping mapping : published) {
                for (int port : mapping.container().ports()) {
                    if (listening.stream().noneMatch(r -> r.contains(port))) {
                        problems.add(name + ": publishes container port " + port + ", but it listens on " + listening);
                    }
                }
                mapping.host().ifPresent(host -> host.ports().forEach(port -> {
                    String other = hostPorts.putIfAbsent(port, name);
                    if (other != null && !other.equals(name)) {
                        problems.add(name + ": host port " + port + " is already published by " + other);
                    }
                }));
            }
            Matcher local = LOCAL_REFERENCE.matcher(service.healthcheck());
            while (local.find()) {
                int port = Integer.parseInt(local.group(1));
                if (listening.stream().noneMatch(r -> r.contains(port))) {
                    problems.add(name + ": healthcheck calls port " + port + ", but it listens on " + listening);
                }
            }
            for (Map.Entry<String, String> env : service.environment().entrySet()) {
                problems.addAll(references(name + ": " + env.getKey(), env.getValue(), services));
            }
            problems.addAll(bindAddress(name, service));
        });
        return problems;
    }

    /** Problems with every {@code service:port} that {@code text} mentions, reported under {@code where}. */
    List<String> references(String where, String text, Map<String, Service> services) {
        List<String> problems = new ArrayList<>();
        Matcher m = SERVICE_REFERENCE.matcher(text);
        while (m.find()) {
            Service target = services.get(m.group(1));
            if (target == null) {
                continue;
            }
            int port = Integer.parseInt(m.group(2));
            List<PortRange> listening;
            try {
                listening = listening(target);
            } catch (IllegalStateException e) {
                continue; // reported for the target itself
            }
            if (listening.stream().noneMatch(r -> r.contains(port))) {
                problems.add(where + " points at " + m.group(1) + ":" + port + ", but " + m.group(1)
                        + " listens on " + listening);
            }
        }
        return problems;
    }

    private List<String> bindAddress(String name, Service service) {
        List<String> problems = new ArrayList<>();
        Optional<ConfigDefinition> config = config(service);
        if (config.isPresent() && config.get().defines(HTTP_HOST)) {
            String host = setting(service, HTTP_HOST).orElse("");
            if (isLoopback(host)) {
                problems.add(name + ": its HTTP server binds " + host + " (" + HTTP_HOST + "), unreachable from other"
                        + " containers; set " + envName(HTTP_HOST) + "=0.0.0.0");
            }
        }
        if (service.subcommand().filter(SIM_COMMAND::equals).isPresent()) {
            String host = optionValue(service, "--host").orElse("");
            if (isLoopback(host)) {
                problems.add(name + ": the simulators bind " + host + ", unreachable from other containers; pass"
                        + " --host 0.0.0.0");
            }
        }
        return problems;
    }

    /**
     * The ports a service listens on inside its container. Our processes: {@code http.port} of their
     * settings, or the simulators' range; others: their published and exposed ports (a broker also its
     * KAFKA_LISTENERS).
     *
     * @throws IllegalStateException when one of our processes' port cannot be told from the file
     */
    List<PortRange> listening(Service service) {
        List<PortRange> out = new ArrayList<>();
        if (compose.ownServices().containsKey(service.name())) {
            Optional<ConfigDefinition> config = config(service);
            if (config.isPresent() && config.get().defines(HTTP_PORT)) {
                String value = setting(service, HTTP_PORT).orElseThrow(() -> new IllegalStateException(
                        HTTP_PORT + " has no default; set " + envName(HTTP_PORT)));
                out.add(PortRange.of(parsePort(value, envName(HTTP_PORT))));
            }
            if (service.subcommand().filter(SIM_COMMAND::equals).isPresent()) {
                int first = parsePort(optionValue(service, "--port").orElseThrow(() ->
                        new IllegalStateException("beacon sim has no --port default")), "--port");
                out.add(new PortRange(first, first + sources.simulatorFleet().size() - 1));
            }
            return out;
        }
        try {
            service.ports().forEach(p -> out.add(p.container()));
            out.addAll(service.exposed());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        String listeners = service.environment().getOrDefault("KAFKA_LISTENERS", "");
        Matcher m = LISTENER.matcher(listeners);
        while (m.find()) {
            out.add(PortRange.of(Integer.parseInt(m.group(3))));
        }
        return out;
    }

    /** Our processes' bootstrap servers are listeners the broker advertises under the same host and port. */
    List<String> kafkaListeners() {
        List<String> problems = new ArrayList<>();
        Map<String, Service> services = compose.services();
        compose.ownServices().forEach((name, service) -> {
            Optional<String> bootstrap = config(service).filter(c -> c.defines(BOOTSTRAP_SERVERS))
                    .flatMap(c -> setting(service, BOOTSTRAP_SERVERS));
            if (bootstrap.isEmpty()) {
                return;
            }
            for (String server : bootstrap.get().split(",")) {
                String[] hostPort = server.trim().split(":");
                Service broker = services.get(hostPort[0]);
                if (broker == null || hostPort.length != 2) {
                    continue;
                }
                Map<String, String> env = broker.environment();
                Map<String, String> advertised = listeners(env.getOrDefault("KAFKA_ADVERTISED_LISTENERS", ""));
                String listener = advertised.entrySet().stream()
                        .filter(e -> e.getValue().equals(server.trim())).map(Map.Entry::getKey).findFirst().orElse(null);
                if (listener == null) {
                    problems.add(name + ": bootstrap server " + server.trim() + " is not a listener " + hostPort[0]
                            + " advertises (" + advertised + "); clients would be sent elsewhere after bootstrapping");
                    continue;
                }
                String bound = listeners(env.getOrDefault("KAFKA_LISTENERS", "")).get(listener);
                if (bound == null || !bound.endsWith(":" + hostPort[1])) {
                    problems.add(name + ": " + hostPort[0] + " advertises " + listener + " as " + server.trim()
                            + " but binds it to " + bound);
                }
            }
        });
        return problems;
    }

    private static Map<String, String> listeners(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = LISTENER.matcher(spec);
        while (m.find()) {
            out.put(m.group(1), m.group(2) + ":" + m.group(3));
        }
        return out;
    }

    // ---------------------------------------------------------------- start order

    /**
     * depends_on names real services with real conditions, waits for a healthcheck only where there is one,
     * has no cycle; every service has a healthcheck; a service that points at another waits for it; every
     * process using Kafka starts after the topics exist (auto-creation is off).
     */
    List<String> dependencies() {
        List<String> problems = new ArrayList<>();
        Map<String, Service> services = compose.services();
        services.forEach((name, service) -> {
            if (service.healthcheck().isBlank()) {
                problems.add(name + ": has no healthcheck");
            }
            service.dependsOn().forEach((target, condition) -> {
                if (!services.containsKey(target)) {
                    problems.add(name + ": depends on " + target + ", which is not a service");
                } else if (!CONDITIONS.contains(condition)) {
                    problems.add(name + ": depends on " + target + " with unknown condition " + condition);
                } else if (condition.equals("service_healthy") && services.get(target).healthcheck().isBlank()) {
                    problems.add(name + ": waits for " + target + " to be healthy, but it has no healthcheck");
                }
            });
            if (dependsTransitively(name, name, new HashSet<>())) {
                problems.add(name + ": depends on itself through depends_on");
            }
            for (String value : service.environment().values()) {
                Matcher m = SERVICE_REFERENCE.matcher(value);
                while (m.find()) {
                    String target = m.group(1);
                    if (services.containsKey(target) && !target.equals(name)
                            && !dependsTransitively(name, target, new HashSet<>())) {
                        problems.add(name + ": uses " + target + " but does not wait for it (depends_on)");
                    }
                }
            }
        });
        Set<String> creators = new LinkedHashSet<>();
        compose.ownServices().forEach((name, service) -> command(service)
                .filter(c -> sources.code(c.className()).contains("createTopics("))
                .ifPresent(c -> creators.add(name)));
        compose.ownServices().forEach((name, service) -> {
            boolean usesKafka = config(service).map(c -> c.defines(BOOTSTRAP_SERVERS)).orElse(false);
            if (!usesKafka || creators.contains(name)) {
                return;
            }
            if (creators.isEmpty()) {
                problems.add(name + ": uses Kafka, but no service creates the topics");
            } else if (creators.stream().noneMatch(c -> waitsHealthy(name, c, new HashSet<>()))) {
                problems.add(name + ": may start before the topics exist; wait for " + creators
                        + " with condition service_healthy");
            }
        });
        return problems;
    }

    private boolean dependsTransitively(String from, String target, Set<String> seen) {
        Service service = compose.services().get(from);
        if (service == null || !seen.add(from)) {
            return false;
        }
        for (String next : service.dependsOn().keySet()) {
            if (next.equals(target) || dependsTransitively(next, target, seen)) {
                return true;
            }
        }
        return false;
    }

    private boolean waitsHealthy(String from, String target, Set<String> seen) {
        Service service = compose.services().get(from);
        if (service == null || !seen.add(from)) {
            return false;
        }
        for (Map.Entry<String, String> dep : service.dependsOn().entrySet()) {
            if ((dep.getKey().equals(target) && dep.getValue().equals("service_healthy"))
                    || waitsHealthy(dep.getKey(), target, seen)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- workers and simulators

    /**
     * Each worker's deployment list names the simulators the sim service runs, at their ports (deployment i
     * at first port + i), with their provider kind, region and price; every simulated deployment has a worker.
     */
    List<String> workerDeployments() {
        List<String> problems = new ArrayList<>();
        Map<String, Service> simulators = new LinkedHashMap<>();
        compose.ownServices().forEach((name, service) -> {
            if (service.subcommand().filter(SIM_COMMAND::equals).isPresent()) {
                simulators.put(name, service);
            }
        });
        List<SimulatedDeployment> fleet = sources.simulatorFleet();
        Set<String> served = new HashSet<>();
        Map<String, String> variables = sources.deploymentVariables();
        compose.ownServices().forEach((name, service) -> {
            Optional<String> provider = service.subcommand().filter("worker"::equals)
                    .flatMap(c -> service.option("--provider")).map(p -> p.toLowerCase(Locale.ROOT));
            if (provider.isEmpty()) {
                return;
            }
            String variable = variables.getOrDefault(provider.get(), "?");
            String spec = service.environment().getOrDefault(envName(DEPLOYMENTS),
                    service.environment().getOrDefault(variable, ""));
            if (spec.isBlank()) {
                problems.add(name + ": no deployments (" + variable + "); the worker would call simulators on its"
                        + " own loopback");
                return;
            }
            for (String entry : spec.split(",")) {
                String trimmed = entry.trim();
                if (!trimmed.isEmpty()) {
                    problems.addAll(deployment(name, provider.get(), trimmed, simulators, fleet, served));
                }
            }
        });
        if (!simulators.isEmpty()) {
            for (SimulatedDeployment d : fleet) {
                if (!served.contains(d.id())) {
                    problems.add("simulated deployment " + d.id() + " (" + d.provider() + ") is called by no worker");
                }
            }
        }
        return problems;
    }

    private List<String> deployment(String worker, String provider, String entry, Map<String, Service> simulators,
                                    List<SimulatedDeployment> fleet, Set<String> served) {
        List<String> problems = new ArrayList<>();
        String[] parts = entry.split(";");
        String location = parts[0].trim();
        String id = null;
        int eq = location.indexOf('=');
        if (eq > 0 && !location.substring(0, eq).contains("/")) {
            id = location.substring(0, eq).trim();
            location = location.substring(eq + 1).trim();
        }
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int at = parts[i].indexOf('=');
            if (at > 0) {
                options.put(parts[i].substring(0, at).trim().toLowerCase(Locale.ROOT), parts[i].substring(at + 1).trim());
            }
        }
        if (options.containsKey("id")) {
            id = options.get("id");
        }
        URI url;
        try {
            url = URI.create(location);
        } catch (IllegalArgumentException e) {
            problems.add(worker + ": deployment '" + entry + "' has no valid URL");
            return problems;
        }
        Service simulator = url.getHost() == null ? null : simulators.get(url.getHost());
        if (simulator == null) {
            if (!simulators.isEmpty()) {
                problems.add(worker + ": deployment " + id + " calls " + url.getHost() + ", not the simulators "
                        + simulators.keySet());
            }
            return problems;
        }
        int first = listening(simulator).get(0).first();
        int index = url.getPort() - first;
        if (index < 0 || index >= fleet.size()) {
            problems.add(worker + ": deployment " + id + " calls port " + url.getPort() + ", where no simulator listens"
                    + " (" + first + "-" + (first + fleet.size() - 1) + ")");
            return problems;
        }
        SimulatedDeployment simulated = fleet.get(index);
        served.add(simulated.id());
        if (!simulated.id().equals(id)) {
            problems.add(worker + ": deployment " + id + " calls port " + url.getPort() + ", where the simulators serve "
                    + simulated.id());
        }
        if (!simulated.provider().equals(provider)) {
            problems.add(worker + ": deployment " + id + " is a " + simulated.provider() + " simulator, not " + provider);
        }
        String expectedPath = provider.equals("runpod") ? "/v2/" + simulated.id() : "";
        String path = url.getPath() == null || url.getPath().equals("/") ? "" : url.getPath();
        if (!path.equals(expectedPath)) {
            problems.add(worker + ": deployment " + id + " calls path '" + path + "', the simulator serves '"
                    + expectedPath + "'");
        }
        if (options.containsKey("region") && !options.get("region").equals(simulated.region())) {
            problems.add(worker + ": deployment " + id + " says region " + options.get("region") + ", the simulator is in "
                    + simulated.region());
        }
        if (options.containsKey("price")) {
            double price = Double.parseDouble(options.get("price"));
            if (Math.abs(price - simulated.pricePerSecondUsd()) > 1e-12) {
                problems.add(worker + ": deployment " + id + " says price " + price + " USD/s, the simulator bills "
                        + simulated.pricePerSecondUsd());
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- Prometheus

    /** Prometheus's config is mounted where it reads it, scrapes only services at ports they serve, and every process that serves /metrics. */
    List<String> prometheus() {
        List<String> problems = new ArrayList<>();
        Optional<Service> prometheus = serviceWithImage("prom/prometheus");
        if (prometheus.isEmpty()) {
            return List.of("no prom/prometheus service");
        }
        String name = prometheus.get().name();
        String configPath = prometheus.get().command().stream().filter(w -> w.startsWith("--config.file="))
                .map(w -> w.substring("--config.file=".length())).findFirst().orElse("/etc/prometheus/prometheus.yml");
        Optional<Path> file = hostPath(prometheus.get(), configPath);
        if (file.isEmpty() || !Files.isRegularFile(file.get())) {
            return List.of(name + ": " + configPath + " is not mounted from a file in the repository");
        }
        JsonNode config;
        try {
            config = YamlTree.read(file.get());
        } catch (IllegalStateException e) {
            return List.of(e.getMessage());
        }
        Map<String, Service> services = compose.services();
        Map<String, Set<Integer>> scraped = new HashMap<>();
        Set<String> jobs = new HashSet<>();
        for (JsonNode job : config.path("scrape_configs")) {
            String jobName = job.path("job_name").asText();
            if (!jobs.add(jobName)) {
                problems.add(file.get().getFileName() + ": job " + jobName + " is defined twice");
            }
            String metricsPath = job.path("metrics_path").asText("/metrics");
            for (JsonNode group : job.path("static_configs")) {
                for (JsonNode target : group.path("targets")) {
                    String[] hostPort = target.asText().split(":");
                    if (hostPort.length != 2) {
                        problems.add(jobName + ": target " + target.asText() + " is not host:port");
                        continue;
                    }
                    String host = hostPort[0].equals("localhost") || hostPort[0].equals("127.0.0.1") ? name : hostPort[0];
                    Service service = services.get(host);
                    if (service == null) {
                        problems.add(jobName + ": target " + target.asText() + " is not a compose service");
                        continue;
                    }
                    int port = Integer.parseInt(hostPort[1]);
                    problems.addAll(references(jobName + ": target", host + ":" + port, services));
                    scraped.computeIfAbsent(host, k -> new HashSet<>()).add(port);
                    boolean token = !service.environment().getOrDefault(envName(HTTP_AUTH_TOKEN), "").isBlank();
                    boolean authorized = job.has("authorization") || job.has("bearer_token")
                            || job.has("bearer_token_file");
                    if (token && !authorized && compose.ownServices().containsKey(host)) {
                        problems.add(jobName + ": " + host + " requires a bearer token (" + envName(HTTP_AUTH_TOKEN)
                                + ") and the job sends none");
                    }
                    if (compose.ownServices().containsKey(host) && !metricsPath.equals("/metrics")) {
                        problems.add(jobName + ": scrapes " + host + " at " + metricsPath + "; it serves /metrics");
                    }
                }
            }
        }
        compose.ownServices().forEach((serviceName, service) -> {
            if (service.subcommand().filter(METRICS_COMMANDS::contains).isEmpty()) {
                return;
            }
            Optional<Integer> port = setting(service, HTTP_PORT).map(p -> parsePort(p, HTTP_PORT));
            if (port.isEmpty() || !scraped.getOrDefault(serviceName, Set.of()).contains(port.get())) {
                problems.add(serviceName + ": serves /metrics on port " + port.map(String::valueOf).orElse("?")
                        + " but Prometheus does not scrape it there (" + file.get().getFileName() + ")");
            }
        });
        return problems;
    }

    /** Labels the Prometheus config adds to its targets (static_configs labels). */
    Set<String> prometheusTargetLabels() {
        Set<String> out = new HashSet<>(MetricsContract.TARGET_LABELS);
        serviceWithImage("prom/prometheus").flatMap(p -> hostPath(p, p.command().stream()
                        .filter(w -> w.startsWith("--config.file=")).map(w -> w.substring("--config.file=".length()))
                        .findFirst().orElse("/etc/prometheus/prometheus.yml")))
                .filter(Files::isRegularFile)
                .ifPresent(file -> YamlTree.read(file).path("scrape_configs").forEach(job ->
                        job.path("static_configs").forEach(group -> group.path("labels").fieldNames()
                                .forEachRemaining(out::add))));
        return out;
    }

    // ---------------------------------------------------------------- Grafana

    /**
     * Grafana's provisioning is mounted where Grafana reads it; the data source points at Prometheus; each
     * dashboard provider's folder is mounted and holds dashboards that pass {@link #dashboard}.
     */
    List<String> grafana() {
        List<String> problems = new ArrayList<>();
        Optional<Service> grafana = serviceWithImage("grafana/grafana");
        if (grafana.isEmpty()) {
            return List.of("no grafana/grafana service");
        }
        Service service = grafana.get();
        String provisioning = service.environment().getOrDefault("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning");
        Optional<Path> provisioningDir = hostPath(service, provisioning).filter(Files::isDirectory);
        if (provisioningDir.isEmpty()) {
            return List.of(service.name() + ": " + provisioning + " is not mounted from a folder in the repository");
        }
        Set<String> uids = new HashSet<>();
        List<Path> datasourceFiles = yamlFiles(provisioningDir.get().resolve("datasources"));
        if (datasourceFiles.isEmpty()) {
            problems.add(service.name() + ": no data source provisioned (" + provisioning + "/datasources)");
        }
        for (Path file : datasourceFiles) {
            JsonNode doc;
            try {
                doc = YamlTree.read(file);
            } catch (IllegalStateException e) {
                problems.add(e.getMessage());
                continue;
            }
            for (JsonNode source : doc.path("datasources")) {
                String uid = source.path("uid").asText("");
                if (uid.isEmpty()) {
                    problems.add(file.getFileName() + ": data source " + source.path("name").asText()
                            + " has no uid; dashboards cannot refer to it reliably");
                }
                uids.add(uid);
                URI url = URI.create(source.path("url").asText(""));
                if (url.getHost() == null || !compose.services().containsKey(url.getHost())) {
                    problems.add(file.getFileName() + ": data source url " + url + " is not a compose service");
                } else {
                    int port = url.getPort() < 0 ? 80 : url.getPort();
                    problems.addAll(references(file.getFileName() + ": data source url", url.getHost() + ":" + port,
                            compose.services()));
                }
            }
        }
        Set<String> targetLabels = prometheusTargetLabels();
        List<Path> providerFiles = yamlFiles(provisioningDir.get().resolve("dashboards"));
        if (providerFiles.isEmpty()) {
            problems.add(service.name() + ": no dashboard provider provisioned (" + provisioning + "/dashboards)");
        }
        for (Path file : providerFiles) {
            JsonNode doc;
            try {
                doc = YamlTree.read(file);
            } catch (IllegalStateException e) {
                problems.add(e.getMessage());
                continue;
            }
            for (JsonNode provider : doc.path("providers")) {
                String path = provider.path("options").path("path").asText("");
                Optional<Path> dir = hostPath(service, path).filter(Files::isDirectory);
                if (dir.isEmpty()) {
                    problems.add(file.getFileName() + ": provider " + provider.path("name").asText() + " reads " + path
                            + ", which is not mounted from a folder in the repository");
                    continue;
                }
                List<Path> dashboards = files(dir.get(), ".json");
                if (dashboards.isEmpty()) {
                    problems.add(file.getFileName() + ": " + dir.get() + " holds no dashboard");
                }
                for (Path dashboard : dashboards) {
                    problems.addAll(dashboard(dashboard, uids, targetLabels));
                }
            }
        }
        String home = service.environment().get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
        if (home != null && hostPath(service, home).filter(Files::isRegularFile).isEmpty()) {
            problems.add(service.name() + ": home dashboard " + home + " is not a mounted file");
        }
        return problems;
    }

    /**
     * A dashboard is valid JSON with a uid, unique panel ids and positions; each query uses the provisioned
     * data source and only contract metrics (or binder and scrape series) with their labels; together the
     * panels show lag, throughput, cost and health.
     */
    static List<String> dashboard(Path file, Set<String> datasourceUids, Set<String> targetLabels) {
        List<String> problems = new ArrayList<>();
        String name = file.getFileName().toString();
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            return List.of(name + ": not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            return List.of(name + ": not a dashboard object");
        }
        if (root.path("uid").asText("").isBlank() || root.path("title").asText("").isBlank()) {
            problems.add(name + ": has no uid or title");
        }
        List<JsonNode> panels = new ArrayList<>();
        collectPanels(root.path("panels"), panels);
        if (panels.isEmpty()) {
            problems.add(name + ": has no panels");
        }
        Set<Integer> ids = new HashSet<>();
        Set<String> used = new HashSet<>();
        for (JsonNode panel : panels) {
            String title = "panel '" + panel.path("title").asText() + "'";
            if (!panel.path("id").canConvertToInt() || !panel.path("id").isIntegralNumber()) {
                problems.add(name + ": " + title + " has no numeric id");
            } else if (!ids.add(panel.path("id").asInt())) {
                problems.add(name + ": " + title + " reuses panel id " + panel.path("id").asInt());
            }
            JsonNode grid = panel.path("gridPos");
            if (!grid.path("w").isInt() || !grid.path("h").isInt() || !grid.path("x").isInt() || !grid.path("y").isInt()) {
                problems.add(name + ": " + title + " has no complete gridPos");
            }
            for (JsonNode target : panel.path("targets")) {
                String uid = target.path("datasource").path("uid").asText(panel.path("datasource").path("uid").asText(""));
                if (!datasourceUids.contains(uid)) {
                    problems.add(name + ": " + title + " queries data source '" + uid + "', provisioned are "
                            + datasourceUids);
                }
                String expr = target.path("expr").asText("");
                if (expr.isBlank()) {
                    problems.add(name + ": " + title + " has a query without expr");
                    continue;
                }
                problems.addAll(query(name + ": " + title, expr, targetLabels));
                used.addAll(PromQl.metricNames(expr));
            }
        }
        for (String required : List.of("beacon_consumer_group_lag", "beacon_consumer_lag_seconds",
                "beacon_consumer_group_status", "hybrid_requests_total", "hybrid_cost_total",
                "hybrid_request_duration_seconds_bucket", "beacon_deployment_circuit_state",
                "beacon_deployment_in_flight", "beacon_failovers_total", "beacon_dlq_records_total", "up")) {
            if (!used.contains(required)) {
                problems.add(name + ": no panel shows " + required);
            }
        }
        return problems;
    }

    private static List<String> query(String where, String expr, Set<String> targetLabels) {
        List<String> problems = new ArrayList<>();
        Set<String> metrics = PromQl.metricNames(expr);
        if (metrics.isEmpty()) {
            problems.add(where + ": query selects no metric: " + expr);
        }
        Set<String> allowedLabels = new HashSet<>(targetLabels);
        allowedLabels.add(MetricsContract.APPLICATION_LABEL);
        boolean labelsKnown = true;
        for (String metric : metrics) {
            if (!MetricsContract.isKnown(metric)) {
                problems.add(where + ": " + metric + " is not in the metrics contract");
            }
            Optional<Set<String>> labels = MetricsContract.labels(metric);
            if (labels.isPresent()) {
                allowedLabels.addAll(labels.get());
            } else {
                labelsKnown = false;
            }
        }
        if (labelsKnown) {
            for (String label : PromQl.labelNames(expr)) {
                if (!allowedLabels.contains(label)) {
                    problems.add(where + ": label " + label + " is not a label of " + metrics);
                }
            }
        }
        return problems;
    }

    private static void collectPanels(JsonNode list, List<JsonNode> out) {
        for (JsonNode panel : list) {
            out.add(panel);
            collectPanels(panel.path("panels"), out);
        }
    }

    // ---------------------------------------------------------------- Dockerfile

    /** The Dockerfile of the service(s) built here, checked against its build context. */
    List<String> dockerfile() {
        List<String> problems = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        compose.services().forEach((name, service) -> {
            if (!service.hasBuild()) {
                return;
            }
            Path context = compose.directory().resolve(service.buildContext().orElse(".")).normalize();
            Path file = context.resolve(service.dockerfile());
            if (!seen.add(file) || !Files.isRegularFile(file)) {
                return; // a missing one is reported by files()
            }
            try {
                problems.addAll(dockerfile(Files.readString(file), context));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return problems;
    }

    /**
     * A Dockerfile builds the launcher's shaded jar from sources that exist, copies it into a non-root
     * runtime image on the Java release the build targets, runs BeaconCli from it and exposes the ports our
     * services listen on.
     */
    List<String> dockerfile(String text, Path context) {
        List<String> problems = new ArrayList<>();
        Dockerfile dockerfile;
        try {
            dockerfile = Dockerfile.parse(text);
        } catch (IllegalArgumentException e) {
            return List.of("Dockerfile: " + e.getMessage());
        }
        String release = poms.property("maven.compiler.release").orElse("?");
        Set<String> copied = new HashSet<>();
        for (Dockerfile.Stage stage : dockerfile.stages()) {
            String tag = tag(stage.image());
            if (tag.isEmpty() || tag.equals("latest")) {
                problems.add("Dockerfile: base image " + stage.image() + " is not pinned");
            }
            Matcher major = JAVA_MAJOR.matcher(stage.image());
            if (major.find() && !major.group(1).equals(release)) {
                problems.add("Dockerfile: base image " + stage.image() + " has Java " + major.group(1)
                        + ", the build targets " + release + " (maven.compiler.release)");
            }
            for (Dockerfile.Instruction copy : Stream.concat(stage.all("COPY").stream(), stage.all("ADD").stream()).toList()) {
                if (copy.flag("from").isPresent()) {
                    continue;
                }
                List<String> operands = copy.operands();
                for (String source : operands.subList(0, Math.max(0, operands.size() - 1))) {
                    String relative = source.replaceAll("^\\./", "").replaceAll("/$", "");
                    copied.add(relative);
                    if (!relative.contains("*") && !Files.exists(context.resolve(relative))) {
                        problems.add("Dockerfile: COPY " + source + " does not exist in the build context");
                    }
                }
            }
        }
        boolean copiesEverything = copied.contains(".") || copied.contains("");
        if (!copiesEverything) {
            if (!copied.contains("pom.xml")) {
                problems.add("Dockerfile: does not copy the root pom.xml");
            }
            for (String module : poms.modules()) {
                if (!copied.contains(module) && !copied.contains(module + "/pom.xml")) {
                    problems.add("Dockerfile: does not copy " + module + "/pom.xml; Maven reads every module"
                            + " the root pom lists");
                }
            }
            for (String module : poms.moduleWithUpstream("launcher")) {
                if (!copied.contains(module) && !copied.contains(module + "/src")) {
                    problems.add("Dockerfile: does not copy " + module + "/src; the launcher is built from it");
                }
            }
        }
        Dockerfile.Stage runtime = dockerfile.finalStage();
        Poms.ShadedJar jar = poms.shadedJar("launcher");
        String jarInImage = null;
        for (Dockerfile.Instruction copy : runtime.all("COPY")) {
            Optional<String> from = copy.flag("from");
            if (from.isEmpty()) {
                continue;
            }
            Optional<Dockerfile.Stage> build = dockerfile.stage(from.get());
            if (build.isEmpty()) {
                problems.add("Dockerfile: COPY --from=" + from.get() + " names no stage");
                continue;
            }
            List<String> operands = copy.operands();
            String expected = build.get().workdir().replaceAll("/$", "") + "/" + jar.path();
            if (operands.size() == 2 && operands.get(0).equals(expected)) {
                jarInImage = operands.get(1);
            }
        }
        if (jarInImage == null) {
            problems.add("Dockerfile: the runtime stage does not copy the shaded jar " + jar.path()
                    + " from the build stage");
        }
        Optional<List<String>> entrypoint = runtime.last("ENTRYPOINT").flatMap(Dockerfile.Instruction::execForm);
        if (entrypoint.isEmpty()) {
            problems.add("Dockerfile: no ENTRYPOINT in exec (JSON array) form");
        } else {
            problems.addAll(entrypoint(entrypoint.get(), jarInImage, jar));
        }
        String user = runtime.last("USER").map(Dockerfile.Instruction::arguments).orElse("root");
        String userName = user.split(":")[0];
        if (userName.equals("root") || userName.equals("0")) {
            problems.add("Dockerfile: the runtime stage runs as root");
        }
        List<PortRange> exposed = new ArrayList<>();
        for (Dockerfile.Instruction expose : runtime.all("EXPOSE")) {
            for (String port : expose.operands()) {
                String[] range = port.replaceAll("/(tcp|udp)$", "").split("-");
                exposed.add(new PortRange(Integer.parseInt(range[0]), Integer.parseInt(range[range.length - 1])));
            }
        }
        compose.ownServices().forEach((name, service) -> {
            try {
                for (PortRange range : listening(service)) {
                    for (int port : range.ports()) {
                        if (exposed.stream().noneMatch(r -> r.contains(port))) {
                            problems.add("Dockerfile: does not EXPOSE port " + port + ", on which " + name + " listens");
                        }
                    }
                }
            } catch (IllegalStateException e) {
                // reported by ports()
            }
        });
        return problems;
    }

    private List<String> entrypoint(List<String> words, String jarInImage, Poms.ShadedJar jar) {
        List<String> problems = new ArrayList<>();
        if (words.isEmpty() || !(words.get(0).equals("java") || words.get(0).endsWith("/java"))) {
            return List.of("Dockerfile: ENTRYPOINT does not run java: " + words);
        }
        String mainClass = null;
        String classpath = null;
        for (int i = 1; i < words.size(); i++) {
            String word = words.get(i);
            if (word.equals("-jar") && i + 1 < words.size()) {
                classpath = words.get(i + 1);
                mainClass = jar.mainClass();
                break;
            }
            if ((word.equals("-cp") || word.equals("-classpath") || word.equals("--class-path")) && i + 2 < words.size()) {
                classpath = words.get(i + 1);
                mainClass = words.get(i + 2);
                break;
            }
        }
        if (classpath == null || mainClass == null || mainClass.isBlank()) {
            return List.of("Dockerfile: ENTRYPOINT names no jar and main class: " + words);
        }
        if (jarInImage != null && !classpath.equals(jarInImage)) {
            problems.add("Dockerfile: ENTRYPOINT runs " + classpath + ", the jar is copied to " + jarInImage);
        }
        String simpleName = mainClass.substring(mainClass.lastIndexOf('.') + 1);
        String packageName = mainClass.contains(".") ? mainClass.substring(0, mainClass.lastIndexOf('.')) : "";
        if (!sources.hasClass(simpleName)) {
            problems.add("Dockerfile: main class " + mainClass + " is not in the sources");
            return problems;
        }
        String code = sources.code(simpleName);
        if (!code.contains("package " + packageName + ";")) {
            problems.add("Dockerfile: main class " + mainClass + " is not in package " + packageName);
        }
        if (!Pattern.compile("public\\s+static\\s+void\\s+main\\s*\\(\\s*String\\s*(\\[\\s*]|\\.\\.\\.)\\s*\\w+\\s*\\)")
                .matcher(code).find()) {
            problems.add("Dockerfile: main class " + mainClass + " has no public static void main(String[])");
        }
        if (!simpleName.equals("BeaconCli")) {
            problems.add("Dockerfile: ENTRYPOINT runs " + mainClass + "; the compose commands are BeaconCli subcommands");
        }
        return problems;
    }

    // ---------------------------------------------------------------- helpers

    /** The environment variable that sets {@code key}, as ConfigLoader maps it. */
    String envName(String key) {
        return envPrefix + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    Optional<LauncherCommand> command(Service service) {
        return service.subcommand().map(commands::get);
    }

    Optional<ConfigDefinition> config(Service service) {
        return command(service).flatMap(LauncherCommand::configClass).map(sources::config);
    }

    /** A setting's value for a service: its BEACON_* variable, else the config default. */
    Optional<String> setting(Service service, String key) {
        String fromEnv = service.environment().get(envName(key));
        if (fromEnv != null) {
            return Optional.of(fromEnv);
        }
        return config(service).flatMap(c -> c.defaultOf(key));
    }

    /** An option's value on the command line, else the command's default for it. */
    private Optional<String> optionValue(Service service, String option) {
        Optional<String> given = service.option(option);
        if (given.isPresent()) {
            return given;
        }
        return command(service).flatMap(c -> c.options().getOrDefault(option, Optional.empty()));
    }

    private Optional<Service> serviceWithImage(String repository) {
        return compose.services().values().stream()
                .filter(s -> s.image().map(i -> repository(i).equals(repository)).orElse(false)).findFirst();
    }

    /** The repository file or folder mounted at {@code containerPath} (directly or inside a mounted folder). */
    Optional<Path> hostPath(Service service, String containerPath) {
        Mount best = null;
        for (Mount mount : service.bindMounts()) {
            String target = mount.target().replaceAll("/$", "");
            if ((containerPath.equals(target) || containerPath.startsWith(target + "/"))
                    && (best == null || target.length() > best.target().length())) {
                best = mount;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        String rest = containerPath.substring(best.target().replaceAll("/$", "").length()).replaceAll("^/", "");
        Path source = compose.directory().resolve(best.source()).normalize();
        return Optional.of(rest.isEmpty() ? source : source.resolve(rest));
    }

    private static List<Path> yamlFiles(Path dir) {
        List<Path> out = new ArrayList<>(files(dir, ".yml"));
        out.addAll(files(dir, ".yaml"));
        return out;
    }

    private static List<Path> files(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static int parsePort(String value, String what) {
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 1 || port > 65535) {
                throw new IllegalStateException(what + " " + value + " is not a fixed port");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(what + " '" + value + "' is not a port number");
        }
    }

    private static boolean isLoopback(String host) {
        return host.isBlank() || host.startsWith("127.") || host.equals("localhost") || host.equals("::1");
    }

    private static String repository(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.indexOf(':', slash + 1);
        return colon < 0 ? image : image.substring(0, colon);
    }

    private static String tag(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.indexOf(':', slash + 1);
        return colon < 0 ? "" : image.substring(colon + 1);
    }
}
