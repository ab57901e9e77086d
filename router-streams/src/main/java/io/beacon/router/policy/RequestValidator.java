package io.beacon.router.policy;

import io.beacon.schemas.avro.ChatMessage;
import io.beacon.schemas.avro.InferenceRequest;
import java.util.Optional;

/**
 * Checks a decoded request before it is routed. A failure names the field, so the runner can fix the
 * job; the job then gets a final failure result instead of being attempted.
 */
public final class RequestValidator {

    private static final double MAX_TEMPERATURE = 2.0;

    private final int maxPromptChars;
    private final int maxTokensLimit;

    public RequestValidator(int maxPromptChars, int maxTokensLimit) {
        this.maxPromptChars = maxPromptChars;
        this.maxTokensLimit = maxTokensLimit;
    }

    /** The first problem found, as "field: what is wrong", or empty when the request is valid. */
    public Optional<String> problem(String key, InferenceRequest request) {
        if (request.getJobId() == null || request.getJobId().isBlank()) {
            return Optional.of("job_id: must not be empty");
        }
        if (key == null || !key.equals(request.getJobId())) {
            return Optional.of("key: the record key must equal job_id (got "
                    + (key == null ? "no key" : "'" + key + "'") + "), so results and attempts meet the job");
        }
        if (request.getModel() == null || request.getModel().isBlank()) {
            return Optional.of("model: must not be empty");
        }
        boolean hasPrompt = request.getPrompt() != null && !request.getPrompt().isBlank();
        boolean hasMessages = !request.getMessages().isEmpty();
        if (!hasPrompt && !hasMessages) {
            return Optional.of("prompt: must not be empty (or give messages)");
        }
        long chars = hasPrompt ? request.getPrompt().length() : 0;
        for (ChatMessage message : request.getMessages()) {
            if (message.getContent() == null || message.getContent().isBlank()) {
                return Optional.of("messages: every message needs content");
            }
            chars += message.getContent().length();
        }
        if (chars > maxPromptChars) {
            return Optional.of("prompt: " + chars + " characters is over the limit of " + maxPromptChars);
        }
        double temperature = request.getTemperature();
        if (Double.isNaN(temperature) || temperature < 0 || temperature > MAX_TEMPERATURE) {
            return Optional.of("temperature: " + temperature + " is outside 0.0 to " + MAX_TEMPERATURE);
        }
        if (request.getMaxTokens() < 1 || request.getMaxTokens() > maxTokensLimit) {
            return Optional.of("max_tokens: " + request.getMaxTokens() + " is outside 1 to " + maxTokensLimit);
        }
        Double cap = request.getMaxPricePerInferenceUsd();
        if (cap != null && (cap.isNaN() || cap <= 0)) {
            return Optional.of("max_price_per_inference_usd: must be positive when set");
        }
        return Optional.empty();
    }
}
