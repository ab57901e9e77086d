package io.beacon.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Makes the simulated model's answer: a short, plausible paragraph derived only from the model, the prompt and
 * the seed, so the same request always gets the same text (tests can compare, retries are recognisable) and the
 * text names the model and a hash of the prompt (a demo viewer can tell which deployment answered what).
 *
 * <p>One token is one word. A natural answer is 24..~100 tokens long; a smaller token limit truncates it and the
 * protocols report {@code length} instead of {@code stop}.
 */
final class TextSynth {

    private static final int MIN_NATURAL_TOKENS = 24;
    private static final int NATURAL_TOKEN_SPREAD = 72;

    private static final List<String> SENTENCES = List.of(
            "The short answer is that it depends on the workload and the constraints you care about most.",
            "A good first step is to measure the current behaviour before changing anything.",
            "Start with the simplest option that meets the requirement and revisit it when the data says so.",
            "Latency, cost and reliability pull in different directions, so pick the one that matters most here.",
            "Caching the intermediate result avoids repeating the expensive part of the computation.",
            "Splitting the problem into smaller steps makes each of them easier to test and reason about.",
            "It helps to write down the assumptions explicitly so that they can be checked later.",
            "Most of the benefit usually comes from a handful of changes rather than a complete rewrite.",
            "Keep an eye on the edge cases, because that is where these approaches tend to break.",
            "A small experiment with real inputs will tell you more than a long discussion.",
            "If the numbers look surprising, check the units and the sampling window first.",
            "The trade-off is worth revisiting once the traffic pattern is better understood.",
            "Document the decision and the reasons behind it so the next person does not have to guess.",
            "Retries with backoff handle transient failures, while persistent ones need a different route.",
            "In practice a clear error message saves more time than a clever recovery strategy.",
            "Spreading the load across several providers keeps any single outage from becoming visible.");

    private TextSynth() {
    }

    /**
     * One generated answer.
     *
     * @param text         the whole generated text
     * @param tokens       the text split into the chunks a stream sends (they concatenate to {@code text})
     * @param promptTokens tokens attributed to the prompt
     * @param truncated    whether the token limit cut the natural answer short
     */
    record Completion(String text, List<String> tokens, int promptTokens, boolean truncated) {
        int outputTokens() {
            return tokens.size();
        }

        /** Ollama's {@code done_reason}. */
        String doneReason() {
            return truncated ? "length" : "stop";
        }

        /** OpenAI's {@code finish_reason}. */
        String finishReason() {
            return truncated ? "length" : "stop";
        }
    }

    /**
     * Generates the answer to {@code prompt}.
     *
     * @param maxTokens token limit, or null / non-positive for none
     * @param seed      sampling seed, or null
     */
    static Completion complete(String model, String prompt, Integer maxTokens, Long seed) {
        byte[] digest = sha256(model + "\n" + (seed == null ? "" : seed.toString()) + "\n" + prompt);
        String promptHash = HexFormat.of().formatHex(digest, 0, 4);
        long digestSeed = 0;
        for (int i = 0; i < 8; i++) {
            digestSeed = (digestSeed << 8) | (digest[i] & 0xFF);
        }
        Random random = new Random(digestSeed);
        int target = MIN_NATURAL_TOKENS + random.nextInt(NATURAL_TOKEN_SPREAD);

        List<String> words = new ArrayList<>();
        addWords(words, "Simulated answer from " + model + " to prompt " + promptHash + ".");
        while (words.size() < target) {
            addWords(words, SENTENCES.get(random.nextInt(SENTENCES.size())));
        }
        boolean truncated = maxTokens != null && maxTokens > 0 && maxTokens < words.size();
        List<String> kept = truncated ? words.subList(0, maxTokens) : words;
        List<String> tokens = new ArrayList<>(kept.size());
        for (int i = 0; i < kept.size(); i++) {
            tokens.add(i == 0 ? kept.get(i) : " " + kept.get(i));
        }
        return new Completion(String.join("", tokens), List.copyOf(tokens), countTokens(prompt), truncated);
    }

    /** A rough token count (about four characters a token, as for English with common tokenizers). */
    static int countTokens(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return Math.max(1, (text.length() + 3) / 4);
    }

    /** Pseudo token ids for Ollama's {@code context}: stable per token, in a plausible vocabulary range. */
    static List<Integer> tokenIds(String prompt, List<String> outputTokens) {
        List<Integer> ids = new ArrayList<>();
        int promptTokens = countTokens(prompt);
        for (int i = 0; i < promptTokens; i++) {
            int end = Math.min(prompt.length(), (i + 1) * 4);
            ids.add(vocabularyId(prompt.substring(i * 4, end)));
        }
        for (String token : outputTokens) {
            ids.add(vocabularyId(token));
        }
        return ids;
    }

    private static int vocabularyId(String piece) {
        return 100 + Math.floorMod(piece.hashCode(), 128_000);
    }

    private static void addWords(List<String> words, String sentence) {
        for (String word : sentence.split(" ")) {
            if (!word.isEmpty()) {
                words.add(word);
            }
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
