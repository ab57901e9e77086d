package io.beacon.sim;

/**
 * The provider families Beacon routes to, each simulated with its own wire protocol.
 *
 * <p>{@link #GOLEM} is a leased Golem node running Ollama (the cheap, always-warm baseline tier);
 * {@link #MODAL} is a Modal web endpoint serving an OpenAI-compatible vLLM server and {@link #RUNPOD}
 * is a RunPod serverless endpoint (both burst tiers that scale to zero and pay cold starts).
 */
public enum SimProvider {
    GOLEM,
    MODAL,
    RUNPOD
}
