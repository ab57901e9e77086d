package io.beacon.schemas.registry;

import java.util.Map;

/** Picks the registry client for a {@code schema.registry.url}. */
public final class SchemaRegistryClients {

    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    private static final String MEM_SCHEME = "mem://";

    private SchemaRegistryClients() {
    }

    /**
     * {@code mem://NAME}: the in-process registry of that name. {@code http(s)://...}: a client of the
     * Confluent REST API at that address (several comma-separated addresses are tried in order).
     */
    public static SchemaRegistryClient create(Map<String, ?> configs) {
        Object url = configs.get(URL);
        if (url == null || url.toString().isBlank()) {
            throw new IllegalArgumentException(URL + " is not set: give the schema registry's address,"
                    + " e.g. http://127.0.0.1:8081, or mem://NAME for an in-process registry");
        }
        String value = url.toString().trim();
        if (value.startsWith(MEM_SCHEME)) {
            return InMemorySchemaRegistry.named(value.substring(MEM_SCHEME.length()));
        }
        Object userInfo = configs.get(BASIC_AUTH_USER_INFO);
        return new HttpSchemaRegistryClient(value, userInfo == null ? null : userInfo.toString());
    }
}
