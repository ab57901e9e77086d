package io.beacon.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InferenceMetersTest {

    private final OpsMetrics metrics = OpsMetrics.create("router");
    private final InferenceMeters meters = new InferenceMeters(metrics.registry());

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void shouldExposeTheGuidesRequestCounterDurationHistogramAndCostWithTheirLabels() {
        // Given
        meters.recordResult("Golem", "eu-central", true, Duration.ofMillis(1_500), 0.25);
        meters.recordResult("golem", "eu-central", true, Duration.ofMillis(700), 0.5);
        meters.recordResult("MODAL", "", false, Duration.ofSeconds(3), 0.0);

        // When
        String scrape = metrics.scrape(null);

        // Then
        assertThat(scrape)
                .contains("# TYPE hybrid_requests_total counter")
                .contains("hybrid_requests_total{application=\"router\",provider=\"golem\",region=\"eu-central\","
                        + "status=\"success\"} 2.0")
                .contains("hybrid_requests_total{application=\"router\",provider=\"golem\",region=\"eu-central\","
                        + "status=\"failure\"} 0.0")
                .contains("hybrid_requests_total{application=\"router\",provider=\"modal\",region=\"unknown\","
                        + "status=\"failure\"} 1.0")
                .contains("# TYPE hybrid_request_duration_seconds histogram")
                .contains("hybrid_request_duration_seconds_bucket{application=\"router\",provider=\"golem\","
                        + "region=\"eu-central\",le=\"1.0\"} 1")
                .contains("hybrid_request_duration_seconds_bucket{application=\"router\",provider=\"golem\","
                        + "region=\"eu-central\",le=\"2.5\"} 2")
                .contains("hybrid_request_duration_seconds_bucket{application=\"router\",provider=\"golem\","
                        + "region=\"eu-central\",le=\"120.0\"} 2")
                .contains("hybrid_request_duration_seconds_count{application=\"router\",provider=\"golem\","
                        + "region=\"eu-central\"} 2")
                .contains("hybrid_request_duration_seconds_sum{application=\"router\",provider=\"golem\","
                        + "region=\"eu-central\"} 2.2")
                .contains("# TYPE hybrid_cost_total counter")
                .contains("hybrid_cost_total{application=\"router\",provider=\"golem\",region=\"eu-central\"} 0.75")
                .contains("hybrid_cost_total{application=\"router\",provider=\"modal\",region=\"unknown\"} 0.0");
    }

    @Test
    void shouldCountLedgerMoneyWhereItWasSpentInTheGuidesCostAndByKind() {
        // Given a failed Golem attempt, Golem idle time, a Modal fee and a successful Modal attempt
        meters.recordCost("golem", "eu-central", "ATTEMPT", 0.25);
        meters.recordCost("Golem", "eu-central", "idle", 0.5);
        meters.recordCost("modal", "us-east", "fee", 0.125);
        meters.recordCost("modal", "us-east", "attempt", 1.0);
        meters.recordCost("modal", "us-east", "attempt", Double.NaN);
        meters.recordResult("modal", "us-east", true, Duration.ofMillis(900));

        // When
        String scrape = metrics.scrape(null);

        // Then hybrid_cost_total holds all of it where it was spent, beacon_cost_usd_total splits it by kind
        assertThat(scrape)
                .contains("hybrid_cost_total{application=\"router\",provider=\"golem\",region=\"eu-central\"} 0.75")
                .contains("hybrid_cost_total{application=\"router\",provider=\"modal\",region=\"us-east\"} 1.125")
                .contains("# TYPE beacon_cost_usd_total counter")
                .contains("beacon_cost_usd_total{application=\"router\",kind=\"attempt\",provider=\"golem\","
                        + "region=\"eu-central\"} 0.25")
                .contains("beacon_cost_usd_total{application=\"router\",kind=\"idle\",provider=\"golem\","
                        + "region=\"eu-central\"} 0.5")
                .contains("beacon_cost_usd_total{application=\"router\",kind=\"fee\",provider=\"modal\","
                        + "region=\"us-east\"} 0.125")
                .contains("hybrid_requests_total{application=\"router\",provider=\"modal\",region=\"us-east\","
                        + "status=\"success\"} 1.0");
    }

    @Test
    void shouldCountDecisionsFailoversAndDeadLettersWithTheirLabels() {
        // Given
        meters.recordDecision("RunPod", "burst_overflow");
        meters.recordDecision("runpod", "BURST_OVERFLOW");
        meters.recordFailover("modal", "Golem");
        meters.recordDeadLetter("inference-requests.dlq");

        // When
        String scrape = metrics.scrape(null);

        // Then
        assertThat(scrape)
                .contains("beacon_routing_decisions_total{application=\"router\",provider=\"runpod\","
                        + "reason=\"burst_overflow\"} 2.0")
                .contains("beacon_failovers_total{application=\"router\",from_provider=\"modal\","
                        + "to_provider=\"golem\"} 1.0")
                .contains("beacon_dlq_records_total{application=\"router\",topic=\"inference-requests.dlq\"} 1.0");
    }

    @Test
    void shouldHoldInFlightAndCircuitStatePerDeploymentUntilItIsRemoved() {
        // Given
        meters.setInFlight("golem-eu-1", "golem", 3);
        meters.setInFlight("golem-eu-1", "golem", 2);
        meters.setCircuitState("golem-eu-1", "golem", InferenceMeters.CIRCUIT_OPEN);
        meters.setCircuitState("modal-us-1", "modal", "HALF_OPEN");

        // When
        String scrape = metrics.scrape(null);

        // Then
        assertThat(scrape)
                .contains("beacon_deployment_in_flight{application=\"router\",deployment=\"golem-eu-1\","
                        + "provider=\"golem\"} 2.0")
                .contains("beacon_deployment_circuit_state{application=\"router\",deployment=\"golem-eu-1\","
                        + "provider=\"golem\"} 2.0")
                .contains("beacon_deployment_circuit_state{application=\"router\",deployment=\"modal-us-1\","
                        + "provider=\"modal\"} 1.0");

        // And when the deployment goes away
        meters.removeDeployment("golem-eu-1", "golem");
        assertThat(metrics.scrape(null)).doesNotContain("deployment=\"golem-eu-1\"")
                .contains("deployment=\"modal-us-1\"");
    }

    @Test
    void shouldRefuseACircuitStateOutsideTheScale() {
        assertThatThrownBy(() -> meters.setCircuitState("d", "golem", 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 3");
    }
}
