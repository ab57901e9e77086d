package io.beacon.workers.runpod;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a RunPod job's {@code output}. RunPod passes through whatever the worker returns; the shapes read:
 * <ul>
 *   <li>worker-vllm's own route: a list of batches {@code [{"choices":[{"tokens":["..."]}],
 *       "usage":{"input":n,"output":m}}]}, one batch for a non-streamed job, several when RunPod aggregates a
 *       stream (their tokens concatenate);</li>
 *   <li>worker-vllm's OpenAI route: the chat completion, {@code choices[0].message.content} (or a completion's
 *       {@code choices[0].text}) with {@code usage.prompt_tokens / completion_tokens}, bare or in a list;</li>
 *   <li>other handlers: a {@code text}/{@code response}/{@code generated_text} field, or a bare string;</li>
 *   <li>errors: worker-vllm answers a request it cannot run (context too long, invalid sampling parameters,
 *       an engine error) with a COMPLETED job whose output is {@code {"error": ...}} (or a list holding one),
 *       the error a message or vLLM's {@code {"object":"error","message":...}}.</li>
 * </ul>
 */
final class RunPodOutput {

    private RunPodOutput() {
    }

    /** The error the worker reported inside the output, or null when the output holds none. */
    static String error(JsonNode output) {
        if (output == null || output.isNull() || output.isMissingNode()) {
            return null;
        }
        if (output.isArray()) {
            for (JsonNode item : output) {
                String error = error(item);
                if (error != null) {
                    return error;
                }
            }
            return null;
        }
        if (!output.isObject() || !output.hasNonNull("error")) {
            return null;
        }
        JsonNode error = output.get("error");
        if (error.isTextual()) {
            return error.asText();
        }
        if (error.isObject()) {
            if (error.path("message").isTextual()) {
                return error.get("message").asText();
            }
            if (error.path("error").path("message").isTextual()) {
                return error.get("error").get("message").asText();
            }
        }
        return error.toString();
    }

    /** The text, or null when {@code output} has no shape this reader knows. */
    static String text(JsonNode output) {
        if (output == null || output.isNull() || output.isMissingNode()) {
            return null;
        }
        if (output.isTextual()) {
            return output.asText();
        }
        if (output.isArray()) {
            if (output.isEmpty()) {
                return null;
            }
            // Strings, or worker-vllm's batches: the parts of one answer, in order.
            // A part without text (a usage-only batch) adds nothing.
            StringBuilder joined = new StringBuilder();
            boolean found = false;
            for (JsonNode part : output) {
                String piece = part.isTextual() ? part.asText() : text(part);
                if (piece != null) {
                    joined.append(piece);
                    found = true;
                }
            }
            return found ? joined.toString() : null;
        }
        if (!output.isObject()) {
            return null;
        }
        JsonNode choice = output.path("choices").path(0);
        if (!choice.isMissingNode()) {
            JsonNode tokens = choice.get("tokens");
            if (tokens != null && tokens.isArray()) {
                StringBuilder joined = new StringBuilder();
                tokens.forEach(token -> joined.append(token.asText()));
                return joined.toString();
            }
            if (tokens != null && tokens.isTextual()) {
                return tokens.asText();
            }
            if (choice.path("message").path("content").isTextual()) {
                return choice.path("message").path("content").asText();
            }
            if (choice.path("text").isTextual()) {
                return choice.path("text").asText();
            }
        }
        for (String field : new String[] {"text", "response", "generated_text", "output"}) {
            JsonNode value = output.get(field);
            if (value != null && (value.isTextual() || value.isArray() || value.isObject())) {
                String found = text(value);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /**
     * {prompt, completion} tokens: vLLM's usage.input/output, or OpenAI's usage.prompt_tokens/completion_tokens.
     * Over several batches, the largest figures (a streamed job's batches count up to the whole answer).
     */
    static int[] tokens(JsonNode output) {
        int prompt = 0;
        int completion = 0;
        if (output != null && output.isArray()) {
            for (JsonNode item : output) {
                int[] counts = usage(item);
                prompt = Math.max(prompt, counts[0]);
                completion = Math.max(completion, counts[1]);
            }
            return new int[] {prompt, completion};
        }
        return usage(output);
    }

    private static int[] usage(JsonNode item) {
        JsonNode usage = item == null ? null : item.get("usage");
        if (usage == null || !usage.isObject()) {
            return new int[] {0, 0};
        }
        int prompt = usage.path("input").asInt(usage.path("prompt_tokens").asInt(0));
        int completion = usage.path("output").asInt(usage.path("completion_tokens").asInt(0));
        return new int[] {prompt, completion};
    }
}
