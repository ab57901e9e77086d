package io.beacon.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Compose file, read the way {@code docker compose} reads the parts the stack uses. */
record ComposeFile(Path file, JsonNode root) {

    static ComposeFile read(Path file) {
        return new ComposeFile(file, YamlTree.read(file));
    }

    /** Relative paths in the file (bind mounts, build contexts) are relative to this directory. */
    Path directory() {
        return file.toAbsolutePath().getParent();
    }

    Map<String, Service> services() {
        Map<String, Service> out = new LinkedHashMap<>();
        JsonNode services = root.path("services");
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            out.put(entry.getKey(), new Service(entry.getKey(), entry.getValue()));
        }
        return out;
    }

    /** The image name the services built from this repository's Dockerfile carry. */
    Set<String> builtImages() {
        Set<String> out = new LinkedHashSet<>();
        services().values().stream().filter(Service::hasBuild).forEach(s -> s.image().ifPresent(out::add));
        return out;
    }

    /** Services that run this repository's image (built here, or the image such a service is tagged with). */
    Map<String, Service> ownServices() {
        Set<String> images = builtImages();
        Map<String, Service> out = new LinkedHashMap<>();
        services().forEach((name, service) -> {
            if (service.hasBuild() || service.image().map(images::contains).orElse(false)) {
                out.put(name, service);
            }
        });
        return out;
    }

    /** One service of the file. */
    record Service(String name, JsonNode node) {

        private static final Pattern PORT_RANGE = Pattern.compile("(\\d+)(?:-(\\d+))?");

        Optional<String> image() {
            return text(node.path("image"));
        }

        boolean hasBuild() {
            return !node.path("build").isMissingNode();
        }

        /** The build context, relative to the Compose file's directory. */
        Optional<String> buildContext() {
            JsonNode build = node.path("build");
            return build.isTextual() ? Optional.of(build.asText()) : text(build.path("context"));
        }

        String dockerfile() {
            return text(node.path("build").path("dockerfile")).orElse("Dockerfile");
        }

        /** The command as a list (a string command is split on white space, as Compose does for simple ones). */
        List<String> command() {
            return list(node.path("command"));
        }

        /** The command's first word: the launcher subcommand for this repository's image. */
        Optional<String> subcommand() {
            List<String> command = command();
            return command.isEmpty() ? Optional.empty() : Optional.of(command.get(0));
        }

        /** The value of {@code --option VALUE} or {@code --option=VALUE} in the command. */
        Optional<String> option(String option) {
            List<String> command = command();
            for (int i = 0; i < command.size(); i++) {
                String word = command.get(i);
                if (word.equals(option) && i + 1 < command.size()) {
                    return Optional.of(command.get(i + 1));
                }
                if (word.startsWith(option + "=")) {
                    return Optional.of(word.substring(option.length() + 1));
                }
            }
            return Optional.empty();
        }

        /** Options ({@code --x}) the command passes, without values. */
        List<String> options() {
            List<String> out = new ArrayList<>();
            for (String word : command()) {
                if (word.startsWith("-")) {
                    int eq = word.indexOf('=');
                    out.add(eq < 0 ? word : word.substring(0, eq));
                }
            }
            return out;
        }

        /** Environment variables (map or KEY=VALUE list form); a variable without a value maps to "". */
        Map<String, String> environment() {
            Map<String, String> out = new LinkedHashMap<>();
            JsonNode env = node.path("environment");
            if (env.isObject()) {
                env.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
            } else if (env.isArray()) {
                env.forEach(item -> {
                    String text = item.asText();
                    int eq = text.indexOf('=');
                    out.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? "" : text.substring(eq + 1));
                });
            }
            return out;
        }

        /** Published ports: container side and, when given, host side. Unparseable entries are errors. */
        List<PortMapping> ports() {
            List<PortMapping> out = new ArrayList<>();
            for (JsonNode port : node.path("ports")) {
                out.add(port.isObject() ? longPort(port) : shortPort(port.asText()));
            }
            return out;
        }

        /** Container ports listed under {@code expose}. */
        List<PortRange> exposed() {
            List<PortRange> out = new ArrayList<>();
            for (JsonNode port : node.path("expose")) {
                out.add(range(port.asText().replaceAll("/(tcp|udp)$", "")));
            }
            return out;
        }

        /** Bind mounts: short syntax with a path source ({@code ./x:/y[:ro]}) and long syntax {@code type: bind}. */
        List<Mount> bindMounts() {
            List<Mount> out = new ArrayList<>();
            for (JsonNode volume : node.path("volumes")) {
                if (volume.isObject()) {
                    if ("bind".equals(volume.path("type").asText())) {
                        out.add(new Mount(volume.path("source").asText(), volume.path("target").asText(),
                                volume.path("read_only").asBoolean(false)));
                    }
                    continue;
                }
                String[] parts = volume.asText().split(":");
                if (parts.length >= 2 && (parts[0].startsWith(".") || parts[0].startsWith("/") || parts[0].startsWith("~"))) {
                    boolean readOnly = parts.length >= 3 && List.of(parts[2].split(",")).contains("ro");
                    out.add(new Mount(parts[0], parts[1], readOnly));
                }
            }
            return out;
        }

        /** Services this one waits for, with the condition (service_started when the list form is used). */
        Map<String, String> dependsOn() {
            Map<String, String> out = new LinkedHashMap<>();
            JsonNode depends = node.path("depends_on");
            if (depends.isArray()) {
                depends.forEach(d -> out.put(d.asText(), "service_started"));
            } else if (depends.isObject()) {
                depends.fields().forEachRemaining(e ->
                        out.put(e.getKey(), e.getValue().path("condition").asText("service_started")));
            }
            return out;
        }

        /** The healthcheck's test as one string ("" when there is none). */
        String healthcheck() {
            JsonNode test = node.path("healthcheck").path("test");
            if (test.isArray()) {
                List<String> words = new ArrayList<>();
                test.forEach(w -> words.add(w.asText()));
                return String.join(" ", words);
            }
            return test.asText("");
        }

        private static PortMapping shortPort(String spec) {
            String withoutProtocol = spec.replaceAll("/(tcp|udp)$", "");
            int colon = withoutProtocol.lastIndexOf(':');
            if (colon < 0) {
                return new PortMapping(Optional.empty(), range(withoutProtocol));
            }
            String hostPart = withoutProtocol.substring(0, colon);
            int ip = hostPart.lastIndexOf(':');
            String host = ip < 0 ? hostPart : hostPart.substring(ip + 1);
            return new PortMapping(host.isEmpty() ? Optional.empty() : Optional.of(range(host)),
                    range(withoutProtocol.substring(colon + 1)));
        }

        private static PortMapping longPort(JsonNode port) {
            PortRange target = range(port.path("target").asText());
            String published = port.path("published").asText("");
            return new PortMapping(published.isEmpty() ? Optional.empty() : Optional.of(range(published)), target);
        }

        private static PortRange range(String text) {
            Matcher m = PORT_RANGE.matcher(text.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + text + "' is not a port or port range");
            }
            int first = Integer.parseInt(m.group(1));
            int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
            if (first < 1 || last > 65535 || last < first) {
                throw new IllegalArgumentException("'" + text + "' is not a valid port or port range");
            }
            return new PortRange(first, last);
        }

        private static Optional<String> text(JsonNode node) {
            return node.isMissingNode() || node.isNull() ? Optional.empty() : Optional.of(node.asText());
        }

        private static List<String> list(JsonNode node) {
            List<String> out = new ArrayList<>();
            if (node.isArray()) {
                node.forEach(w -> out.add(w.asText()));
            } else if (node.isTextual()) {
                for (String word : node.asText().trim().split("\\s+")) {
                    if (!word.isEmpty()) {
                        out.add(word);
                    }
                }
            }
            return out;
        }
    }

    record PortMapping(Optional<PortRange> host, PortRange container) {
    }

    record PortRange(int first, int last) {

        static PortRange of(int port) {
            return new PortRange(port, port);
        }

        boolean contains(int port) {
            return port >= first && port <= last;
        }

        List<Integer> ports() {
            List<Integer> out = new ArrayList<>();
            for (int p = first; p <= last; p++) {
                out.add(p);
            }
            return out;
        }

        @Override
        public String toString() {
            return first == last ? String.valueOf(first) : first + "-" + last;
        }
    }

    /** A bind mount: host path (relative to the Compose file) onto a container path. */
    record Mount(String source, String target, boolean readOnly) {
    }
}
