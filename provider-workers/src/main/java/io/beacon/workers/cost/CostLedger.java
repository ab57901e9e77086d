package io.beacon.workers.cost;

import io.beacon.schemas.avro.BillingModel;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.workers.core.Billing;
import io.beacon.workers.core.DeploymentEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The worker's cost ledger: per deployment, a model of the capacity the provider bills (the billing rule,
 * {@code notes/billing-rule.md}, coded independently of the simulators), fed with every HTTP call the worker
 * makes to the deployment, so that every billed second lands in exactly one place:
 * <ul>
 *   <li>a call's share ({@link Call#close} returns it as a {@link Charge}): each unit's billed time is shared
 *       equally among the calls on that unit at each instant;</li>
 *   <li>IDLE entries: a unit's time with no call on it, one entry per unit per idle stretch (cut at each
 *       {@link #drain}), plus a RunPod flex worker's rounding up to the whole second at its stop (an IDLE entry
 *       whose period starts and ends at the stop);</li>
 *   <li>FEE entries: a unit's start fee (a Golem lease's, once);</li>
 *   <li>PROBE entries: the share of a {@link CallKind#PROBE} call (a Modal health probe reaches a container).</li>
 * </ul>
 * The sum of the charges of all calls and of all drained entries is what the billing rule bills up to the last
 * drain instant.
 *
 * <p>The model: units serve up to {@link Billing#slotsPerUnit()} calls each, at most
 * {@link Billing#maxUnits(int)} up. A new call goes to the up unit with a free slot that is ACTIVE, else has the
 * most calls, else has the lowest index; if none has a free slot a new unit starts (billed from that instant),
 * if the maximum is up the call waits FIFO, unbilled, for a slot. A lease (all its units) and RunPod active
 * workers start at the first contact of any kind ({@link #touch} or a call) and never stop; containers and flex
 * workers stop at their last call's end plus the idle window.
 *
 * <p>Deployments join and leave while the worker runs: {@link #add} opens a deployment's accounting;
 * {@link #retire} closes it. A retired deployment's lease (and RunPod active workers) is billed until it is retired
 * or, when later, until its last call in flight ends (the requestor ends the agreement then); its containers and
 * flex workers stop as usual, at their last call's end plus the idle window. Its last entries go out with the
 * drains that follow, then it is forgotten. {@link #change} keeps a deployment's accounting when only its labels
 * changed, and closes and reopens it when its price, capacity or billing terms did.
 *
 * <p>Thread-safe; calls open and close on HTTP threads. Instants that arrive out of order (two threads racing
 * for the lock) are clamped to the latest instant the deployment has seen.
 */
public final class CostLedger {

    /**
     * A deployment's capacity as the ledger sees it now.
     *
     * @param unitsUp     units billed now (booting, busy or within their idle window)
     * @param calls       calls on units now
     * @param waiting     calls waiting for a slot
     * @param warmSlots   calls that could start now on units already up
     */
    public record Snapshot(String deploymentId, BillingModel model, int unitsUp, int calls, int waiting,
                           int warmSlots) {
    }

    private final String workerId;
    private final Map<String, Meter> meters = new LinkedHashMap<>();
    /** Retired deployments whose units are still billed or whose last entries are not drained yet. */
    private final List<Meter> retiring = new ArrayList<>();

    public CostLedger(Collection<DeploymentEndpoint> deployments, String workerId) {
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        for (DeploymentEndpoint d : deployments) {
            meters.put(d.id(), new Meter(d));
        }
    }

    /** True when the ledger models {@code deploymentId} (serving, or retired with calls or entries left). */
    public synchronized boolean knows(String deploymentId) {
        return meters.containsKey(deploymentId) || retiringMeter(deploymentId) != null;
    }

    /** A deployment joins: its accounting starts at its first contact. A serving one of that id is retired first. */
    public synchronized void add(DeploymentEndpoint d, Instant at) {
        if (meters.containsKey(d.id())) {
            retire(d.id(), at);
        }
        meters.put(d.id(), new Meter(d));
    }

    /**
     * A deployment's entry changed: labels (region, models, timeout) are taken over by the same accounting; a new
     * price, capacity or billing terms close it at {@code at} and open another, as a new lease would.
     *
     * @return true when the accounting was closed and reopened
     */
    public synchronized boolean change(DeploymentEndpoint d, Instant at) {
        Meter m = meters.get(d.id());
        if (m == null) {
            add(d, at);
            return true;
        }
        if (m.d.billing().equals(d.billing()) && m.d.capacity() == d.capacity()
                && Double.compare(m.d.pricePerSecondUsd(), d.pricePerSecondUsd()) == 0) {
            m.d = d;
            return false;
        }
        add(d, at);
        return true;
    }

    /**
     * A deployment leaves at {@code at}: it takes no new calls; its calls in flight keep their slots and close as
     * usual; its lease and active workers stop when those calls have ended (at {@code at} if none runs).
     */
    public synchronized void retire(String deploymentId, Instant at) {
        Meter m = meters.remove(deploymentId);
        if (m == null) {
            return;
        }
        Instant t = m.time(at);
        m.advance(t);
        m.retiredAt = t;
        retiring.add(m);
    }

    private Meter retiringMeter(String deploymentId) {
        for (int i = retiring.size() - 1; i >= 0; i--) {
            if (retiring.get(i).d.id().equals(deploymentId)) {
                return retiring.get(i);
            }
        }
        return null;
    }

    /** A call to {@code deploymentId} starts at {@code at}: it takes a slot (starting a unit if needed) or waits. */
    public synchronized Call open(String deploymentId, CallKind kind, Instant at) {
        Meter m = meter(deploymentId);
        Instant t = m.time(at);
        m.advance(t);
        m.contact(t);
        Call call = new Call(m, kind, t);
        if (!m.place(call, t)) {
            m.waiting.add(call);
        }
        return call;
    }

    /**
     * A request to {@code deploymentId} that occupies no slot (a Golem probe, RunPod's control-plane
     * {@code /health}): the first one starts a lease and RunPod's active workers.
     */
    public synchronized void touch(String deploymentId, Instant at) {
        Meter m = meter(deploymentId);
        Instant t = m.time(at);
        m.advance(t);
        m.contact(t);
    }

    /**
     * Accrues every deployment up to {@code now} and returns the entries not handed out yet: IDLE stretches
     * (cut at {@code now}), flex rounding, fees and probe shares. After it, {@link #accountedThrough} is
     * {@code now} (or the latest instant a deployment had seen, when later).
     */
    public synchronized List<CostEntry> drain(Instant now) {
        List<CostEntry> out = new ArrayList<>();
        List<Meter> all = new ArrayList<>(retiring);
        all.addAll(meters.values());
        for (Meter m : all) {
            Instant t = m.time(now);
            m.advance(t);
            for (Unit u : m.units) {
                if (u.up && u.calls.isEmpty()) {
                    m.cutIdle(u, t);
                    u.idleFrom = t;
                }
            }
            m.accountedThrough = t;
            out.addAll(m.pending);
            m.pending.clear();
        }
        // A retired deployment with nothing up, nothing running and nothing left to hand out is done.
        retiring.removeIf(m -> m.units.stream().noneMatch(u -> u.up) && m.waiting.isEmpty() && m.pending.isEmpty());
        return out;
    }

    /** The instant of the last {@link #drain} of {@code deploymentId}; null before the first. */
    public synchronized Instant accountedThrough(String deploymentId) {
        return meter(deploymentId).accountedThrough;
    }

    /** Calls that could start at {@code now} on units of {@code deploymentId} already up, without a new unit. */
    public synchronized int warmSlots(String deploymentId, Instant now) {
        return snapshot(deploymentId, now).warmSlots();
    }

    /** The capacity of {@code deploymentId} at {@code now} (units whose idle window ended count as down). */
    public synchronized Snapshot snapshot(String deploymentId, Instant now) {
        Meter m = meter(deploymentId);
        int up = 0;
        int calls = 0;
        int warm = 0;
        for (Unit u : m.units) {
            if (!u.up || (u.calls.isEmpty() && m.stoppable(u) && !m.stopAt(u).isAfter(now))) {
                continue;
            }
            up++;
            calls += u.calls.size();
            warm += m.billing.slotsPerUnit() - u.calls.size();
        }
        return new Snapshot(deploymentId, m.billing.model(), up, calls, m.waiting.size(), warm);
    }

    /** Snapshots of every deployment at {@code now}, retired ones whose units are still up included. */
    public synchronized List<Snapshot> snapshots(Instant now) {
        List<Snapshot> out = new ArrayList<>();
        for (Meter m : retiring) {
            if (!meters.containsKey(m.d.id())) {
                out.add(snapshot(m.d.id(), now));
            }
        }
        for (String id : meters.keySet()) {
            out.add(snapshot(id, now));
        }
        return out;
    }

    private Meter meter(String deploymentId) {
        Meter m = meters.get(deploymentId);
        if (m == null) {
            // A call that raced the deployment's retirement still lands on its accounting.
            m = retiringMeter(deploymentId);
        }
        if (m == null) {
            throw new IllegalArgumentException("the cost ledger has no deployment " + deploymentId);
        }
        return m;
    }

    private static double seconds(Instant from, Instant to) {
        return Math.max(0L, Duration.between(from, to).toNanos()) / 1e9;
    }

    /** One call on a deployment, from {@link #open} to {@link #close}. */
    public final class Call {
        private final Meter meter;
        private final CallKind kind;
        private final Instant openedAt;
        private Unit unit;
        private double unitSeconds;
        private double amountUsd;
        private Charge charge;

        private Call(Meter meter, CallKind kind, Instant openedAt) {
            this.meter = meter;
            this.kind = kind;
            this.openedAt = openedAt;
        }

        public CallKind kind() {
            return kind;
        }

        public Instant openedAt() {
            return openedAt;
        }

        /**
         * The call ended at {@code at} (answer, failure, time-out or cancel): frees its slot, places the next
         * waiting call, and returns the call's apportioned share. A PROBE call's share also becomes a PROBE
         * entry for the next {@link #drain}. Closing again returns the same charge.
         */
        public Charge close(Instant at) {
            return end(at, false);
        }

        /**
         * The call ended at {@code at} without reaching a unit: the provider's front door refused it
         * ({@link io.beacon.workers.client.CallOutcome#refusedAtTheDoor()}). A container or flex worker its
         * placement started, and that served nothing else, is taken back (the provider started nothing), and the
         * call does not keep a unit up (its end is no last call's end). Charged nothing when its start was taken
         * back, else its share of the time it sat on a unit that was up anyway.
         */
        public Charge refused(Instant at) {
            return end(at, true);
        }

        private Charge end(Instant at, boolean refused) {
            synchronized (CostLedger.this) {
                if (charge != null) {
                    return charge;
                }
                Meter m = meter;
                Instant t = m.time(at);
                m.advance(t);
                if (unit == null) {
                    m.waiting.remove(this);
                    charge = Charge.NONE;
                    return charge;
                }
                Unit u = unit;
                u.calls.remove(this);
                if (refused && u.startedBy == this && u.calls.isEmpty()) {
                    m.unstart(u);
                    while (!m.waiting.isEmpty() && m.place(m.waiting.peek(), t)) {
                        m.waiting.poll();
                    }
                    charge = Charge.NONE;
                    return charge;
                }
                if (!refused) {
                    u.lastCallEnd = t;
                }
                if (u.calls.isEmpty()) {
                    u.idleFrom = t;
                }
                while (!m.waiting.isEmpty() && m.place(m.waiting.peek(), t)) {
                    m.waiting.poll();
                }
                charge = new Charge(unitSeconds, amountUsd, u.name);
                if (kind == CallKind.PROBE && (unitSeconds > 0 || amountUsd > 0)) {
                    m.pending.add(m.entry(CostKind.PROBE, u.name, openedAt, t, unitSeconds, amountUsd));
                }
                return charge;
            }
        }
    }

    /** One billed unit: the lease, a container, a worker. */
    private static final class Unit {
        final int index;
        final String name;
        final boolean active;
        final double price;
        final List<Call> calls = new ArrayList<>();
        boolean up;
        Instant startedAt;
        Instant accruedTo;
        Instant lastCallEnd;
        /** Start of the current idle stretch not yet in an entry; null while busy or down. */
        Instant idleFrom;
        /** The call whose placement started the unit, while it is the only call the unit has had. */
        Call startedBy;

        Unit(int index, String name, boolean active, double price) {
            this.index = index;
            this.name = name;
            this.active = active;
            this.price = price;
        }
    }

    /** One deployment's capacity model. Guarded by the ledger's lock. */
    private final class Meter {
        /** Labels may change in place ({@link #change}); billing terms never do. */
        DeploymentEndpoint d;
        final Billing billing;
        final int maxUnits;
        final List<Unit> units = new ArrayList<>();
        final ArrayDeque<Call> waiting = new ArrayDeque<>();
        final List<CostEntry> pending = new ArrayList<>();
        Instant last = Instant.MIN;
        Instant firstContact;
        Instant accountedThrough;
        /** When the deployment left the fleet; null while it serves. */
        Instant retiredAt;

        Meter(DeploymentEndpoint d) {
            this.d = d;
            this.billing = d.billing();
            this.maxUnits = billing.maxUnits(d.capacity());
            int active = billing.model() == BillingModel.WORKER ? billing.activeUnits() : 0;
            int count = Math.max(maxUnits, active);
            for (int i = 0; i < count; i++) {
                boolean isActive = i < active;
                String name = switch (billing.model()) {
                    case LEASE -> count == 1 ? "lease" : "lease-" + i;
                    case CONTAINER -> "container-" + i;
                    default -> "worker-" + i;
                };
                units.add(new Unit(i, name, isActive, isActive ? billing.activePricePerSecondUsd()
                        : d.pricePerSecondUsd()));
            }
        }

        /** {@code at}, or the latest instant seen when {@code at} is earlier. */
        Instant time(Instant at) {
            Objects.requireNonNull(at, "at");
            if (at.isAfter(last)) {
                last = at;
            }
            return last;
        }

        boolean stoppable(Unit u) {
            return retiredAt != null || billing.model() == BillingModel.CONTAINER
                    || (billing.model() == BillingModel.WORKER && !u.active);
        }

        Instant stopAt(Unit u) {
            if (retiredAt != null && (billing.model() == BillingModel.LEASE || u.active)) {
                // The agreement (or the active worker) ends with the retirement, once its last call is done.
                return u.lastCallEnd.isAfter(retiredAt) ? u.lastCallEnd : retiredAt;
            }
            return u.lastCallEnd.plus(billing.idleWindow());
        }

        /** First contact of any kind starts a lease and active workers. */
        void contact(Instant t) {
            if (firstContact != null) {
                return;
            }
            firstContact = t;
            for (Unit u : units) {
                if (billing.model() == BillingModel.LEASE || u.active) {
                    start(u, t);
                }
            }
        }

        void start(Unit u, Instant t) {
            u.startedBy = null;
            u.up = true;
            u.startedAt = t;
            u.accruedTo = t;
            u.lastCallEnd = t;
            u.idleFrom = t;
            if (billing.startFeeUsd() > 0) {
                pending.add(entry(CostKind.FEE, u.name, t, t, 0.0, billing.startFeeUsd()));
            }
        }

        /** Takes back the start of a unit no call reached: as if it had never started. */
        void unstart(Unit u) {
            u.up = false;
            u.idleFrom = null;
            u.startedBy = null;
            // A start fee of the unit not handed out yet goes with it.
            pending.removeIf(e -> e.getKind() == CostKind.FEE && e.getUnit().equals(u.name)
                    && e.getPeriodStart().equals(u.startedAt));
        }

        /** Bills every unit up to {@code to}, stopping those whose idle window ended before. */
        void advance(Instant to) {
            for (Unit u : units) {
                if (!u.up) {
                    continue;
                }
                if (u.calls.isEmpty() && stoppable(u)) {
                    Instant stop = stopAt(u);
                    if (!stop.isAfter(to)) {
                        integrate(u, stop);
                        stop(u, stop);
                        continue;
                    }
                }
                integrate(u, to);
            }
        }

        /** Shares [accruedTo, to] equally among the unit's calls; idle time waits for {@link #cutIdle}. */
        void integrate(Unit u, Instant to) {
            if (!to.isAfter(u.accruedTo)) {
                return;
            }
            if (!u.calls.isEmpty()) {
                double share = seconds(u.accruedTo, to) / u.calls.size();
                for (Call c : u.calls) {
                    c.unitSeconds += share;
                    c.amountUsd += share * u.price;
                }
            }
            u.accruedTo = to;
        }

        void stop(Unit u, Instant at) {
            cutIdle(u, at);
            u.idleFrom = null;
            u.up = false;
            if (billing.model() == BillingModel.WORKER && !u.active) {
                long nanos = Math.max(0L, Duration.between(u.startedAt, at).toNanos());
                long ceilSeconds = (nanos + 999_999_999L) / 1_000_000_000L;
                double remainder = (ceilSeconds * 1_000_000_000L - nanos) / 1e9;
                if (remainder > 0) {
                    pending.add(entry(CostKind.IDLE, u.name, at, at, remainder, remainder * u.price));
                }
            }
        }

        /** The idle stretch of {@code u} up to {@code at} as an IDLE entry (none when empty). */
        void cutIdle(Unit u, Instant at) {
            if (u.idleFrom != null && at.isAfter(u.idleFrom)) {
                double s = seconds(u.idleFrom, at);
                pending.add(entry(CostKind.IDLE, u.name, u.idleFrom, at, s, s * u.price));
            }
            u.idleFrom = null;
        }

        /** Puts {@code call} on a unit: false when every unit allowed is up and full. */
        boolean place(Call call, Instant t) {
            Unit best = null;
            boolean startedNow = false;
            int up = 0;
            for (Unit u : units) {
                if (!u.up) {
                    continue;
                }
                up++;
                if (u.calls.size() >= billing.slotsPerUnit()) {
                    continue;
                }
                if (best == null || better(u, best)) {
                    best = u;
                }
            }
            if (best == null) {
                if (up >= maxUnits) {
                    return false;
                }
                for (Unit u : units) {
                    if (!u.up && !u.active && billing.model() != BillingModel.LEASE) {
                        best = u;
                        start(u, t);
                        startedNow = true;
                        break;
                    }
                }
                if (best == null) {
                    return false;
                }
            }
            if (best.calls.isEmpty()) {
                cutIdle(best, t);
            }
            best.startedBy = startedNow ? call : null;
            best.calls.add(call);
            call.unit = best;
            return true;
        }

        /** Active first, then the most calls in flight, then the lowest index. */
        private boolean better(Unit a, Unit b) {
            if (a.active != b.active) {
                return a.active;
            }
            if (a.calls.size() != b.calls.size()) {
                return a.calls.size() > b.calls.size();
            }
            return a.index < b.index;
        }

        CostEntry entry(CostKind kind, String unit, Instant from, Instant to, double unitSeconds, double usd) {
            return CostEntry.newBuilder()
                    .setDeploymentId(d.id())
                    .setProvider(d.provider())
                    .setRegion(d.region())
                    .setKind(kind)
                    .setUnit(unit)
                    .setPeriodStart(from)
                    .setPeriodEnd(to)
                    .setUnitSeconds(unitSeconds)
                    .setAmountUsd(usd)
                    .setWorkerId(workerId)
                    .build();
        }
    }
}
