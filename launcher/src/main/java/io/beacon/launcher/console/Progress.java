package io.beacon.launcher.console;

import io.beacon.schemas.avro.ProviderKind;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a run of jobs stands: what a person watching it wants on one line.
 *
 * @param elapsed            since the first job was sent
 * @param sent               jobs handed to Kafka so far
 * @param total              jobs the run will send
 * @param results            final results read so far (successes and failures)
 * @param failed             final results that are failures
 * @param succeededByProvider successful results per provider kind
 * @param costUsd            money billed so far: the cost ledger read so far (every attempt, idle capacity,
 *                           probes and fees), or the results' attempt costs when no ledger is read
 */
public record Progress(Duration elapsed, int sent, int total, int results, int failed,
                       Map<ProviderKind, Integer> succeededByProvider, double costUsd) {

    public Progress {
        succeededByProvider = succeededByProvider.isEmpty()
                ? Map.of() : Map.copyOf(new EnumMap<>(succeededByProvider));
    }

    /**
     * Time left at the pace results have arrived so far; empty until the first result (nothing to go by)
     * and zero once every job has its result.
     */
    public Optional<Duration> eta() {
        if (results >= total) {
            return Optional.of(Duration.ZERO);
        }
        if (results == 0) {
            return Optional.empty();
        }
        long perResultMillis = elapsed.toMillis() / results;
        return Optional.of(Duration.ofMillis(perResultMillis * (total - results)));
    }

    public int succeeded() {
        return results - failed;
    }
}
