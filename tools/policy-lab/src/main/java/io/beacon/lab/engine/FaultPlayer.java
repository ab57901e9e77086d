package io.beacon.lab.engine;

import io.beacon.lab.scenario.Scenario;
import io.beacon.lab.scenario.Scenario.Action;
import io.beacon.lab.scenario.Scenario.Fault;
import io.beacon.sim.SimulatedDeployment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Plays a scenario's faults on the fleet at their virtual instants: the simulators' own fault switches
 * (failAll, failRate, slowDown, goCold, unresponsive, recover), price changes billed by the engine and told to
 * the workers, and Golem nodes leaving (their agreement ends) and new ones joining in their place.
 */
final class FaultPlayer {

    private final Scenario scenario;
    private final EventQueue events;
    private final LabWorker golem;
    private final List<LabWorker> workers;
    private final long startNanos;
    private final long windowNanos;
    private final Random random;
    /** A node that joined in place of one that left, to the original id the scenario names. */
    private final Map<String, String> originalOf = new HashMap<>();
    private final Map<String, Integer> generations = new HashMap<>();

    /**
     * @param golem      the Golem worker (nodes leave and join there)
     * @param startNanos  the first instant of the workload: fault times count from it
     * @param windowNanos the sending window (first to last arrival), which fault fractions are shares of
     */
    FaultPlayer(Scenario scenario, EventQueue events, List<LabWorker> workers, LabWorker golem, long startNanos,
                long windowNanos) {
        this.scenario = scenario;
        this.events = events;
        this.workers = workers;
        this.golem = golem;
        this.startNanos = startNanos;
        this.windowNanos = windowNanos;
        this.random = new Random(scenario.seed() * 7919 + 17);
    }

    void schedule() {
        for (Fault fault : scenario.faults()) {
            long at = startNanos + fault.startNanos(windowNanos);
            long length = fault.lengthNanos(windowNanos);
            long end = length < 0 ? Long.MAX_VALUE : at + length;
            if (fault.action() == Action.CHURN) {
                events.at(at, () -> churn(fault, end));
                continue;
            }
            List<LabDeployment> affected = new ArrayList<>();
            events.at(at, () -> affected.addAll(apply(fault)));
            if (length >= 0) {
                events.at(end, () -> lift(fault, affected));
            }
        }
    }

    private List<LabDeployment> targets(Fault fault) {
        List<LabDeployment> out = new ArrayList<>();
        for (LabWorker w : workers) {
            for (LabDeployment d : w.deployments()) {
                SimulatedDeployment original = d.spec;
                String originalId = originalOf.getOrDefault(d.id(), d.id());
                if (fault.provider() != null ? fault.targets(original) : fault.deployments().contains(originalId)) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    private List<LabDeployment> apply(Fault fault) {
        List<LabDeployment> affected = targets(fault);
        for (LabDeployment d : affected) {
            switch (fault.action()) {
                case FAIL -> d.sim.faults().failAll(fault.status());
                case FAIL_RATE -> d.sim.faults().failRate(fault.rate());
                case SLOW -> d.sim.faults().slowDown(fault.factor());
                case COLD -> d.sim.faults().goCold();
                case UNRESPONSIVE -> d.sim.faults().unresponsive();
                case PRICE -> {
                    d.sim.changePrice(fault.factor());
                    d.priceFactor = fault.factor();
                }
                case LEAVE -> {
                    if (golem != null) {
                        golem.leave(d.id(), d.id() + " left");
                    }
                }
                default -> throw new IllegalStateException("not a one-off fault: " + fault.action());
            }
        }
        return affected;
    }

    private void lift(Fault fault, List<LabDeployment> affected) {
        for (LabDeployment d : affected) {
            switch (fault.action()) {
                case PRICE -> {
                    d.sim.changePrice(1.0);
                    d.priceFactor = 1.0;
                }
                case LEAVE -> join(d.spec);
                default -> d.sim.faults().recover();
            }
        }
    }

    /** Each target node leaves after an exponential up time and a new one joins after a down time, until {@code end}. */
    private void churn(Fault fault, long end) {
        for (LabDeployment d : targets(fault)) {
            scheduleLeave(d, fault, end);
        }
    }

    private void scheduleLeave(LabDeployment d, Fault fault, long end) {
        long at = events.now() + exponential(fault.meanUp().toNanos());
        if (at >= end) {
            return;
        }
        events.at(at, () -> {
            golem.leave(d.id(), d.id() + " left the network");
            long back = events.now() + exponential(fault.meanDown().toNanos());
            events.at(back, () -> {
                LabDeployment joined = join(d.spec);
                if (events.now() < end) {
                    scheduleLeave(joined, fault, end);
                }
            });
        });
    }

    /** A new node with the same offer as {@code left} (a new agreement: new id, new lease, new start fee). */
    private LabDeployment join(SimulatedDeployment left) {
        String original = originalOf.getOrDefault(left.id(), left.id());
        int generation = generations.merge(original, 1, Integer::sum) + 1;
        String id = original + "-n" + generation;
        originalOf.put(id, original);
        SimulatedDeployment node = new SimulatedDeployment(id, left.provider(), left.region(), left.models(),
                left.pricePerSecondUsd(), left.capacity(), left.queueLimit(), left.latency(), left.coldStart(),
                left.idleTimeout(), left.startFeeUsd(), left.slotsPerUnit(), left.activeUnits(),
                left.activePricePerSecondUsd());
        golem.serve(node, scenario.seed() ^ id.hashCode());
        return golem.deployment(id).orElseThrow();
    }

    private long exponential(long meanNanos) {
        return Math.round(-Math.log(1 - random.nextDouble()) * meanNanos);
    }
}
