package io.beacon.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderStatus;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The BACKWARD-compatibility guard: today's reader of each contract must read every record written with
 * the released version kept in {@code compat/}, because consumers are upgraded before (or long after)
 * producers and topics keep old records. A failure here means the change would break old data; see
 * {@code compat/README.md} for what to do.
 */
class SchemaCompatibilityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> contracts() {
        return ContractSchemas.current().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void shouldReadEveryRecordWrittenWithTheReleasedVersion(String name) {
        Schema current = ContractSchemas.current().get(name);
        Schema released = ContractSchemas.baseline(name);

        List<String> problems = ContractSchemas.backwardIncompatibilities(current, released);

        assertThat(problems)
                .as("%s can no longer read records written with the released version in %s:%n  %s%n"
                        + "Give new fields a default, keep removed enum symbols or give the enum a default,"
                        + " and do not change field types.", name, ContractSchemas.baselineFile(name),
                        String.join("\n  ", problems))
                .isEmpty();
    }

    @Test
    void shouldKeepABaselineForEveryContract() {
        assertThat(ContractSchemas.current().keySet())
                .allSatisfy(name -> assertThat(ContractSchemas.baselineFile(name)).isRegularFile());
    }

    @Test
    void shouldReportANewFieldWithoutADefaultAsIncompatible() throws IOException {
        Schema released = InferenceRequest.getClassSchema();
        Schema changed = modified(released, json -> fields(json).addObject()
                .put("name", "tenant").put("type", "string").put("doc", "Who pays."));

        List<String> problems = ContractSchemas.backwardIncompatibilities(changed, released);

        assertThat(problems).containsExactly("READER_FIELD_MISSING_DEFAULT_VALUE at /fields/" + released.getFields().size()
                + ": tenant");
    }

    @Test
    void shouldReportARemovedEnumSymbolAsIncompatibleWhenTheEnumHasNoDefault() throws IOException {
        Schema released = withoutCircuitStateDefault(ProviderStatus.getClassSchema());
        Schema changed = modified(released, json -> ((ArrayNode) circuitState(json).get("symbols")).remove(3));

        List<String> problems = ContractSchemas.backwardIncompatibilities(changed, released);

        assertThat(problems).singleElement().asString()
                .startsWith("MISSING_ENUM_SYMBOLS at /fields/9/type/symbols")
                .contains("HALF_OPEN");
    }

    @Test
    void shouldReadARemovedEnumSymbolAsTheDefaultWhenTheEnumHasOne() throws IOException {
        // This is why every enum must have a default (SchemaDocumentationTest): old symbols stay readable.
        Schema released = ProviderStatus.getClassSchema();
        Schema changed = modified(released, json -> ((ArrayNode) circuitState(json).get("symbols")).remove(3));

        assertThat(ContractSchemas.backwardIncompatibilities(changed, released)).isEmpty();
    }

    @Test
    void shouldReportAChangedFieldTypeAsIncompatible() throws IOException {
        Schema released = ProviderStatus.getClassSchema();
        Schema changed = modified(released, json -> field(json, "capacity").put("type", "string"));

        List<String> problems = ContractSchemas.backwardIncompatibilities(changed, released);

        assertThat(problems).singleElement().asString().startsWith("TYPE_MISMATCH at /fields/5/type");
    }

    @Test
    void shouldAcceptANewFieldWithADefault() throws IOException {
        Schema released = InferenceRequest.getClassSchema();
        Schema changed = modified(released, json -> fields(json).addObject()
                .put("name", "tenant").put("type", "string").put("doc", "Who pays.").put("default", ""));

        assertThat(ContractSchemas.backwardIncompatibilities(changed, released)).isEmpty();
    }

    private static Schema withoutCircuitStateDefault(Schema schema) throws IOException {
        return modified(schema, json -> circuitState(json).remove("default"));
    }

    private static ObjectNode circuitState(ObjectNode record) {
        return (ObjectNode) field(record, "circuit_state").get("type");
    }

    private static Schema modified(Schema schema, Consumer<ObjectNode> change) throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(schema.toString());
        change.accept(json);
        return new Schema.Parser().parse(json.toString());
    }

    private static ArrayNode fields(ObjectNode record) {
        return (ArrayNode) record.get("fields");
    }

    private static ObjectNode field(ObjectNode record, String name) {
        for (JsonNode field : fields(record)) {
            if (field.get("name").asText().equals(name)) {
                return (ObjectNode) field;
            }
        }
        throw new IllegalArgumentException(record.get("name") + " has no field " + name);
    }
}
