package io.beacon.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void shouldFindTheMetricInsideFunctionsAggregationsAndRanges() {
        String expr = "histogram_quantile(0.95, sum by (le, provider) (rate(hybrid_request_duration_seconds_bucket"
                + "[$__rate_interval])))";

        assertThat(PromQl.metricNames(expr)).containsExactly("hybrid_request_duration_seconds_bucket");
        assertThat(PromQl.labelNames(expr)).containsExactlyInAnyOrder("le", "provider");
    }

    @Test
    void shouldFindBothSidesOfABinaryOperation() {
        String expr = "sum by (provider) (increase(hybrid_cost_total[5m])) / on (provider) group_left"
                + " sum by (provider) (increase(hybrid_requests_total[5m]))";

        assertThat(PromQl.metricNames(expr)).containsExactlyInAnyOrder("hybrid_cost_total", "hybrid_requests_total");
    }

    @Test
    void shouldFindTheCostByKindMetricAndItsLabelsBehindAMatcher() {
        String expr = "sum by (provider) (increase(beacon_cost_usd_total{kind=\"idle\"}[5m]))"
                + " / sum(increase(hybrid_cost_total[5m]))";

        assertThat(PromQl.metricNames(expr)).containsExactlyInAnyOrder("beacon_cost_usd_total", "hybrid_cost_total");
        assertThat(PromQl.labelNames(expr)).containsExactlyInAnyOrder("provider", "kind");
    }

    @Test
    void shouldIgnoreLabelValuesKeywordsNumbersAndDashboardVariables() {
        String expr = "up{job=~\"beacon-.*\", instance!=\"hybrid_fake_total\"} * 1e3 and bool foo offset 5m"
                + " > $threshold";

        assertThat(PromQl.metricNames(expr)).containsExactlyInAnyOrder("up", "foo");
        assertThat(PromQl.labelNames(expr)).containsExactlyInAnyOrder("job", "instance");
    }
}
