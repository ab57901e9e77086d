package io.beacon.launcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.router.http.InferenceResponseJson;
import io.beacon.schemas.avro.InferenceResult;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * One final result as a JSON line: the runner's {@code InferenceResponse} fields (the same as
 * {@code POST /inference} answers), then what the Kafka record adds: provider kind, region, times and
 * the request's metadata.
 */
final class ResultLines {

    static final ObjectMapper JSON = new ObjectMapper();

    private ResultLines() {
    }

    static ObjectNode of(InferenceResult result) {
        ObjectNode node = InferenceResponseJson.of(result);
        node.put("provider", result.getProvider().name().toLowerCase(Locale.ROOT));
        node.put("region", result.getRegion());
        node.put("created_at", result.getCreatedAt().toString());
        node.put("completed_at", result.getCompletedAt().toString());
        ObjectNode metadata = node.putObject("metadata");
        result.getMetadata().forEach(metadata::put);
        return node;
    }

    static String text(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
