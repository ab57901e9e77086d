package io.beacon.schemas.serde;

import io.beacon.schemas.registry.InMemorySchemaRegistry;
import io.beacon.schemas.registry.RegistryHttpServer;
import org.junit.jupiter.api.AfterEach;

/** The round trips over HTTP: the REST client against {@link RegistryHttpServer} on a free port. */
class HttpRegistrySerdeRoundTripTest extends SerdeRoundTripContract {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    // Started at construction (one instance per test): the contract's @BeforeEach already needs the URL.
    private final RegistryHttpServer server = new RegistryHttpServer(registry, "127.0.0.1", 0).start();

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Override
    protected String registryUrl() {
        return server.url();
    }

    @Override
    protected InMemorySchemaRegistry backingRegistry() {
        return registry;
    }
}
