package io.beacon.launcher.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

    @Test
    void shouldShowSentResultsFailedSharePerProviderCostAndEta() {
        // Given 40 of 60 results after 8 s, one failed, 39 successes split across the providers
        Progress progress = new Progress(Duration.ofSeconds(8), 60, 60, 40, 1,
                Map.of(ProviderKind.GOLEM, 27, ProviderKind.MODAL, 10, ProviderKind.RUNPOD, 2), 0.01234);

        // When it is formatted
        String line = ProgressLine.format(progress);

        // Then every figure is on the one line, shares of the successes, ETA at the pace so far (0.2 s a result)
        assertThat(line).isEqualTo(
                "[    8s] sent 60/60  results 40  failed 1  golem 69% modal 26% runpod 5%  cost $0.0123  ETA 4s");
    }

    @Test
    void shouldShowNoEtaBeforeTheFirstResultAndZeroOnceEveryJobHasOne() {
        Progress none = new Progress(Duration.ofSeconds(2), 30, 60, 0, 0, Map.of(), 0);
        Progress all = new Progress(Duration.ofSeconds(9), 60, 60, 60, 0, Map.of(ProviderKind.GOLEM, 60), 0.02);

        assertThat(ProgressLine.format(none)).endsWith("golem 0% modal 0% runpod 0%  cost $0.0000  ETA --");
        assertThat(ProgressLine.format(all)).endsWith("golem 100% modal 0% runpod 0%  cost $0.0200  ETA 0s");
    }

    @Test
    void shouldShowMinutesWhenTheEtaIsAMinuteOrMore() {
        Progress slow = new Progress(Duration.ofSeconds(10), 300, 300, 20, 0, Map.of(ProviderKind.MODAL, 20), 0);

        assertThat(ProgressLine.format(slow)).endsWith("ETA 2m20s");
    }

    @Test
    void shouldCutTheLineShortOfTheTerminalWidthSoARedrawNeverWraps() {
        String line = "x".repeat(100);

        assertThat(ProgressLine.fit(line, 80)).hasSize(79);
        assertThat(ProgressLine.fit("short", 80)).isEqualTo("short");
        assertThat(ProgressLine.fit(line, 0)).isEqualTo(line);
    }
}
