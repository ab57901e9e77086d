package io.beacon.schemas.serde;

import io.beacon.schemas.registry.InMemorySchemaRegistry;
import java.util.UUID;

/** The round trips through an in-process registry named by a {@code mem://} URL, as the embedded default runs. */
class InMemoryRegistrySerdeRoundTripTest extends SerdeRoundTripContract {

    // A fresh name per test: named registries live as long as the JVM.
    private final String name = "round-trip-" + UUID.randomUUID();

    @Override
    protected String registryUrl() {
        return "mem://" + name;
    }

    @Override
    protected InMemorySchemaRegistry backingRegistry() {
        return InMemorySchemaRegistry.named(name);
    }
}
