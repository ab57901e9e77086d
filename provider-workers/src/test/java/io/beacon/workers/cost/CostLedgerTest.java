package io.beacon.workers.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.beacon.schemas.avro.BillingModel;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.workers.core.Billing;
import io.beacon.workers.core.DeploymentEndpoint;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Scripted timelines: every billed second lands in exactly one place, so the charges of the calls plus the
 * drained entries equal the bill computed by hand from the billing rule.
 */
class CostLedgerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final double GOLEM_PRICE = 0.001;
    private static final double MODAL_PRICE = 0.000222;
    private static final double RUNPOD_PRICE = 0.00019;

    private final List<Charge> charges = new ArrayList<>();
    private final List<CostEntry> entries = new ArrayList<>();

    private static Instant t(double seconds) {
        return T0.plusNanos(Math.round(seconds * 1e9));
    }

    private static DeploymentEndpoint deployment(String id, ProviderKind kind, double price, int capacity,
                                                 Billing billing) {
        return new DeploymentEndpoint(id, kind, "eu", URI.create("http://localhost:1"), List.of("m"), price,
                capacity, Duration.ofSeconds(30), billing);
    }

    private Charge close(CostLedger.Call call, double at) {
        Charge c = call.close(t(at));
        charges.add(c);
        return c;
    }

    private void drain(CostLedger ledger, double at) {
        entries.addAll(ledger.drain(t(at)));
    }

    private double total() {
        return charges.stream().mapToDouble(Charge::amountUsd).sum()
                + entries.stream().mapToDouble(CostEntry::getAmountUsd).sum();
    }

    private double totalSeconds() {
        return charges.stream().mapToDouble(Charge::unitSeconds).sum()
                + entries.stream().mapToDouble(CostEntry::getUnitSeconds).sum();
    }

    private List<CostEntry> entries(CostKind kind) {
        return entries.stream().filter(e -> e.getKind() == kind).toList();
    }

    @Test
    void golemLeaseBillsFromFirstContactBusyOrIdlePlusTheFeeOnce() {
        Billing lease = new Billing(BillingModel.LEASE, 0.5, Duration.ZERO, 2, 0, 0);
        CostLedger ledger = new CostLedger(List.of(deployment("g", ProviderKind.GOLEM, GOLEM_PRICE, 2, lease)), "w");
        ledger.touch("g", t(0));
        CostLedger.Call a = ledger.open("g", CallKind.ATTEMPT, t(10));
        CostLedger.Call b = ledger.open("g", CallKind.ATTEMPT, t(15));
        assertThat(close(a, 20).unitSeconds()).isCloseTo(5 + 2.5, within(1e-9));
        drain(ledger, 25);
        assertThat(ledger.accountedThrough("g")).isEqualTo(t(25));
        assertThat(close(b, 30).unitSeconds()).isCloseTo(2.5 + 10, within(1e-9));
        drain(ledger, 40);

        assertThat(total()).isCloseTo(40 * GOLEM_PRICE + 0.5, within(1e-12));
        assertThat(entries(CostKind.FEE)).hasSize(1);
        assertThat(entries(CostKind.IDLE)).extracting(e -> e.getUnitSeconds())
                .containsExactly(10.0, 10.0);
        assertThat(charges.get(0).unit()).isEqualTo("lease");
        // Constant rate over each IDLE entry's period.
        for (CostEntry e : entries(CostKind.IDLE)) {
            double s = Duration.between(e.getPeriodStart(), e.getPeriodEnd()).toNanos() / 1e9;
            assertThat(e.getAmountUsd()).isCloseTo(s * GOLEM_PRICE, within(1e-12));
        }
        assertThat(ledger.warmSlots("g", t(40))).isEqualTo(2);
    }

    @Test
    void leaseNotTouchedBillsNothing() {
        CostLedger ledger = new CostLedger(List.of(deployment("g", ProviderKind.GOLEM, GOLEM_PRICE, 2,
                Billing.defaults(ProviderKind.GOLEM, 2))), "w");
        drain(ledger, 100);
        assertThat(entries).isEmpty();
        assertThat(ledger.warmSlots("g", t(100))).isZero();
    }

    @Test
    void modalCallsShareAContainerAndASecondStartsWhenSlotsAreFullThenScaleDownToNothing() {
        Billing twoInputs = new Billing(BillingModel.CONTAINER, 0, Duration.ofSeconds(60), 2, 0, 0);
        CostLedger ledger = new CostLedger(List.of(deployment("m", ProviderKind.MODAL, MODAL_PRICE, 4, twoInputs)), "w");
        CostLedger.Call a = ledger.open("m", CallKind.ATTEMPT, t(0));
        CostLedger.Call b = ledger.open("m", CallKind.ATTEMPT, t(2));
        CostLedger.Call c = ledger.open("m", CallKind.ATTEMPT, t(3));
        assertThat(ledger.snapshot("m", t(3)).unitsUp()).isEqualTo(2);
        assertThat(ledger.warmSlots("m", t(3))).isEqualTo(1);
        assertThat(close(c, 5).unit()).isEqualTo("container-1");
        assertThat(close(b, 8).unitSeconds()).isCloseTo(3, within(1e-9));
        assertThat(close(a, 10).unitSeconds()).isCloseTo(2 + 3 + 2, within(1e-9));
        drain(ledger, 30);
        drain(ledger, 100);
        // container-0 from 0 to 10 + 60; container-1 from 3 to 5 + 60.
        assertThat(total()).isCloseTo((70 + 62) * MODAL_PRICE, within(1e-12));
        assertThat(ledger.snapshot("m", t(100)).unitsUp()).isZero();

        entries.clear();
        charges.clear();
        drain(ledger, 200);
        assertThat(entries).as("scaled down: nothing billed").isEmpty();
        // A cold start later: the call plus a new idle window.
        close(ledger.open("m", CallKind.ATTEMPT, t(300)), 301);
        drain(ledger, 400);
        assertThat(total()).isCloseTo(61 * MODAL_PRICE, within(1e-12));
    }

    @Test
    void modalDefaultsOneInputPerContainerAndProbesAreBilledAsProbeEntries() {
        CostLedger ledger = new CostLedger(List.of(deployment("m", ProviderKind.MODAL, MODAL_PRICE, 8,
                Billing.defaults(ProviderKind.MODAL, 8))), "w");
        CostLedger.Call a = ledger.open("m", CallKind.ATTEMPT, t(0));
        CostLedger.Call b = ledger.open("m", CallKind.ATTEMPT, t(0));
        close(a, 4);
        close(b, 4);
        CostLedger.Call probe = ledger.open("m", CallKind.PROBE, t(10));
        assertThat(probe.close(t(10.5)).unit()).isEqualTo("container-0");
        drain(ledger, 120);
        assertThat(entries(CostKind.PROBE)).singleElement()
                .satisfies(e -> assertThat(e.getUnitSeconds()).isCloseTo(0.5, within(1e-9)));
        // container-0: 0..10.5+60, container-1: 0..4+60.
        assertThat(total()).isCloseTo((70.5 + 64) * MODAL_PRICE, within(1e-12));
    }

    @Test
    void runPodFlexWorkersRoundUpAtStopAndCallsWaitFifoForASlot() {
        CostLedger ledger = new CostLedger(List.of(deployment("r", ProviderKind.RUNPOD, RUNPOD_PRICE, 1,
                Billing.defaults(ProviderKind.RUNPOD, 1))), "w");
        ledger.touch("r", t(0));
        CostLedger.Call a = ledger.open("r", CallKind.ATTEMPT, t(0));
        CostLedger.Call b = ledger.open("r", CallKind.ATTEMPT, t(1));
        assertThat(ledger.snapshot("r", t(1)).waiting()).isEqualTo(1);
        assertThat(close(a, 1.5).unitSeconds()).isCloseTo(1.5, within(1e-9));
        assertThat(close(b, 2.2).unitSeconds()).isCloseTo(0.7, within(1e-9));
        // Within the 5 s idle timeout: the same worker, no new start.
        close(ledger.open("r", CallKind.ATTEMPT, t(6)), 6.4);
        drain(ledger, 8);
        assertThat(ledger.snapshot("r", t(8)).unitsUp()).isEqualTo(1);
        drain(ledger, 20);
        // worker-0 from 0 to 6.4 + 5 = 11.4 s, rounded up to 12 s.
        assertThat(totalSeconds()).isCloseTo(12, within(1e-9));
        assertThat(total()).isCloseTo(12 * RUNPOD_PRICE, within(1e-12));
        assertThat(entries(CostKind.IDLE)).anySatisfy(e -> {
            assertThat(e.getPeriodStart()).isEqualTo(e.getPeriodEnd());
            assertThat(e.getUnitSeconds()).isCloseTo(0.6, within(1e-9));
        });
        // Idle timeout passed: the next call starts a new worker.
        close(ledger.open("r", CallKind.ATTEMPT, t(30)), 31);
        drain(ledger, 60);
        assertThat(total()).isCloseTo((12 + 6) * RUNPOD_PRICE, within(1e-12));
    }

    @Test
    void runPodActiveWorkerIsBilledContinuouslyAtTheActivePriceAndPreferred() {
        Billing oneActive = new Billing(BillingModel.WORKER, 0, Duration.ofSeconds(5), 1, 1, 0.00013);
        CostLedger ledger = new CostLedger(List.of(deployment("r", ProviderKind.RUNPOD, RUNPOD_PRICE, 2, oneActive)), "w");
        ledger.touch("r", t(0));
        CostLedger.Call a = ledger.open("r", CallKind.ATTEMPT, t(10));
        CostLedger.Call b = ledger.open("r", CallKind.ATTEMPT, t(11));
        assertThat(close(a, 12.3).unit()).isEqualTo("worker-0");
        assertThat(close(b, 13.2).unit()).isEqualTo("worker-1");
        CostLedger.Call c = ledger.open("r", CallKind.ATTEMPT, t(14));
        assertThat(close(c, 15).unit()).as("active first, though the flex worker is warm").isEqualTo("worker-0");
        drain(ledger, 30);
        // Active: 30 s at the active price; flex: 11 .. 13.2 + 5 = 7.2 s, rounded up to 8.
        assertThat(total()).isCloseTo(30 * 0.00013 + 8 * RUNPOD_PRICE, within(1e-12));
    }

    @Test
    void randomTimelinesOnALeaseBillExactlyTheLease() {
        Random random = new Random(42);
        for (int run = 0; run < 50; run++) {
            charges.clear();
            entries.clear();
            int capacity = 1 + random.nextInt(4);
            CostLedger ledger = new CostLedger(List.of(deployment("g", ProviderKind.GOLEM, GOLEM_PRICE, capacity,
                    new Billing(BillingModel.LEASE, 0.25, Duration.ZERO, capacity, 0, 0))), "w");
            ledger.touch("g", t(0));
            List<CostLedger.Call> open = new ArrayList<>();
            double now = 0;
            for (int step = 0; step < 40; step++) {
                now += random.nextDouble() * 3;
                if (!open.isEmpty() && random.nextBoolean()) {
                    close(open.remove(random.nextInt(open.size())), now);
                } else {
                    open.add(ledger.open("g", random.nextBoolean() ? CallKind.ATTEMPT : CallKind.PROBE, t(now)));
                }
                if (random.nextInt(5) == 0) {
                    drain(ledger, now);
                }
            }
            now += 1;
            for (CostLedger.Call c : open) {
                close(c, now);
            }
            drain(ledger, now + 10);
            // PROBE charges are in both the charge list and the PROBE entries: count them once.
            double probeEntries = entries(CostKind.PROBE).stream().mapToDouble(CostEntry::getAmountUsd).sum();
            assertThat(total() - probeEntries).as("run " + run)
                    .isCloseTo((now + 10) * GOLEM_PRICE + 0.25, within(1e-9));
        }
    }

    @Test
    void randomTimelinesOnRunPodFlexWorkersBillWholeSecondsPerWorker() {
        Random random = new Random(7);
        for (int run = 0; run < 50; run++) {
            charges.clear();
            entries.clear();
            CostLedger ledger = new CostLedger(List.of(deployment("r", ProviderKind.RUNPOD, RUNPOD_PRICE, 3,
                    Billing.defaults(ProviderKind.RUNPOD, 3))), "w");
            List<CostLedger.Call> open = new ArrayList<>();
            double now = 0;
            for (int step = 0; step < 30; step++) {
                now += random.nextDouble() * 4;
                if (!open.isEmpty() && random.nextBoolean()) {
                    close(open.remove(random.nextInt(open.size())), now);
                } else {
                    open.add(ledger.open("r", CallKind.ATTEMPT, t(now)));
                }
                if (random.nextInt(4) == 0) {
                    drain(ledger, now);
                }
            }
            for (CostLedger.Call c : open) {
                close(c, now + 1);
            }
            drain(ledger, now + 100);
            double seconds = totalSeconds();
            assertThat(Math.abs(seconds - Math.rint(seconds))).as("run " + run).isLessThan(1e-6);
            assertThat(total()).isCloseTo(seconds * RUNPOD_PRICE, within(1e-9));
            assertThat(ledger.snapshot("r", t(now + 100)).unitsUp()).isZero();
        }
    }

    @Test
    void aRetiredLeaseStopsBillingAtItsRetirementWhenNothingRuns() {
        Billing lease = new Billing(BillingModel.LEASE, 0.0, Duration.ZERO, 2, 0, 0);
        CostLedger ledger = new CostLedger(List.of(deployment("g", ProviderKind.GOLEM, GOLEM_PRICE, 2, lease)), "w");
        ledger.touch("g", t(0));
        close(ledger.open("g", CallKind.ATTEMPT, t(1)), 3);

        ledger.retire("g", t(10));
        drain(ledger, 30);

        // Billed from first contact to the retirement: 10 s, 2 of them the call's
        assertThat(totalSeconds()).isCloseTo(10.0, within(1e-9));
        assertThat(total()).isCloseTo(10.0 * GOLEM_PRICE, within(1e-12));
        assertThat(entries).allSatisfy(e -> assertThat(e.getPeriodEnd()).isBeforeOrEqualTo(t(10)));
        // Its last entries are out: the ledger forgets it
        assertThat(ledger.knows("g")).isFalse();
        assertThat(ledger.snapshots(t(30))).isEmpty();
    }

    @Test
    void aRetiredLeaseIsBilledUntilItsLastCallInFlightEndsAndThatCallKeepsItsShare() {
        Billing lease = new Billing(BillingModel.LEASE, 0.0, Duration.ZERO, 2, 0, 0);
        CostLedger ledger = new CostLedger(List.of(deployment("g", ProviderKind.GOLEM, GOLEM_PRICE, 2, lease)), "w");
        ledger.touch("g", t(0));
        CostLedger.Call running = ledger.open("g", CallKind.ATTEMPT, t(5));

        ledger.retire("g", t(10));
        drain(ledger, 12);
        // Still known: a call runs on it, and its attempt's ledger entry must still be written
        assertThat(ledger.knows("g")).isTrue();
        assertThat(ledger.snapshot("g", t(12)).unitsUp()).isEqualTo(1);
        assertThat(close(running, 20).unitSeconds()).isCloseTo(15.0, within(1e-9));
        drain(ledger, 40);

        // 0..5 idle, 5..20 the call: the lease ends with the call, 20 s in all
        assertThat(totalSeconds()).isCloseTo(20.0, within(1e-9));
        assertThat(ledger.knows("g")).isFalse();
    }

    @Test
    void aChangeOfLabelsKeepsTheAccountAndANewPriceOpensAnother() {
        Billing lease = new Billing(BillingModel.LEASE, 0.5, Duration.ZERO, 2, 0, 0);
        DeploymentEndpoint before = deployment("g", ProviderKind.GOLEM, GOLEM_PRICE, 2, lease);
        CostLedger ledger = new CostLedger(List.of(before), "w");
        ledger.touch("g", t(0));

        DeploymentEndpoint relabelled = new DeploymentEndpoint("g", ProviderKind.GOLEM, "us-east",
                before.baseUrl(), before.models(), GOLEM_PRICE, 2, Duration.ofSeconds(30), lease);
        assertThat(ledger.change(relabelled, t(5))).isFalse();
        drain(ledger, 10);
        assertThat(entries(CostKind.IDLE)).allSatisfy(e -> assertThat(e.getRegion()).isEqualTo("us-east"));
        assertThat(entries(CostKind.FEE)).hasSize(1);

        DeploymentEndpoint repriced = new DeploymentEndpoint("g", ProviderKind.GOLEM, "us-east",
                before.baseUrl(), before.models(), GOLEM_PRICE * 2, 2, Duration.ofSeconds(30), lease);
        assertThat(ledger.change(repriced, t(10))).isTrue();
        ledger.touch("g", t(12));
        drain(ledger, 22);

        // The old lease: 0..10 at the old price; the new one from its first contact at 12, with its own fee
        assertThat(totalSeconds()).isCloseTo(10.0 + 10.0, within(1e-9));
        assertThat(total()).isCloseTo(0.5 + 10 * GOLEM_PRICE + 0.5 + 10 * GOLEM_PRICE * 2, within(1e-12));
    }

    @Test
    void aDeploymentAddedLaterIsAccountedLikeOneOfTheStart() {
        CostLedger ledger = new CostLedger(List.of(), "w");
        assertThat(ledger.knows("g")).isFalse();
        Billing lease = new Billing(BillingModel.LEASE, 0.0, Duration.ZERO, 2, 0, 0);

        ledger.add(deployment("g", ProviderKind.GOLEM, GOLEM_PRICE, 2, lease), t(0));
        ledger.touch("g", t(1));
        drain(ledger, 11);

        assertThat(ledger.knows("g")).isTrue();
        assertThat(totalSeconds()).isCloseTo(10.0, within(1e-9));
    }

    @Test
    void aCallTheProxyRefusedStartsNoContainerAndKeepsNoneUp() {
        // Given a cold Modal deployment (containers of one input, 60 s scale-down window)
        Billing container = new Billing(BillingModel.CONTAINER, 0, Duration.ofSeconds(60), 1, 0, 0);
        CostLedger ledger = new CostLedger(List.of(deployment("m", ProviderKind.MODAL, MODAL_PRICE, 2, container)), "w");

        // When its proxy refuses a call's credentials, twice
        Charge first = ledger.open("m", CallKind.ATTEMPT, t(0)).refused(t(0.05));
        Charge second = ledger.open("m", CallKind.ATTEMPT, t(1)).refused(t(1.04));
        drain(ledger, 120);

        // Then nothing is billed: no container started, none idles for the window
        assertThat(first.amountUsd()).isZero();
        assertThat(second.amountUsd()).isZero();
        assertThat(entries).isEmpty();
        assertThat(ledger.snapshot("m", t(1.05)).unitsUp()).isZero();
    }

    @Test
    void aRefusedCallOnAWarmContainerDoesNotExtendItsWindow() {
        Billing container = new Billing(BillingModel.CONTAINER, 0, Duration.ofSeconds(60), 2, 0, 0);
        CostLedger ledger = new CostLedger(List.of(deployment("m", ProviderKind.MODAL, MODAL_PRICE, 2, container)), "w");
        // Given a container up for a call that ended at 10 s (billed until 70 s)
        close(ledger.open("m", CallKind.ATTEMPT, t(0)), 10);

        // When a call at 30 s is refused at the proxy (credentials rotated meanwhile)
        CostLedger.Call refused = ledger.open("m", CallKind.ATTEMPT, t(30));
        charges.add(refused.refused(t(30.5)));
        drain(ledger, 200);

        // Then the container still stops at 70 s: 70 container-seconds in all, not 90.5
        assertThat(totalSeconds()).isCloseTo(70.0, within(1e-9));
        assertThat(total()).isCloseTo(70.0 * MODAL_PRICE, within(1e-12));
    }

    @Test
    void aRunPodCallRefusedForItsKeyStartsNoFlexWorker() {
        Billing flex = new Billing(BillingModel.WORKER, 0, Duration.ofSeconds(5), 1, 0, 0);
        CostLedger ledger = new CostLedger(List.of(deployment("r", ProviderKind.RUNPOD, RUNPOD_PRICE, 1, flex)), "w");

        // Given a refused call holding the only worker slot while another call waits
        CostLedger.Call refused = ledger.open("r", CallKind.ATTEMPT, t(0));
        CostLedger.Call waiting = ledger.open("r", CallKind.ATTEMPT, t(0.1));
        assertThat(ledger.snapshot("r", t(0.1)).waiting()).isEqualTo(1);

        // When the first is refused, the waiting one takes a worker started then; it runs 2 s
        charges.add(refused.refused(t(0.2)));
        close(waiting, 2.2);
        drain(ledger, 60);

        // Then only the second call's worker is billed: 2 s busy + 5 s idle timeout, whole seconds
        assertThat(totalSeconds()).isCloseTo(7.0, within(1e-9));
    }
}
