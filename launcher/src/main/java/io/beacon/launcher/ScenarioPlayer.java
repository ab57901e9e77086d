package io.beacon.launcher;

import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatorFleet;
import java.io.PrintStream;
import java.util.function.IntConsumer;

/** Injects a scenario's faults into the simulator fleet as the run's seconds pass. */
final class ScenarioPlayer implements IntConsumer {

    private final Scenario scenario;
    private final SimulatorFleet fleet;
    private final double sendSeconds;
    private final PrintStream out;
    private boolean outage;

    ScenarioPlayer(Scenario scenario, SimulatorFleet fleet, double sendSeconds, PrintStream out) {
        this.scenario = scenario;
        this.fleet = fleet;
        this.sendSeconds = sendSeconds;
        this.out = out;
    }

    @Override
    public void accept(int second) {
        if (scenario != Scenario.GOLEM_OUTAGE) {
            return;
        }
        boolean inOutage = second >= sendSeconds / 3 && second < 2 * sendSeconds / 3;
        if (inOutage && !outage) {
            outage = true;
            out.printf("[%4ds] scenario: every Golem node starts failing with 503%n", second);
            golem(true);
        } else if (!inOutage && outage) {
            finish();
            out.printf("[%4ds] scenario: Golem nodes recovered%n", second);
        }
    }

    /** Leaves the fleet healthy. */
    void finish() {
        if (outage) {
            outage = false;
            golem(false);
        }
    }

    private void golem(boolean fail) {
        for (ProviderSimulator sim : fleet.simulators()) {
            if (sim.deployment().provider() == SimProvider.GOLEM) {
                if (fail) {
                    sim.faults().failAll(503);
                } else {
                    sim.faults().recover();
                }
            }
        }
    }
}
