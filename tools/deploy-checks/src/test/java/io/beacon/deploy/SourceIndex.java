package io.beacon.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the container stack must agree with, read from the main Java sources in the working tree: the
 * settings each app defines ({@code ConfigDef.define} calls), the launcher's commands and options, the
 * environment variables the processes read and the simulators' fleet.
 *
 * <p>Why the sources and not the classes: the deploy module then depends on no other module, so
 * {@code mvn -pl tools/deploy-checks verify} needs nothing else built or installed, and it judges the tree about to be
 * committed, a setting added in the same change included. The ConfigDef calls are the one place a setting
 * is declared (READMEs list only some). What cannot be read reliably fails loudly instead of being skipped.
 */
final class SourceIndex {

    private static final Pattern CONSTANT = Pattern.compile(
            "static\\s+final\\s+(?:String|int|long|short)\\s+(\\w+)\\s*=\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][0-9_]*[lL]?)\\s*;");
    private static final Pattern DEFINE_CALL = Pattern.compile("\\.\\s*define\\s*\\(");
    private static final Pattern EXTENDS = Pattern.compile("\\bclass\\s+\\w+(?:<[^>]*>)?\\s+extends\\s+(\\w+)");
    private static final Pattern NUMBER = Pattern.compile("-?[0-9][0-9_]*[lL]?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*");

    private final Map<String, List<Path>> filesByClass;
    private final Map<String, String> code = new ConcurrentHashMap<>();

    private SourceIndex(Map<String, List<Path>> filesByClass) {
        this.filesByClass = filesByClass;
    }

    /** Indexes {@code src/main/java} of every module the root pom lists. */
    static SourceIndex of(Poms poms) {
        return ofDirectories(poms.modules().stream().map(m -> poms.root().resolve(m).resolve("src/main/java")).toList());
    }

    /** Indexes the Java files under {@code directories} (missing ones are skipped). */
    static SourceIndex ofDirectories(List<Path> directories) {
        Map<String, List<Path>> files = new LinkedHashMap<>();
        for (Path sources : directories) {
            if (!Files.isDirectory(sources)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(sources)) {
                walk.filter(p -> p.toString().endsWith(".java")).sorted().forEach(p -> {
                    String name = p.getFileName().toString();
                    files.computeIfAbsent(name.substring(0, name.length() - ".java".length()), k -> new ArrayList<>())
                            .add(p);
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + sources, e);
            }
        }
        return new SourceIndex(files);
    }

    boolean hasClass(String simpleName) {
        return filesByClass.containsKey(simpleName);
    }

    /**
     * The source of top-level class {@code simpleName}, comments removed.
     *
     * @throws IllegalStateException when no module or more than one has such a class
     */
    String code(String simpleName) {
        return code.computeIfAbsent(simpleName, name -> {
            List<Path> files = filesByClass.getOrDefault(name, List.of());
            if (files.size() != 1) {
                throw new IllegalStateException(files.isEmpty() ? "no main source defines class " + name
                        : "class " + name + " is defined in several modules: " + files);
            }
            try {
                return JavaText.withoutComments(Files.readString(files.get(0)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + files.get(0), e);
            }
        });
    }

    /** The value of constant {@code name} of {@code className} or a class it extends, as text. */
    Optional<String> constant(String className, String name) {
        String current = className;
        Set<String> seen = new HashSet<>();
        while (current != null && hasClass(current) && seen.add(current)) {
            String text = code(current);
            Matcher m = CONSTANT.matcher(text);
            while (m.find()) {
                if (m.group(1).equals(name)) {
                    return Optional.of(literal(m.group(2)));
                }
            }
            Matcher parent = EXTENDS.matcher(text);
            current = parent.find() ? parent.group(1) : null;
        }
        return Optional.empty();
    }

    /**
     * Evaluates a constant expression written in {@code className}: literals, constants ({@code NAME},
     * {@code Other.NAME}) and their concatenation with {@code +}.
     *
     * @throws IllegalArgumentException when a part is anything else
     */
    String evaluate(String className, String expression) {
        return tryEvaluate(className, expression).orElseThrow(() -> new IllegalArgumentException(
                "cannot evaluate '" + expression + "' in " + className + " (only literals, constants and +)"));
    }

    Optional<String> tryEvaluate(String className, String expression) {
        StringBuilder out = new StringBuilder();
        for (String part : JavaText.concatenationParts(expression.trim())) {
            Optional<String> value;
            if (part.startsWith("\"") && part.endsWith("\"") && part.length() >= 2) {
                value = Optional.of(JavaText.unquote(part));
            } else if (NUMBER.matcher(part).matches() || part.equals("true") || part.equals("false")) {
                value = Optional.of(literal(part));
            } else if (part.matches("[A-Z]\\w*\\.[A-Z_][A-Z0-9_]*")) {
                int dot = part.indexOf('.');
                value = constant(part.substring(0, dot), part.substring(dot + 1));
            } else if (part.matches("[A-Z_][A-Z0-9_]*")) {
                value = constant(className, part);
            } else {
                value = Optional.empty();
            }
            if (value.isEmpty()) {
                return Optional.empty();
            }
            out.append(value.get());
        }
        return Optional.of(out.toString());
    }

    /**
     * Every setting {@code configClass} defines, with its default where that is a literal or a constant,
     * following the shared definitions it pulls in ({@code CommonConfig.define(...)}).
     *
     * @throws IllegalArgumentException when a setting's name is not a constant expression
     */
    ConfigDefinition config(String configClass) {
        Map<String, Optional<String>> settings = new LinkedHashMap<>();
        collectSettings(configClass, settings, new HashSet<>());
        if (settings.isEmpty()) {
            throw new IllegalStateException(configClass + " defines no settings: is it a ConfigDef-based config class?");
        }
        return new ConfigDefinition(configClass, settings);
    }

    private void collectSettings(String className, Map<String, Optional<String>> settings, Set<String> visited) {
        if (!visited.add(className)) {
            return;
        }
        String text = code(className);
        Matcher m = DEFINE_CALL.matcher(text);
        while (m.find()) {
            int open = m.end() - 1;
            String receiver = receiverBefore(text, m.start());
            if (!receiver.isEmpty() && Character.isUpperCase(receiver.charAt(0)) && hasClass(receiver)) {
                // CommonConfig.define(definition), TopicNames.define(definition): shared settings
                collectSettings(receiver, settings, visited);
                continue;
            }
            List<String> args = JavaText.arguments(text, open);
            if (args.size() < 2) {
                continue;
            }
            String name = evaluate(className, args.get(0));
            Optional<String> defaultValue = Optional.empty();
            if (args.size() >= 5 && !args.get(2).startsWith("Importance.")) {
                defaultValue = tryEvaluate(className, args.get(2));
            }
            settings.put(name, defaultValue);
        }
    }

    /** The identifier right before the dot at {@code dot}, or "" when it is a call's closing parenthesis. */
    private static String receiverBefore(String text, int dot) {
        int end = dot;
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int start = end;
        while (start > 0 && Character.isJavaIdentifierPart(text.charAt(start - 1))) {
            start--;
        }
        return text.substring(start, end);
    }

    /** The launcher's subcommands as {@code BeaconCli} registers them, by command name. */
    Map<String, LauncherCommand> launcherCommands() {
        String cli = code("BeaconCli");
        Matcher list = Pattern.compile("subcommands\\s*=\\s*\\{([^}]*)}").matcher(cli);
        if (!list.find()) {
            throw new IllegalStateException("BeaconCli registers no subcommands");
        }
        Map<String, LauncherCommand> out = new LinkedHashMap<>();
        Matcher classes = Pattern.compile("(\\w+)\\.class").matcher(list.group(1));
        while (classes.find()) {
            String className = classes.group(1);
            if (hasClass(className)) {
                LauncherCommand command = command(className);
                out.put(command.name(), command);
            }
        }
        return out;
    }

    private LauncherCommand command(String className) {
        String text = code(className);
        int annotation = text.indexOf("@Command(");
        if (annotation < 0) {
            throw new IllegalStateException(className + " has no @Command annotation");
        }
        Map<String, String> attributes = attributes(className, text, annotation + "@Command".length());
        String name = attributes.get("name");
        Map<String, Optional<String>> options = new LinkedHashMap<>();
        if ("true".equals(attributes.get("mixinStandardHelpOptions"))) {
            for (String standard : List.of("-h", "--help", "-V", "--version")) {
                options.put(standard, Optional.empty());
            }
        }
        collectOptions(className, options);
        Matcher mixins = Pattern.compile("@Mixin\\s+(?:final\\s+)?(\\w+)\\s+\\w+\\s*;").matcher(text);
        while (mixins.find()) {
            collectOptions(mixins.group(1), options);
        }
        Matcher config = Pattern.compile("ConfigLoader\\s*\\.\\s*merge\\s*\\(\\s*(\\w+)\\s*\\.").matcher(text);
        Optional<String> configClass = config.find() ? Optional.of(config.group(1)) : Optional.empty();
        return new LauncherCommand(name, className, options, configClass, environmentVariablesRead(text));
    }

    private void collectOptions(String className, Map<String, Optional<String>> options) {
        String text = code(className);
        Matcher m = Pattern.compile("@Option\\s*\\(").matcher(text);
        while (m.find()) {
            Map<String, String> attributes = attributes(className, text, m.end() - 1);
            Optional<String> defaultValue = Optional.ofNullable(attributes.get("defaultValue"));
            for (String optionName : attributes.getOrDefault("names", "").split("\u0000")) {
                if (!optionName.isEmpty()) {
                    options.put(optionName, defaultValue);
                }
            }
        }
    }

    /** An annotation's attributes, evaluated; an array value's elements are joined with NUL. */
    private Map<String, String> attributes(String className, String text, int open) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String arg : JavaText.arguments(text, open)) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = arg.substring(0, eq).trim();
            String value = arg.substring(eq + 1).trim();
            if (value.startsWith("{")) {
                List<String> items = new ArrayList<>();
                for (String item : JavaText.arguments("(" + value.substring(1, value.length() - 1) + ")", 0)) {
                    tryEvaluate(className, item).ifPresent(items::add);
                }
                out.put(key, String.join("\u0000", items));
            } else {
                tryEvaluate(className, value).ifPresent(v -> out.put(key, v));
            }
        }
        return out;
    }

    /**
     * The variables a command's process reads besides BEACON_* settings: its own {@code System.getenv}
     * calls, the deployment-list variables when it uses {@code DeploymentEndpoints} and the secrets (and
     * their {@code _FILE} forms) when it uses {@code ProviderSecrets}.
     */
    private Set<String> environmentVariablesRead(String commandText) {
        Set<String> out = new LinkedHashSet<>();
        Matcher getenv = Pattern.compile("System\\.getenv\\(\\s*\"([A-Z0-9_]+)\"\\s*\\)").matcher(commandText);
        while (getenv.find()) {
            out.add(getenv.group(1));
        }
        if (commandText.contains("DeploymentEndpoints")) {
            out.addAll(deploymentVariables().values());
        }
        if (commandText.contains("ProviderSecrets")) {
            Matcher constants = CONSTANT.matcher(code("ProviderSecrets"));
            List<String> names = new ArrayList<>();
            List<String> suffixes = new ArrayList<>();
            while (constants.find()) {
                String value = literal(constants.group(2));
                if (ENV_NAME.matcher(value).matches()) {
                    names.add(value);
                } else if (value.startsWith("_") && ENV_NAME.matcher(value.substring(1)).matches()) {
                    suffixes.add(value);
                }
            }
            for (String name : names) {
                out.add(name);
                suffixes.forEach(suffix -> out.add(name + suffix));
            }
        }
        return out;
    }

    /** The variable listing each provider kind's deployments (lower-case kind to name), from DeploymentEndpoints. */
    Map<String, String> deploymentVariables() {
        Matcher cases = Pattern.compile("case\\s+(\\w+)\\s*->\\s*\"([A-Z0-9_]+)\"")
                .matcher(code("DeploymentEndpoints"));
        Map<String, String> out = new LinkedHashMap<>();
        while (cases.find()) {
            out.put(cases.group(1).toLowerCase(Locale.ROOT), cases.group(2));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("DeploymentEndpoints names no deployment variables");
        }
        return out;
    }

    /** The simulators' deployments in {@code SimulatorFleet.demoDeployments()} order: deployment i listens on first port + i. */
    List<SimulatedDeployment> simulatorFleet() {
        String text = code("SimulatorFleet");
        Matcher method = Pattern.compile("static\\s+List<SimulatedDeployment>\\s+demoDeployments\\s*\\(\\s*\\)\\s*\\{")
                .matcher(text);
        if (!method.find()) {
            throw new IllegalStateException("SimulatorFleet has no demoDeployments()");
        }
        String body = text.substring(method.end() - 1, JavaText.closingBrace(text, method.end() - 1));
        List<Positioned> found = new ArrayList<>();
        Matcher golem = Pattern.compile("golem\\(\\s*\"([^\"]+)\"\\s*,\\s*\"([^\"]+)\"\\s*,\\s*([0-9.eE_-]+)").matcher(body);
        while (golem.find()) {
            found.add(new Positioned(golem.start(), new SimulatedDeployment(golem.group(1), "golem", golem.group(2),
                    Double.parseDouble(golem.group(3).replace("_", "")))));
        }
        Matcher builder = Pattern.compile("builder\\(\\s*\"([^\"]+)\"\\s*,\\s*SimProvider\\.(\\w+)\\s*\\)").matcher(body);
        while (builder.find()) {
            int end = body.indexOf(".build()", builder.end());
            String chain = body.substring(builder.end(), end < 0 ? body.length() : end);
            Matcher region = Pattern.compile("\\.region\\(\\s*\"([^\"]+)\"\\s*\\)").matcher(chain);
            Matcher price = Pattern.compile("\\.pricePerSecondUsd\\(\\s*([0-9.eE_-]+)\\s*\\)").matcher(chain);
            if (!region.find() || !price.find()) {
                throw new IllegalStateException("simulated deployment " + builder.group(1) + " has no literal region or price");
            }
            found.add(new Positioned(builder.start(), new SimulatedDeployment(builder.group(1),
                    builder.group(2).toLowerCase(Locale.ROOT), region.group(1),
                    Double.parseDouble(price.group(1).replace("_", "")))));
        }
        if (found.isEmpty()) {
            throw new IllegalStateException("no simulated deployment found in SimulatorFleet.demoDeployments()");
        }
        found.sort(Comparator.comparingInt(Positioned::position));
        return found.stream().map(Positioned::deployment).toList();
    }

    private record Positioned(int position, SimulatedDeployment deployment) {
    }

    private static String literal(String token) {
        if (token.startsWith("\"")) {
            return JavaText.unquote(token);
        }
        return token.replace("_", "").replaceAll("[lL]$", "");
    }

    /** A config class's settings: name to default (empty when there is none or it is not a constant). */
    record ConfigDefinition(String className, Map<String, Optional<String>> settings) {

        boolean defines(String name) {
            return settings.containsKey(name);
        }

        Optional<String> defaultOf(String name) {
            return settings.getOrDefault(name, Optional.empty());
        }
    }

    /**
     * One launcher subcommand.
     *
     * @param options              option name (e.g. --port) to its default value, if it has one
     * @param configClass          the config class whose settings it merges from BEACON_* variables
     * @param environmentVariables other variables its process reads
     */
    record LauncherCommand(String name, String className, Map<String, Optional<String>> options,
                           Optional<String> configClass, Set<String> environmentVariables) {
    }

    /** A deployment the simulators serve, with the provider kind in lower case. */
    record SimulatedDeployment(String id, String provider, String region, double pricePerSecondUsd) {
    }
}
