package io.beacon.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/** The Maven build as the image build sees it: the root pom's modules, properties and the module graph. */
final class Poms {

    private static final String GROUP_ID = "io.beacon";

    private final Path root;
    private final Document rootPom;
    /** Module directory name to its parsed pom, in the root pom's order. */
    private final Map<String, Document> modules = new LinkedHashMap<>();

    private Poms(Path root) {
        this.root = root;
        this.rootPom = parse(root.resolve("pom.xml"));
        for (String module : childTexts(rootPom.getDocumentElement(), "modules", "module")) {
            Path pom = root.resolve(module).resolve("pom.xml");
            modules.put(module, Files.isRegularFile(pom) ? parse(pom) : null);
        }
    }

    static Poms read(Path root) {
        return new Poms(root);
    }

    Path root() {
        return root;
    }

    /** Module directories the root pom lists, in its order. */
    List<String> modules() {
        return List.copyOf(modules.keySet());
    }

    /** A property of the root pom, e.g. {@code kafka.version}. */
    Optional<String> property(String name) {
        Element properties = child(rootPom.getDocumentElement(), "properties");
        if (properties == null) {
            return Optional.empty();
        }
        Element value = child(properties, name);
        return value == null ? Optional.empty() : Optional.of(value.getTextContent().trim());
    }

    /** {@code module} and every module it depends on (compile and runtime scope), transitively. */
    Set<String> moduleWithUpstream(String module) {
        Map<String, String> dirByArtifact = new LinkedHashMap<>();
        modules.forEach((dir, pom) -> {
            if (pom != null) {
                dirByArtifact.put(childText(pom.getDocumentElement(), "artifactId"), dir);
            }
        });
        Set<String> out = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(module));
        while (!todo.isEmpty()) {
            String dir = todo.pop();
            if (!out.add(dir)) {
                continue;
            }
            Document pom = modules.get(dir);
            if (pom == null) {
                throw new IllegalStateException("module " + dir + " has no pom.xml");
            }
            Element dependencies = child(pom.getDocumentElement(), "dependencies");
            if (dependencies == null) {
                continue;
            }
            for (Element dependency : children(dependencies, "dependency")) {
                String scope = Optional.ofNullable(childText(dependency, "scope")).orElse("compile");
                if (GROUP_ID.equals(childText(dependency, "groupId")) && !scope.equals("test")
                        && !scope.equals("provided")) {
                    String upstream = dirByArtifact.get(childText(dependency, "artifactId"));
                    if (upstream != null) {
                        todo.push(upstream);
                    }
                }
            }
        }
        return out;
    }

    /** The launcher's shaded jar: its file name under target/ and the main class of its manifest. */
    ShadedJar shadedJar(String module) {
        Document pom = modules.get(module);
        if (pom == null) {
            throw new IllegalStateException("module " + module + " is not in the root pom or has no pom.xml");
        }
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if ("maven-shade-plugin".equals(childText(plugin, "artifactId"))) {
                String finalName = firstText(plugin, "finalName")
                        .orElse(childText(pom.getDocumentElement(), "artifactId") + "-" + version(pom));
                String mainClass = firstText(plugin, "mainClass").orElse("");
                return new ShadedJar(module + "/target/" + finalName + ".jar", mainClass);
            }
        }
        throw new IllegalStateException("module " + module + " has no maven-shade-plugin");
    }

    /**
     * @param path      relative to the repository root, e.g. launcher/target/beacon.jar
     * @param mainClass the manifest's Main-Class
     */
    record ShadedJar(String path, String mainClass) {
    }

    private String version(Document pom) {
        String own = childText(pom.getDocumentElement(), "version");
        return own != null ? own : childText(rootPom.getDocumentElement(), "version");
    }

    private static Document parse(Path pom) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(pom.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pom, e);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("cannot parse " + pom + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> firstText(Element scope, String tag) {
        NodeList found = scope.getElementsByTagName(tag);
        return found.getLength() == 0 ? Optional.empty() : Optional.of(found.item(0).getTextContent().trim());
    }

    private static List<String> childTexts(Element parent, String container, String tag) {
        Element holder = child(parent, container);
        List<String> out = new ArrayList<>();
        if (holder != null) {
            children(holder, tag).forEach(e -> out.add(e.getTextContent().trim()));
        }
        return out;
    }

    private static String childText(Element parent, String tag) {
        Element found = child(parent, tag);
        return found == null ? null : found.getTextContent().trim();
    }

    private static Element child(Element parent, String tag) {
        List<Element> found = children(parent, tag);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<Element> children(Element parent, String tag) {
        List<Element> out = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(tag)) {
                out.add(element);
            }
        }
        return out;
    }
}
