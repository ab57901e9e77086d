package io.beacon.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites the released baseline in {@code compat/} from the current schemas, and only when asked:
 * {@code -Dbeacon.schemas.refreshBaseline=true} (see {@code compat/README.md}). Run it when a version is
 * released, never to make {@link SchemaCompatibilityTest} pass.
 */
class SchemaBaselineRefreshTest {

    private static final Logger log = LoggerFactory.getLogger(SchemaBaselineRefreshTest.class);

    @Test
    @EnabledIfSystemProperty(named = ContractSchemas.REFRESH_PROPERTY, matches = "true")
    void shouldWriteTheCurrentSchemasAsTheNewBaseline() throws IOException {
        Files.createDirectories(ContractSchemas.baselineDirectory());

        for (Map.Entry<String, Schema> contract : ContractSchemas.current().entrySet()) {
            Path file = ContractSchemas.baselineFile(contract.getKey());
            // Pretty JSON, as Schema.toString(true) (deprecated in Avro 1.12) writes it: every named type is
            // inlined on first use, so the file stands alone.
            Files.writeString(file, SchemaFormatter.format("json/pretty", contract.getValue()) + "\n",
                    StandardCharsets.UTF_8);
            log.info("Wrote baseline {}", file);
        }

        ContractSchemas.current().forEach((name, schema) ->
                assertThat(ContractSchemas.baseline(name)).isEqualTo(schema));
    }
}
