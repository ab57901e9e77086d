package io.beacon.router.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobTimersTest {

    @Test
    void shouldSortKeysByTimeWhateverTheJobIdsAre() {
        List<String> keys = new ArrayList<>(List.of(JobTimers.key(1_000, "zzz"), JobTimers.key(999, "~~~"),
                JobTimers.key(1_764_000_000_000L, "a"), JobTimers.key(1_000, "aaa")));

        keys.sort(null);

        assertThat(keys).extracting(JobTimers::time).containsExactly(999L, 1_000L, 1_000L, 1_764_000_000_000L);
    }

    @Test
    void shouldBoundARangeToTheKeysDueByAMoment() {
        String bound = JobTimers.upTo(1_000);

        assertThat(JobTimers.key(1_000, "\uffff-job")).isLessThanOrEqualTo(bound);
        assertThat(JobTimers.key(999, "job")).isLessThanOrEqualTo(bound);
        assertThat(JobTimers.key(1_001, "")).isGreaterThan(bound);
        assertThat(JobTimers.FIRST).isLessThanOrEqualTo(JobTimers.key(0, "job"));
    }

    @Test
    void shouldReadBackTheTimeAndTheJobId() {
        String key = JobTimers.key(1_764_244_800_123L, "job|with|bars");

        assertThat(JobTimers.time(key)).isEqualTo(1_764_244_800_123L);
        assertThat(JobTimers.jobId(key)).isEqualTo("job|with|bars");
    }

    @Test
    void shouldRefuseATimeBeforeTheEpoch() {
        assertThatThrownBy(() -> JobTimers.key(-1, "job")).isInstanceOf(IllegalArgumentException.class);
    }
}
