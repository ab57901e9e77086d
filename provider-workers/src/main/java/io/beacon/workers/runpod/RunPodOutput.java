package io.beacon.workers.runpod;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads generated text out of a RunPod job's {@code output}. RunPod passes through whatever the worker
 * returns, so several shapes are common: the vLLM worker's {@code [{"choices":[{"tokens":["..."]}],
 * "usage":{"input":n,"output":m}}]}, OpenAI-style {@code choices[0].message.content} or
 * {@code choices[0].text}, a {@code text}/{@code response}/{@code generated_text} field, or a bare string.
 */
final class RunPodOutput {

    private RunPodOutput() {
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
            if (output.get(0).isTextual()) {
                StringBuilder joined = new StringBuilder();
                output.forEach(part -> joined.append(part.asText()));
                return joined.toString();
            }
            return text(output.get(0));
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

    /** {prompt, completion} tokens: vLLM's usage.input/output, or OpenAI's usage.prompt_tokens/completion_tokens. */
    static int[] tokens(JsonNode output) {
        JsonNode first = output != null && output.isArray() && !output.isEmpty() ? output.get(0) : output;
        JsonNode usage = first == null ? null : first.get("usage");
        if (usage == null || !usage.isObject()) {
            return new int[] {0, 0};
        }
        int prompt = usage.path("input").asInt(usage.path("prompt_tokens").asInt(0));
        int completion = usage.path("output").asInt(usage.path("completion_tokens").asInt(0));
        return new int[] {prompt, completion};
    }
}
