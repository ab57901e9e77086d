package io.beacon.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Ollama reports about a model in {@code /api/tags} and {@code /api/ps}: a few well-known models with their
 * real sizes, and a plausible guess from the tag ({@code name:7b}) for any other.
 */
final class ModelCatalog {

    record ModelInfo(String family, String parameterSize, String quantization, long sizeBytes) {
    }

    private static final Map<String, ModelInfo> KNOWN = Map.of(
            "llama3.2:1b", new ModelInfo("llama", "1.2B", "Q8_0", 1_321_098_329L),
            "llama3.2:3b", new ModelInfo("llama", "3.2B", "Q4_K_M", 2_019_393_189L),
            "llama3.1:8b", new ModelInfo("llama", "8.0B", "Q4_K_M", 4_920_753_328L),
            "mistral:7b", new ModelInfo("llama", "7.2B", "Q4_0", 4_113_301_824L),
            "qwen2.5:0.5b", new ModelInfo("qwen2", "494.03M", "Q4_K_M", 397_821_319L));

    private static final Pattern BILLIONS = Pattern.compile(":(\\d+(?:\\.\\d+)?)b", Pattern.CASE_INSENSITIVE);

    private ModelCatalog() {
    }

    static ModelInfo info(String model) {
        ModelInfo known = KNOWN.get(model);
        if (known != null) {
            return known;
        }
        double billions = 7.0;
        Matcher m = BILLIONS.matcher(model);
        if (m.find()) {
            billions = Double.parseDouble(m.group(1));
        }
        String family = model.split("[:.\\d]", 2)[0].toLowerCase(Locale.ROOT);
        // Q4_0 weights take a little over half a byte per parameter.
        long size = Math.round(billions * 1e9 * 0.57);
        return new ModelInfo(family.isEmpty() ? "llama" : family, trim(billions) + "B", "Q4_0", size);
    }

    /** A stable fake digest, as Ollama shows the manifest digest. */
    static String digest(String model) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(model.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Ollama's {@code details} object. */
    static ObjectNode details(String model) {
        ModelInfo info = info(model);
        ObjectNode details = HttpIo.object();
        details.put("parent_model", "");
        details.put("format", "gguf");
        details.put("family", info.family());
        details.putArray("families").add(info.family());
        details.put("parameter_size", info.parameterSize());
        details.put("quantization_level", info.quantization());
        return details;
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
