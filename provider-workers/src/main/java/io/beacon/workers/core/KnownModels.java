package io.beacon.workers.core;

import io.beacon.schemas.avro.ProviderKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The built-in table of well-known models and their names on each kind of provider: the runner's name (an
 * Ollama tag such as {@code llama3.2:1b}), the tags Ollama also lists the same weights under, and the Hugging
 * Face id a vLLM server (Modal, RunPod's worker-vllm) knows the model by unless it was started with
 * {@code --served-model-name}.
 *
 * <p>Why a table: a vLLM deployment answers 404 to an Ollama tag, and RunPod's worker-vllm cannot tell us
 * what it serves without running a billed job. The table is the default a deployment entry overrides
 * ({@code models=runner@provider-name}, {@code model=provider-name}) and what a learned model list
 * ({@code /api/tags}, {@code /v1/models}) is matched against. It is deliberately small: the instruction-tuned
 * models the runner's benchmarks use, with the tags of the Ollama library and the ids their publishers use
 * on the Hugging Face hub.
 */
public final class KnownModels {

    /**
     * One model.
     *
     * @param runnerName    the runner's name, which is Ollama's canonical tag
     * @param ollamaAliases other tags Ollama lists the same weights under (e.g. the {@code :latest} tag)
     * @param huggingFaceId the id vLLM serves the model under by default
     */
    public record Model(String runnerName, List<String> ollamaAliases, String huggingFaceId) {
        public Model {
            ollamaAliases = List.copyOf(ollamaAliases);
        }

        /** Every name of the model: the runner's, Ollama's aliases, the Hugging Face id. */
        public List<String> names() {
            List<String> names = new ArrayList<>();
            names.add(runnerName);
            names.addAll(ollamaAliases);
            names.add(huggingFaceId);
            return names;
        }
    }

    private static final List<Model> TABLE = List.of(
            new Model("llama3.2:1b", List.of(), "meta-llama/Llama-3.2-1B-Instruct"),
            new Model("llama3.2:3b", List.of("llama3.2", "llama3.2:latest"), "meta-llama/Llama-3.2-3B-Instruct"),
            new Model("llama3.1:8b", List.of("llama3.1", "llama3.1:latest"), "meta-llama/Llama-3.1-8B-Instruct"),
            new Model("mistral:7b", List.of("mistral", "mistral:latest"), "mistralai/Mistral-7B-Instruct-v0.3"),
            new Model("qwen2.5:0.5b", List.of(), "Qwen/Qwen2.5-0.5B-Instruct"),
            new Model("qwen2.5:7b", List.of("qwen2.5", "qwen2.5:latest"), "Qwen/Qwen2.5-7B-Instruct"),
            new Model("gemma2:2b", List.of(), "google/gemma-2-2b-it"));

    private KnownModels() {
    }

    /** The whole table, in a stable order (for documentation and tests). */
    public static List<Model> all() {
        return TABLE;
    }

    /** The model {@code name} is one of the names of (runner name, Ollama alias or Hugging Face id). */
    public static Optional<Model> find(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (Model model : TABLE) {
            if (model.names().contains(name)) {
                return Optional.of(model);
            }
        }
        return Optional.empty();
    }

    /** The runner's name for a provider's model name, when the table knows it. */
    public static Optional<String> runnerName(String providerName) {
        return find(providerName).map(Model::runnerName);
    }

    /**
     * The name a provider of {@code kind} knows {@code runnerName} by when nothing else says: Golem nodes run
     * Ollama, whose tags are the runner's names; Modal and RunPod run vLLM, which serves the Hugging Face id.
     * A name the table does not know is sent as it is.
     */
    public static String defaultProviderName(ProviderKind kind, String runnerName) {
        Optional<Model> model = find(runnerName);
        if (model.isEmpty()) {
            return runnerName;
        }
        return kind == ProviderKind.GOLEM ? model.get().runnerName() : model.get().huggingFaceId();
    }

    /**
     * The names a provider might list {@code runnerName} under, the kind's default first: the name itself,
     * then the table's other names of the same model.
     */
    public static List<String> candidates(ProviderKind kind, String runnerName) {
        List<String> out = new ArrayList<>();
        out.add(defaultProviderName(kind, runnerName));
        if (!out.contains(runnerName)) {
            out.add(runnerName);
        }
        find(runnerName).ifPresent(model -> model.names().stream().filter(n -> !out.contains(n)).forEach(out::add));
        if (kind == ProviderKind.GOLEM && !runnerName.contains(":") && !runnerName.contains("/")) {
            // Ollama lists a model pulled without a tag as name:latest.
            out.add(runnerName + ":latest");
        }
        return out;
    }
}
