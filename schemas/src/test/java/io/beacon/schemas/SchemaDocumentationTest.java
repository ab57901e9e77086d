package io.beacon.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Our schemas are the contract other teams and languages code against, so each record, field and enum
 * says what it means, and each enum has a default so a reader can survive a symbol it does not know.
 */
class SchemaDocumentationTest {

    @Test
    void shouldDocumentEveryFieldAndGiveEveryEnumADefault() {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();

        ContractSchemas.current().forEach((name, schema) -> check(schema, name, seen, problems));

        assertThat(problems).as("schemas need a doc on every record, field and enum, and a default on"
                + " every enum:%n  %s", String.join("\n  ", problems)).isEmpty();
    }

    @Test
    void shouldNameTheFieldThatLacksADocEvenInANestedRecord() {
        Schema nested = new Schema.Parser().parse("""
                {"type": "record", "name": "Outer", "doc": "Outer record.", "fields": [
                  {"name": "inner", "doc": "The inner one.", "type": {"type": "array", "items":
                    {"type": "record", "name": "Inner", "doc": "Inner record.", "fields": [
                      {"name": "documented", "type": "int", "doc": "Has one."},
                      {"name": "bare", "type": ["null", {"type": "enum", "name": "Colour", "doc": "A colour.",
                        "symbols": ["RED"]}], "doc": " "}
                    ]}}}
                ]}""");
        List<String> problems = new ArrayList<>();

        check(nested, "Outer", new HashSet<>(), problems);

        assertThat(problems).containsExactly(
                "Outer.inner[].bare (Inner.bare) has no doc",
                "Outer.inner[].bare (enum Colour) has no default");
    }

    /** Walks {@code schema}, adding a line to {@code problems} for each gap; {@code path} says how it was reached. */
    private static void check(Schema schema, String path, Set<String> seen, List<String> problems) {
        switch (schema.getType()) {
            case RECORD -> {
                if (!seen.add(schema.getFullName())) {
                    return;
                }
                if (blank(schema.getDoc())) {
                    problems.add(path + " (record " + schema.getName() + ") has no doc");
                }
                for (Schema.Field field : schema.getFields()) {
                    String fieldPath = path + "." + field.name();
                    if (blank(field.doc())) {
                        problems.add(fieldPath + " (" + schema.getName() + "." + field.name() + ") has no doc");
                    }
                    check(field.schema(), fieldPath, seen, problems);
                }
            }
            case ENUM -> {
                if (!seen.add(schema.getFullName())) {
                    return;
                }
                if (blank(schema.getDoc())) {
                    problems.add(path + " (enum " + schema.getName() + ") has no doc");
                }
                if (schema.getEnumDefault() == null) {
                    problems.add(path + " (enum " + schema.getName() + ") has no default");
                }
            }
            case ARRAY -> check(schema.getElementType(), path + "[]", seen, problems);
            case MAP -> check(schema.getValueType(), path + "{}", seen, problems);
            case UNION -> schema.getTypes().forEach(branch -> check(branch, path, seen, problems));
            default -> {
                // Primitives and fixed types carry no fields.
            }
        }
    }

    private static boolean blank(String doc) {
        return doc == null || doc.isBlank();
    }
}
