package io.beacon.launcher;

import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimProvider;
import io.beacon.sim.SimulatorFleet;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** Injects a scenario's faults into the simulator fleet as the run's seconds pass. */
final class ScenarioPlayer implements IntConsumer {

    private final Scenario scenario;
    private final SimulatorFleet fleet;
    private final double sendSeconds;
    private final Consumer<String> notices;
    private boolean outage;

    /** @param notices shows a person each fault as it starts and ends */
    ScenarioPlayer(Scenario scenario, SimulatorFleet fleet, double sendSeconds, Consumer<String> notices) {
        this.scenario = scenario;
        this.fleet = fleet;
        this.sendSeconds = sendSeconds;
        this.notices = notices;
    }

    @Override
    public void accept(int second) {
        if (scenario != Scenario.GOLEM_OUTAGE) {
            return;
        }
        boolean inOutage = second >= sendSeconds / 3 && second < 2 * sendSeconds / 3;
        if (inOutage && !outage) {
            outage = true;
            notices.accept(String.format(Locale.ROOT, "[%5ds] scenario: every Golem node starts failing with 503", second));
            golem(true);
        } else if (!inOutage && outage) {
            finish();
            notices.accept(String.format(Locale.ROOT, "[%5ds] scenario: Golem nodes recovered", second));
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
