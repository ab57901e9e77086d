package io.beacon.launcher;

import io.beacon.launcher.stack.DemoFleet;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimulatorFleet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the provider simulators of the embedded default on fixed ports, so workers, curl or a runner
 * can talk to Ollama-, Modal- and RunPod-speaking endpoints locally. Credentials, when wanted, come
 * from the same variables the workers read.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Run the provider simulators (Golem/Ollama, Modal, RunPod) on local ports.")
final class SimCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "" + DemoFleet.FIRST_PORT,
            description = "First port; deployment i listens on port+i (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String host;

    @Override
    public Integer call() throws Exception {
        SimCredentials credentials = new SimCredentials(System.getenv("MODAL_KEY"), System.getenv("MODAL_SECRET"),
                System.getenv("RUNPOD_API_KEY"));
        SimulatorFleet fleet = SimulatorFleet.start(SimulatorFleet.demoDeployments(), host, port, credentials);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fleet.close();
            stopped.countDown();
        }, "sim-shutdown"));
        System.out.println("Provider simulators running. Ctrl-C stops them.");
        System.out.println(fleet.describe());
        stopped.await();
        return 0;
    }
}
