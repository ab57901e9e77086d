package io.beacon.schemas.registry;

import org.apache.avro.Schema;

/**
 * The part of the Confluent Schema Registry API that a serde needs. Implementations cache: a schema
 * id never changes meaning, so look-ups by id are answered locally after the first.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /**
     * Registers {@code schema} under {@code subject} (idempotent: an identical schema returns its
     * existing id) and returns the registry-wide schema id.
     *
     * @throws SchemaRegistryException when the registry refuses (e.g. 409 incompatible) or cannot be reached
     */
    int register(String subject, Schema schema);

    /** The schema with this registry-wide id. */
    Schema getById(int id);

    /** The newest version registered under {@code subject}. */
    RegisteredSchema latest(String subject);

    @Override
    default void close() {
    }

    /** A schema as the registry holds it. */
    record RegisteredSchema(String subject, int id, int version, Schema schema) {
    }
}
