package io.beacon.bench;

import io.beacon.sim.LatencyModel;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatedDeployment;
import io.beacon.sim.SimulatorFleet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated provider fleet of {@link FacadeBenchmark}, in a JVM of its own. Arguments: the number of
 * deployments, the capacity of each, the fixed latency in milliseconds.
 *
 * <p>Why a process of its own: a real provider runs apart from the router, so the simulators' CPU is
 * counted apart from the benchmark JVM's, and a pause of one JVM does not stall the other. Like a real
 * provider's server (Ollama's Go server) they answer with {@code TCP_NODELAY}: {@code ProviderSimulator}
 * sets {@code sun.net.httpserver.nodelay} itself unless it is given, and it is given here as well, so a
 * change there cannot slow the simulated providers down unnoticed.
 *
 * <p>It prints one {@value #DEPLOYMENT_LINE} line per deployment (id, base URL) and then
 * {@value #READY_LINE} on standard output, logs on standard error, and runs until its standard input
 * closes (the benchmark ends or dies).
 */
public final class FacadeSimulatorMain {

    static final String DEPLOYMENT_LINE = "facade-sim";
    static final String READY_LINE = "facade-sim-ready";
    static final String MODEL = "llama3.2:1b";

    private FacadeSimulatorMain() {
    }

    /**
     * Golem nodes (the Ollama API) that are always warm and never vary: {@code count} of them, each
     * running {@code capacity} calls at once with as many allowed to queue, a few hundredths of a cent
     * apart in price so the router's choice is deterministic.
     */
    static List<SimulatedDeployment> fleet(int count, int capacity, Duration latency) {
        List<SimulatedDeployment> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            out.add(SimulatedDeployment.builder("facade-golem-" + i, SimProvider.GOLEM)
                    .region("local")
                    .models(MODEL)
                    .pricePerSecondUsd(0.0001 + i * 0.000001)
                    .capacity(capacity)
                    .queueLimit(capacity)
                    .latency(LatencyModel.fixed(latency))
                    .coldStart(Duration.ZERO)
                    .build());
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: FacadeSimulatorMain COUNT CAPACITY LATENCY_MS");
            System.exit(2);
        }
        // Before the first HttpServer exists: the JDK reads it once per JVM.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        List<SimulatedDeployment> deployments = fleet(Integer.parseInt(args[0]), Integer.parseInt(args[1]),
                Duration.ofMillis(Long.parseLong(args[2])));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (SimulatorFleet fleet = SimulatorFleet.start(deployments, "127.0.0.1", 0, null)) {
            for (ProviderSimulator simulator : fleet.simulators()) {
                out.println(DEPLOYMENT_LINE + " " + simulator.deployment().id() + " " + simulator.baseUrl());
            }
            out.println(READY_LINE);
            while (System.in.read() >= 0) {
                // nothing is sent; end of input is the signal to stop
            }
        }
    }
}
