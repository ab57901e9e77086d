package io.beacon.schemas;

import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.DeploymentSpec;
import io.beacon.schemas.avro.DeploymentStats;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.InferenceResult;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.JobState;
import io.beacon.schemas.avro.ProviderStatus;
import io.beacon.schemas.avro.RoutedJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The top-level schemas other programs read from our topics, and their released baselines in
 * {@code compat/} (see {@code compat/README.md}). Nested types (ChatMessage, CandidateScore, the enums)
 * are checked through the records that hold them.
 */
public final class ContractSchemas {

    /** The property that makes {@code SchemaBaselineRefreshTest} rewrite the baseline. */
    public static final String REFRESH_PROPERTY = "beacon.schemas.refreshBaseline";

    private ContractSchemas() {
    }

    /** Each contract by simple name, as the generated classes carry it. */
    public static Map<String, Schema> current() {
        Map<String, Schema> schemas = new LinkedHashMap<>();
        for (Schema schema : List.of(InferenceRequest.getClassSchema(), RoutedJob.getClassSchema(),
                JobAttempt.getClassSchema(), InferenceResult.getClassSchema(), ProviderStatus.getClassSchema(),
                // The router's changelog format: a new router must read the state an older one wrote.
                JobState.getClassSchema(), DeploymentStats.getClassSchema(), CostEntry.getClassSchema(),
                // What beacon deployments writes and every worker reads.
                DeploymentSpec.getClassSchema())) {
            schemas.put(schema.getName(), schema);
        }
        return schemas;
    }

    /** {@code compat/} under the module directory; surefire runs with the module as working directory. */
    public static Path baselineDirectory() {
        return Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("compat");
    }

    public static Path baselineFile(String name) {
        return baselineDirectory().resolve(name + ".avsc");
    }

    /** The released version of {@code name}, parsed from its self-contained baseline file. */
    public static Schema baseline(String name) {
        Path file = baselineFile(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no baseline " + file + " for " + name
                    + ": a new contract needs one; see compat/README.md");
        }
        try {
            return new Schema.Parser().parse(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read baseline " + file, e);
        }
    }

    /**
     * Why data written with {@code previous} cannot be read with {@code current} (BACKWARD, the
     * registry's default rule); empty when it can. One line per incompatibility: kind, location, detail.
     */
    public static List<String> backwardIncompatibilities(Schema current, Schema previous) {
        SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(current, previous);
        return result.getResult().getIncompatibilities().stream()
                .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
                .toList();
    }
}
