package io.beacon.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine driven in virtual time, as the policy lab drives it: bills computed by hand on a fake clock. */
class VirtualDeploymentTest {

    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong nanos = new AtomicLong();
    private VirtualDeployment deployment;

    @AfterEach
    void close() {
        deployment.close();
    }

    private VirtualDeployment golem() {
        return new VirtualDeployment(SimulatedDeployment.builder("golem-v", SimProvider.GOLEM).pricePerSecondUsd(0.0001)
                .startFeeUsd(0.0005).capacity(2).latency(LatencyModel.fixed(Duration.ofMillis(800))).build(),
                Clock.systemUTC(), nanos::get, 7);
    }

    private void at(double seconds) {
        nanos.set(Math.round(seconds * SECOND));
    }

    @Test
    void shouldStartCallsOnlyWhileASlotIsFreeAndFreeItWhenTheCallFinishes() {
        deployment = golem();

        VirtualDeployment.Call first = deployment.start(10);
        VirtualDeployment.Call second = deployment.start(10);

        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(first.doneOffset()).isEqualTo(Duration.ofMillis(800));
        assertThat(deployment.start(10)).as("both slots held: nothing waits inside the engine").isNull();
        at(0.8);
        first.finish(true);
        assertThat(deployment.start(10)).isNotNull();
        assertThat(deployment.stats().requestsTotal()).isEqualTo(3);
        assertThat(deployment.stats().succeeded()).isEqualTo(1);
    }

    @Test
    void shouldPayTheColdStartOfAServerlessUnitAndBillItsWindow() {
        deployment = new VirtualDeployment(SimulatedDeployment.builder("modal-v", SimProvider.MODAL)
                .pricePerSecondUsd(0.0002).capacity(1).latency(LatencyModel.fixed(Duration.ofMillis(500)))
                .coldStart(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(30)).build(), Clock.systemUTC(),
                nanos::get, 7);

        VirtualDeployment.Call call = deployment.start(10);
        at(3.5);
        call.finish(true);
        at(100);

        assertThat(call.coldStart()).isEqualTo(Duration.ofSeconds(3));
        assertThat(deployment.billedUsd()).isCloseTo(0.0002 * 33.5, within(1e-12));
    }

    @Test
    void shouldBillTheNewPriceFromTheChangeOnIncludingAUnitAlreadyUp() {
        deployment = golem();
        deployment.touch();

        at(10);
        deployment.changePrice(2.0);
        at(30);

        assertThat(deployment.priceFactor()).isEqualTo(2.0);
        assertThat(deployment.billedUsd()).isCloseTo(0.0005 + 0.0001 * 10 + 0.0002 * 20, within(1e-12));
        assertThat(deployment.stats().billedUsd()).as("the engine's own figure stays at the listed price")
                .isCloseTo(0.0005 + 0.0001 * 30, within(1e-12));
    }

    @Test
    void shouldBillNothingAfterTheDeploymentEnds() {
        deployment = golem();
        deployment.touch();
        at(40);

        deployment.end();
        at(400);

        assertThat(deployment.ended()).isTrue();
        assertThat(deployment.billedUsd()).isCloseTo(0.0005 + 0.0001 * 40, within(1e-12));
        assertThat(deployment.start(10)).as("a node that left takes no call").isNull();
    }

    @Test
    void shouldReportTheFaultsItsCallerMustAnswerWith() {
        deployment = golem();

        deployment.faults().failAll(503);
        assertThat(deployment.refusalStatus()).isEqualTo(503);
        assertThat(deployment.healthFailing()).isTrue();
        deployment.faults().recover().unresponsive();
        assertThat(deployment.refusalStatus()).isZero();
        assertThat(deployment.unresponsive()).isTrue();
    }
}
