package io.beacon.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.testsupport.PrometheusText.Sample;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    private static final String SCRAPE = """
            # HELP beacon_attempts_total Attempts by outcome
            # TYPE beacon_attempts_total counter
            beacon_attempts_total{application="worker-golem",deployment="golem-1",outcome="succeeded"} 41.0
            beacon_attempts_total{application="worker-golem",deployment="golem-2",outcome="succeeded"} 3.0

            jvm_threads_live_threads 27
            odd{path="a \\"quoted\\" {brace}, comma\\\\",line="x\\ny"} -2.5e-3 1712000000000
            hybrid_request_duration_seconds_bucket{le="+Inf"} +Inf
            beacon_gauge{kind="empty"} NaN
            """;

    @Test
    void shouldReadNamesLabelsAndValuesSkippingCommentsAndBlankLines() {
        PrometheusText text = PrometheusText.parse(SCRAPE);

        assertThat(text.samples()).hasSize(6);
        assertThat(text.value("beacon_attempts_total", Map.of("deployment", "golem-2"))).isEqualTo(3.0);
        assertThat(text.value("jvm_threads_live_threads", Map.of())).isEqualTo(27.0);
        assertThat(text.value("hybrid_request_duration_seconds_bucket", Map.of("le", "+Inf")))
                .isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(text.value("beacon_gauge", Map.of())).isNaN();
        assertThat(text.samples()).contains(new Sample("odd",
                Map.of("path", "a \"quoted\" {brace}, comma\\", "line", "x\ny"), -0.0025));
    }

    @Test
    void shouldAnswerNanForAnAbsentSeriesAndFailWhenTheLabelsMatchSeveral() {
        PrometheusText text = PrometheusText.parse(SCRAPE);

        assertThat(text.value("beacon_attempts_total", Map.of("deployment", "golem-9"))).isNaN();
        assertThatThrownBy(() -> text.value("beacon_attempts_total", Map.of("outcome", "succeeded")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("2 samples of beacon_attempts_total");
    }

    @Test
    void shouldNameTheLineThatIsNotASample() {
        assertThatThrownBy(() -> PrometheusText.parse("ok 1\nbroken{le=\"1\" 2\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
    }
}
