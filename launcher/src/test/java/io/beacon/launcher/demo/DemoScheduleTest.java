package io.beacon.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.InferenceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DemoScheduleTest {

    @Test
    void shouldSendTheMixAtAFixedRate() {
        DemoSchedule steady = DemoSchedule.steady(42, 30, 15);

        assertThat(steady.dueNanos(0)).isZero();
        assertThat(steady.dueNanos(15)).isEqualTo(Duration.ofSeconds(1).toNanos() - 10);
        assertThat(steady.job(3).getDeadline()).as("the router's default deadline applies").isNull();
    }

    @Test
    void shouldSendBenchmarkRunsOfAHundredAtOnceWithATenthOfInteractiveJobsBetween() {
        int jobs = 1000;
        DemoSchedule schedule = DemoSchedule.benchmarkRuns(42, jobs, 15);

        List<InferenceRequest> sent = new ArrayList<>();
        List<Long> due = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            sent.add(schedule.job(i));
            due.add(schedule.dueNanos(i));
        }

        assertThat(due).isSorted();
        Map<Long, Long> batchesByInstant = new java.util.TreeMap<>();
        for (int i = 0; i < jobs; i++) {
            if (sent.get(i).getMetadata().get("latency_class").equals("batch")) {
                batchesByInstant.merge(due.get(i), 1L, Long::sum);
            }
        }
        assertThat(batchesByInstant.values()).containsOnly(100L);
        assertThat(batchesByInstant).hasSize(9);
        // 900 batch jobs in 9 runs, one every 100 / (0.9 x 15) s: 15 jobs/s on average.
        assertThat(batchesByInstant.keySet().stream().skip(1).findFirst().orElseThrow())
                .isEqualTo(Math.round(100 / 13.5 * 1e9));
        Map<String, List<InferenceRequest>> byClass = sent.stream()
                .collect(Collectors.groupingBy(r -> r.getMetadata().get("latency_class")));
        assertThat(byClass.get("interactive")).hasSize(100).allSatisfy(r -> {
            assertThat(r.getCostPriority()).isFalse();
            assertThat(Duration.between(r.getCreatedAt(), r.getDeadline())).isEqualTo(DemoSchedule.INTERACTIVE_DEADLINE);
        });
        assertThat(byClass.get("batch")).hasSize(900).allSatisfy(r -> {
            assertThat(r.getCostPriority()).isTrue();
            assertThat(r.getProviderPreference()).isEmpty();
            assertThat(Duration.between(r.getCreatedAt(), r.getDeadline())).isEqualTo(DemoSchedule.BATCH_DEADLINE);
        });
    }
}
