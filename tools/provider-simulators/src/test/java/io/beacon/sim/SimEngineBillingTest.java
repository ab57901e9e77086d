package io.beacon.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The billing rule in the engine, on a fake nanosecond clock: expected invoices are computed by hand. */
class SimEngineBillingTest {

    private static final long SECOND = 1_000_000_000L;
    private static final double MODAL_PRICE = 0.000164;
    private static final double FLEX_PRICE = 0.00016;
    private static final double ACTIVE_PRICE = 0.00011;

    /** An arbitrary origin: System.nanoTime may be anywhere, negative included. */
    private final AtomicLong nanos = new AtomicLong(-5_000 * SECOND);
    private final long t0 = nanos.get();
    private final List<SimEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        engines.forEach(SimEngine::close);
    }

    private SimEngine engine(SimProvider provider, UnaryOperator<SimulatedDeployment.Builder> config) {
        SimulatedDeployment deployment = config.apply(SimulatedDeployment.builder(provider.name().toLowerCase() + "-b",
                provider).latency(LatencyModel.fixed(Duration.ofMillis(500)))).build();
        SimEngine engine = new SimEngine(deployment, new FaultControl(deployment.id()), Clock.systemUTC(), nanos::get);
        engines.add(engine);
        return engine;
    }

    private void at(double seconds) {
        nanos.set(t0 + Math.round(seconds * SECOND));
    }

    private static Execution call(SimEngine engine) {
        List<Execution> started = new ArrayList<>();
        assertThat(engine.admit(10, started::add)).isNotNull();
        assertThat(started).as("placed at once").hasSize(1);
        return started.get(0);
    }

    @Test
    void shouldBillAGolemLeaseIdleAndBusyFromFirstContactPlusTheStartFeeOnce() {
        SimEngine node = engine(SimProvider.GOLEM, b -> b.pricePerSecondUsd(0.0001).startFeeUsd(0.0005).capacity(4));
        assertThat(node.stats().billedUsd()).isZero();
        assertThat(node.stats().leaseStartedAt()).isNull();

        at(0);
        node.touch(); // a probe: the lease starts here
        at(10);
        Execution a = call(node);
        Execution b = call(node);
        at(12);
        a.finish(true);
        b.finish(true);
        at(20);

        SimStats stats = node.stats();
        assertThat(stats.billedUsd()).isCloseTo(0.0005 + 20 * 0.0001, within(1e-12));
        assertThat(stats.billedUnitSeconds()).isCloseTo(20.0, within(1e-9));
        assertThat(stats.billingModel()).isEqualTo(BillingModel.LEASE);
        assertThat(stats.unitsUp()).isEqualTo(1);
        assertThat(stats.unitStarts()).isEqualTo(1);
        assertThat(stats.coldStarts()).isZero();
        assertThat(stats.leaseStartedAt()).isNotNull();
        assertThat(a.unit()).isSameAs(b.unit());
    }

    @Test
    void shouldBillTwoConcurrentCallsOnOneModalContainerOnceAndNothingAfterScaleDown() {
        SimEngine modal = engine(SimProvider.MODAL, b -> b.pricePerSecondUsd(MODAL_PRICE).capacity(8).slotsPerUnit(4)
                .coldStart(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(30)));

        at(0);
        Execution a = call(modal);
        Execution b = call(modal);
        at(3.5);
        a.finish(true);
        at(4);
        b.finish(true);

        assertThat(a.unit()).isSameAs(b.unit());
        assertThat(a.coldStart()).isEqualTo(Duration.ofSeconds(3));
        assertThat(b.coldStart()).isEqualTo(Duration.ofSeconds(3));
        at(20);
        assertThat(modal.stats().billedUsd()).as("running: up to now").isCloseTo(20 * MODAL_PRICE, within(1e-12));
        at(100);
        double expected = (4 + 30) * MODAL_PRICE;
        assertThat(modal.stats().billedUsd()).isCloseTo(expected, within(1e-12));
        assertThat(modal.stats().unitsUp()).isZero();
        at(100 + 5 * 30);
        SimStats later = modal.stats();
        assertThat(later.billedUsd()).isCloseTo(expected, within(1e-12));
        assertThat(later.unitStarts()).isEqualTo(1);
        assertThat(later.coldStarts()).isEqualTo(1);
        assertThat(later.billingModel()).isEqualTo(BillingModel.CONTAINER);
    }

    @Test
    void shouldStartASecondContainerForACallBeyondTheFirstOnesSlots() {
        SimEngine modal = engine(SimProvider.MODAL, b -> b.pricePerSecondUsd(MODAL_PRICE).capacity(4).slotsPerUnit(2)
                .coldStart(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(30)));

        at(0);
        Execution a = call(modal);
        Execution b = call(modal);
        at(1);
        Execution c = call(modal);

        assertThat(a.unit().index).isZero();
        assertThat(b.unit().index).isZero();
        assertThat(c.unit().index).isEqualTo(1);
        assertThat(c.coldStart()).isEqualTo(Duration.ofSeconds(3));
        at(2);
        a.finish(true);
        // Packing: the next call goes to the fuller container with a free slot (0 has 1 call, 1 has 1: lowest index).
        Execution d = call(modal);
        assertThat(d.unit().index).isZero();
        assertThat(d.coldStart()).isEqualTo(Duration.ofSeconds(1)); // the rest of container 0's boot
        at(10);
        b.finish(true);
        c.finish(true);
        d.finish(true);
        at(1000);
        // Container 0: 0 -> 10 + 30; container 1: 1 -> 10 + 30.
        assertThat(modal.stats().billedUsd()).isCloseTo((40 + 39) * MODAL_PRICE, within(1e-12));
        assertThat(modal.stats().unitStarts()).isEqualTo(2);
        assertThat(modal.stats().coldStarts()).isEqualTo(2);
    }

    @Test
    void shouldStartAndBillAContainerForAHealthProbeOfAColdModalApp() {
        SimEngine modal = engine(SimProvider.MODAL, b -> b.pricePerSecondUsd(MODAL_PRICE)
                .coldStart(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(30)));

        at(0);
        List<Execution> started = new ArrayList<>();
        modal.admitBrief(false, started::add);
        Execution probe = started.get(0);
        assertThat(probe.doneOffset()).isEqualTo(Duration.ofMillis(3_002));
        at(3.002);
        probe.finish(true);
        at(500);

        SimStats stats = modal.stats();
        assertThat(stats.billedUsd()).isCloseTo((3.002 + 30) * MODAL_PRICE, within(1e-12));
        assertThat(stats.probes()).isEqualTo(1);
        assertThat(stats.requestsTotal()).isZero();
        assertThat(stats.succeeded()).isZero();
        assertThat(stats.coldStarts()).isEqualTo(1);
    }

    @Test
    void shouldRoundAFlexWorkerUpToTheSecondAtStopIdleTimeoutIncluded() {
        SimEngine runpod = runpod(b -> b);

        at(0);
        Execution job = call(runpod);
        at(2.3);
        job.finish(true);
        at(6);
        assertThat(runpod.stats().billedUsd()).as("still up: unrounded").isCloseTo(6 * FLEX_PRICE, within(1e-12));
        at(60);
        // 2 s cold + 0.3 s + 5 s idle = 7.3 s -> 8 s
        assertThat(runpod.stats().billedUsd()).isCloseTo(8 * FLEX_PRICE, within(1e-12));
        assertThat(runpod.stats().billedUnitSeconds()).isEqualTo(8.0);
        assertThat(runpod.stats().billingModel()).isEqualTo(BillingModel.WORKER);
    }

    @Test
    void shouldNotBillTheQueueWaitOfAJobWaitingForAWorker() throws Exception {
        SimEngine runpod = runpod(b -> b.capacity(1).queueLimit(4));

        at(0);
        Execution first = call(runpod);
        CompletableFuture<Execution> second = new CompletableFuture<>();
        assertThat(runpod.admit(10, second::complete)).isNotNull();
        assertThat(runpod.queued()).isEqualTo(1);
        at(3);
        first.finish(true);
        Execution queued = second.get(5, TimeUnit.SECONDS);
        assertThat(queued.coldStart()).isZero();
        assertThat(queued.queueTime()).isEqualTo(Duration.ofSeconds(3));
        at(4);
        queued.finish(true);
        at(60);

        // One worker, 0 -> 4 + 5 = 9 s; the 3 s the second job waited add nothing.
        assertThat(runpod.stats().billedUsd()).isCloseTo(9 * FLEX_PRICE, within(1e-12));
        assertThat(runpod.stats().unitStarts()).isEqualTo(1);
    }

    @Test
    void shouldBillACancelledJobsWorkerUpToTheCancelPlusIdleTimeout() {
        SimEngine runpod = runpod(b -> b);

        at(0);
        Execution job = call(runpod);
        at(2.5);
        job.finish(false); // cancelled while running
        at(60);

        // 2.5 s + 5 s idle = 7.5 s -> 8 s
        assertThat(runpod.stats().billedUsd()).isCloseTo(8 * FLEX_PRICE, within(1e-12));
        assertThat(runpod.stats().failed()).isEqualTo(1);
    }

    @Test
    void shouldBillActiveWorkersContinuouslyFromFirstContactAndPreferThem() {
        SimEngine runpod = runpod(b -> b.capacity(2).activeUnits(1).activePricePerSecondUsd(ACTIVE_PRICE));

        at(0);
        runpod.touch(); // GET /health
        at(10);
        Execution onActive = call(runpod);
        assertThat(onActive.unit().index).isZero();
        assertThat(onActive.coldStart()).isZero();
        at(11);
        onActive.finish(true);
        at(20);
        assertThat(runpod.stats().billedUsd()).isCloseTo(20 * ACTIVE_PRICE, within(1e-12));
        Execution active = call(runpod);
        Execution flex = call(runpod);
        assertThat(active.unit().index).isZero();
        assertThat(flex.unit().index).isEqualTo(1);
        assertThat(flex.coldStart()).isEqualTo(Duration.ofSeconds(2));
        at(23);
        active.finish(true);
        flex.finish(true);
        at(100);

        // Active worker 0 -> 100 s; flex worker 20 -> 23 + 5 = 8 s.
        SimStats stats = runpod.stats();
        assertThat(stats.billedUsd()).isCloseTo(100 * ACTIVE_PRICE + 8 * FLEX_PRICE, within(1e-12));
        assertThat(stats.unitsUp()).isEqualTo(1);
        assertThat(stats.unitStarts()).isEqualTo(2);
        assertThat(stats.coldStarts()).isEqualTo(1);
        assertThat(stats.leaseStartedAt()).isNotNull();
    }

    @Test
    void shouldBillNothingForARunPodHealthCheckWithoutActiveWorkers() {
        SimEngine runpod = runpod(b -> b);

        at(0);
        runpod.touch();
        at(100);

        assertThat(runpod.stats().billedUsd()).isZero();
        assertThat(runpod.stats().unitsUp()).isZero();
        assertThat(runpod.stats().leaseStartedAt()).isNull();
    }

    @Test
    void shouldMakeTheNextCallPayAColdStartAfterGoCold() {
        SimEngine modal = engine(SimProvider.MODAL, b -> b.pricePerSecondUsd(MODAL_PRICE)
                .coldStart(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(30)));
        at(0);
        call(modal).finish(true);
        at(5);
        assertThat(modal.warm()).isTrue();

        modal.faults().goCold();
        assertThat(modal.warm()).isFalse();
        Execution cold = call(modal);

        assertThat(cold.coldStart()).isEqualTo(Duration.ofSeconds(3));
        // The first container stopped at the cold fault (5 s), not 30 s later.
        at(5);
        assertThat(modal.stats().billedUsd()).isCloseTo(5 * MODAL_PRICE, within(1e-12));
        assertThat(modal.stats().coldStarts()).isEqualTo(2);
    }

    private SimEngine runpod(UnaryOperator<SimulatedDeployment.Builder> config) {
        return engine(SimProvider.RUNPOD, b -> config.apply(b.pricePerSecondUsd(FLEX_PRICE).capacity(8)
                .coldStart(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(5))));
    }
}
