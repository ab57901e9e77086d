/**
 * Local stand-ins for the inference providers Beacon routes to, speaking each provider's real wire protocol so
 * that the same client code runs against them and against production: a Golem node (Ollama API behind the
 * node's TCP proxy), a Modal web endpoint (vLLM's OpenAI API behind Modal's proxy auth and 303 redirects) and a
 * RunPod serverless endpoint (the {@code /v2/{endpointId}} job API).
 *
 * <p>Each {@link io.beacon.sim.ProviderSimulator} models what makes routing decisions interesting: limited
 * concurrent capacity with a bounded queue, log-normal latency, cold starts after idling on the serverless
 * tiers, per-provider billing, and faults switched on at runtime through {@link io.beacon.sim.FaultControl} or
 * {@code POST /__sim/faults}. {@link io.beacon.sim.SimulatorFleet#demoDeployments()} is the demo's landscape:
 * cheap, always-warm Golem nodes as the baseline and dearer serverless endpoints for overflow.
 *
 * <p>The module depends on no other Beacon module: only the JDK's HTTP server, Jackson and SLF4J.
 */
package io.beacon.sim;
