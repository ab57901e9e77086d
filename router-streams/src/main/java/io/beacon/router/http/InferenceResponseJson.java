package io.beacon.router.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.schemas.avro.InferenceResult;

/**
 * A final result in the shape of the runner's {@code InferenceResponse}: {@code success},
 * {@code response}, {@code error}, {@code provider_used}, {@code inference_time} (seconds) and
 * {@code cost_estimate} (US dollars), plus {@code job_id}, {@code attempts} and {@code route}, which a
 * Go decoder of the original struct ignores.
 */
public final class InferenceResponseJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private InferenceResponseJson() {
    }

    public static ObjectNode of(InferenceResult result) {
        ObjectNode node = JSON.createObjectNode();
        node.put("success", result.getSuccess());
        node.put("response", result.getResponse());
        if (result.getError() == null) {
            node.putNull("error");
        } else {
            node.put("error", result.getError());
        }
        node.put("provider_used", result.getProviderUsed());
        node.put("inference_time", result.getInferenceTime());
        node.put("cost_estimate", result.getCostEstimate());
        node.put("job_id", result.getJobId());
        node.put("attempts", result.getAttempts());
        ArrayNode route = node.putArray("route");
        result.getRoute().forEach(route::add);
        return node;
    }
}
