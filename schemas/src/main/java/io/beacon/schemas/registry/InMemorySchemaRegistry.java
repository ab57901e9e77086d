package io.beacon.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A schema registry held in memory, for the embedded default and for tests. Ids are registry-wide and
 * an identical schema keeps its id across subjects, as in Confluent's registry. Each subject checks
 * BACKWARD compatibility against its latest version (Confluent's default), so the embedded default
 * refuses the same changes a production registry would.
 *
 * <p>Named registries ({@code mem://NAME} URLs) let the serdes of one JVM share a registry without
 * wiring; {@link #named(String)} creates one on first use.
 *
 * <p>Thread-safe: every method holds this registry's monitor, so serdes on many stream threads and the
 * {@link RegistryHttpServer} handler threads can share one instance.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {

    private static final Map<String, InMemorySchemaRegistry> NAMED = new ConcurrentHashMap<>();

    private final Map<Integer, Schema> byId = new HashMap<>();
    private final Map<Schema, Integer> idBySchema = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();
    private final Map<String, Compatibility> levelBySubject = new HashMap<>();
    private Compatibility globalLevel = Compatibility.BACKWARD;

    /** Confluent's compatibility levels: which earlier versions a new schema is checked against, and how. */
    public enum Compatibility {
        NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

        boolean transitive() {
            return name().endsWith("_TRANSITIVE");
        }

        boolean backward() {
            return name().startsWith("BACKWARD") || name().startsWith("FULL");
        }

        boolean forward() {
            return name().startsWith("FORWARD") || name().startsWith("FULL");
        }

        /** The level named {@code text}, or a 422 with Confluent's code 42203. */
        public static Compatibility parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new SchemaRegistryException("Invalid compatibility level: " + text + "; valid levels are "
                        + java.util.Arrays.toString(values()), 422, 42203);
            }
        }
    }

    /** The registry called {@code name} in this JVM, created empty on first use. */
    public static InMemorySchemaRegistry named(String name) {
        return NAMED.computeIfAbsent(name, unused -> new InMemorySchemaRegistry());
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, unused -> new ArrayList<>());
        Integer existing = idBySchema.get(schema);
        if (existing != null && versions.contains(existing)) {
            return existing;
        }
        Compatibility level = levelBySubject.getOrDefault(subject, globalLevel);
        List<Integer> checked = level == Compatibility.NONE || versions.isEmpty() ? List.of()
                : level.transitive() ? versions : List.of(versions.get(versions.size() - 1));
        for (int earlierId : checked) {
            Schema earlier = byId.get(earlierId);
            if (level.backward()) {
                requireCompatible(subject, level, SchemaCompatibility.checkReaderWriterCompatibility(schema, earlier));
            }
            if (level.forward()) {
                requireCompatible(subject, level, SchemaCompatibility.checkReaderWriterCompatibility(earlier, schema));
            }
        }
        int id = existing != null ? existing : byId.size() + 1;
        byId.put(id, schema);
        idBySchema.put(schema, id);
        versions.add(id);
        return id;
    }

    private static void requireCompatible(String subject, Compatibility level,
                                          SchemaCompatibility.SchemaPairCompatibility result) {
        if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new SchemaRegistryException("Schema being registered is incompatible with an earlier schema"
                    + " for subject \"" + subject + "\", details: " + details(result) + " (compatibility " + level + ")",
                    409, 409);
        }
    }

    /** The registry-wide level, used by subjects without one of their own (BACKWARD, as Confluent's). */
    public synchronized Compatibility globalCompatibility() {
        return globalLevel;
    }

    public synchronized void setGlobalCompatibility(Compatibility level) {
        globalLevel = level;
    }

    /** The subject's own level, if it has one. */
    public synchronized java.util.Optional<Compatibility> subjectCompatibility(String subject) {
        return java.util.Optional.ofNullable(levelBySubject.get(subject));
    }

    public synchronized void setSubjectCompatibility(String subject, Compatibility level) {
        levelBySubject.put(subject, level);
    }

    /** Removes the subject's own level and returns what it was. */
    public synchronized java.util.Optional<Compatibility> clearSubjectCompatibility(String subject) {
        return java.util.Optional.ofNullable(levelBySubject.remove(subject));
    }

    /** Each incompatibility as kind, location and message; Avro's own description repeats both schemas in full. */
    private static String details(SchemaCompatibility.SchemaPairCompatibility result) {
        return result.getResult().getIncompatibilities().stream()
                .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
                .toList()
                .toString();
    }

    @Override
    public synchronized Schema getById(int id) {
        Schema schema = byId.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema " + id + " not found", 404, 40403);
        }
        return schema;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException("Subject '" + subject + "' not found.", 404, 40401);
        }
        int id = versions.get(versions.size() - 1);
        return new RegisteredSchema(subject, id, versions.size(), byId.get(id));
    }

    /** Version {@code version} (1-based) of {@code subject}. */
    public synchronized RegisteredSchema version(String subject, int version) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException("Subject '" + subject + "' not found.", 404, 40401);
        }
        if (version < 1 || version > versions.size()) {
            throw new SchemaRegistryException("Version " + version + " not found.", 404, 40402);
        }
        int id = versions.get(version - 1);
        return new RegisteredSchema(subject, id, version, byId.get(id));
    }

    /**
     * The version of {@code subject} that holds {@code schema} (the registry's answer to
     * {@code POST /subjects/{subject}}): lets a client that does not auto-register find the id of a
     * schema it already knows.
     *
     * @throws SchemaRegistryException 40401 when the subject has no versions, 40403 when none of them
     *     is this schema
     */
    public synchronized RegisteredSchema lookup(String subject, Schema schema) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException("Subject '" + subject + "' not found.", 404, 40401);
        }
        Integer id = idBySchema.get(schema);
        int index = id == null ? -1 : versions.indexOf(id);
        if (index < 0) {
            throw new SchemaRegistryException("Schema not found under subject '" + subject + "'.", 404, 40403);
        }
        return new RegisteredSchema(subject, id, index + 1, byId.get(id));
    }

    /** Every subject, sorted. */
    public synchronized List<String> subjects() {
        return versionsBySubject.keySet().stream().sorted().toList();
    }

    /** The versions of {@code subject}, 1..n. */
    public synchronized List<Integer> versions(String subject) {
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException("Subject '" + subject + "' not found.", 404, 40401);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= versions.size(); i++) {
            out.add(i);
        }
        return out;
    }
}
