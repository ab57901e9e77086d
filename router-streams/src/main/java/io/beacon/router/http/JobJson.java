package io.beacon.router.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.JobPhase;
import io.beacon.schemas.avro.JobState;
import java.time.Instant;
import java.util.Locale;

/** A job's state as {@code GET /jobs/{id}} shows it: where it is, what was tried, what it cost. */
final class JobJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JobJson() {
    }

    static ObjectNode of(JobState state, String servedBy) {
        ObjectNode node = JSON.createObjectNode();
        node.put("job_id", state.getJobId());
        node.put("phase", state.getPhase().name().toLowerCase(Locale.ROOT));
        node.put("attempt", state.getAttempt());
        putNullable(node, "current_deployment", state.getCurrentDeployment());
        ArrayNode tried = node.putArray("route");
        state.getTried().forEach(tried::add);
        node.put("deadline", state.getDeadline().toString());
        node.put("cost_usd", state.getCostUsd());
        putInstant(node, "routed_at", state.getRoutedAt());
        putInstant(node, "next_route_at", state.getNextRouteAt());
        putInstant(node, "finished_at", state.getFinishedAt());
        putNullable(node, "last_error", state.getLastError());
        if (state.getHeldAt() != null) {
            // Held for the baseline (now, or before it was routed): why, and when it is expected to start there.
            ObjectNode hold = node.putObject("hold");
            hold.put("held", state.getPhase() == JobPhase.HELD);
            putInstant(hold, "held_at", state.getHeldAt());
            putNullable(hold, "reason", state.getHoldReason());
            putInstant(hold, "predicted_start", state.getPredictedStart());
            putInstant(hold, "release_by", state.getReleaseBy());
        }
        InferenceRequest request = state.getRequest();
        ObjectNode req = node.putObject("request");
        req.put("model", request.getModel());
        putNullable(req, "region_preference", request.getRegionPreference());
        req.put("cost_priority", request.getCostPriority());
        req.put("latency_class", request.getLatencyClass().name().toLowerCase(Locale.ROOT));
        ArrayNode preference = req.putArray("provider_preference");
        request.getProviderPreference().forEach(p -> preference.add(p.name().toLowerCase(Locale.ROOT)));
        req.put("allow_fallbacks", request.getAllowFallbacks());
        req.put("created_at", request.getCreatedAt().toString());
        node.put("served_by", servedBy);
        return node;
    }

    private static void putNullable(ObjectNode node, String field, String value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    private static void putInstant(ObjectNode node, String field, Instant value) {
        putNullable(node, field, value == null ? null : value.toString());
    }
}
