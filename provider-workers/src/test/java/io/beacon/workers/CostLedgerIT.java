package io.beacon.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.awaitility.Awaitility.await;
import io.beacon.schemas.avro.CostEntry;
import io.beacon.schemas.avro.CostKind;
import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.RoutedJob;
import io.beacon.schemas.topics.Topics;
import io.beacon.sim.ProviderSimulator;
import io.beacon.sim.SimCredentials;
import io.beacon.sim.SimProvider;
import io.beacon.testsupport.IsolatedRun;
import io.beacon.testsupport.TopicReader;
import io.beacon.workers.core.DeploymentEndpoint;
import io.beacon.workers.core.ProviderSecrets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A real Golem worker against a simulator on a real broker: the cost-ledger topic gets one ATTEMPT entry per
 * attempt with the attempt's cost, IDLE entries for the lease, a FEE for its start, and the ledger sums to the
 * lease's cost from its start to the worker's close (independently computed, within 1%). The simulator's own
 * billed figures are not asserted (its billing is changed elsewhere).
 */
class CostLedgerIT {

    private static final double PRICE = 0.001;
    private static final double FEE = 0.01;

    @Test
    void shouldLedgerEveryAttemptTheIdleLeaseAndItsFee() throws Exception {
        try (IsolatedRun run = IsolatedRun.start("cost-ledger-it");
             ProviderSimulator node = Sims.start("golem-cost-it", SimProvider.GOLEM, Duration.ofMillis(80), 2,
                     SimCredentials.none())) {
            Map<String, String> settings = run.settings();
            settings.put("provider", "golem");
            settings.put("consumer.group", run.workerGroup(ProviderKind.GOLEM));
            settings.put("worker.id", "golem-cost-it-worker");
            settings.put("heartbeat.interval.ms", "250");
            settings.put("probe.interval.ms", "250");
            settings.put("deployments", "golem-cost-it=" + node.baseUrl() + ";region=eu;price=" + PRICE
                    + ";capacity=2;start_fee=" + FEE);
            WorkerConfig config = WorkerConfig.load(null, Map.of(), settings);
            Topics topics = run.topics();
            ProviderWorker worker = WorkerApp.start(config, config.deployments(Map.of()), ProviderSecrets.none());
            Map<String, JobAttempt> attempts = new HashMap<>();
            List<CostEntry> ledger = new ArrayList<>();
            try (KafkaProducer<String, RoutedJob> jobs = run.producer(topics.providerJobs(ProviderKind.GOLEM));
                 TopicReader<String, JobAttempt> attemptReader = run.reader(topics.attempts());
                 TopicReader<String, CostEntry> ledgerReader = run.reader(topics.costLedger())) {
                DeploymentEndpoint d = worker.deployments().get(0);
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    String id = "cost-it-" + i + "-" + UUID.randomUUID();
                    ids.add(id);
                    jobs.send(new ProducerRecord<>(topics.providerJobs(ProviderKind.GOLEM).name(), id,
                            TestJobs.promptJob(id, d, Instant.now().plusSeconds(60)))).get();
                }
                await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
                    attemptReader.poll().forEach(r -> attempts.put(r.value().getJobId(), r.value()));
                    return attempts.keySet().containsAll(ids);
                });
                // The lease keeps accruing while nothing runs: wait until the ledger holds idle time of it
                ledgerReader.awaitMatching(r -> r.value().getKind() == CostKind.IDLE, 1, Duration.ofSeconds(30));
                worker.close(Duration.ofSeconds(10));
                // The worker drains its ledger on close; read everything written before it closed
                ledgerReader.readToEnd(Duration.ofSeconds(30)).forEach(r -> {
                    assertThat(r.key()).isEqualTo(r.value().getDeploymentId());
                    ledger.add(r.value());
                });

                // One ATTEMPT entry per attempt, with the attempt's cost
                for (String id : ids) {
                    JobAttempt a = attempts.get(id);
                    assertThat(ledger).filteredOn(e -> e.getKind() == CostKind.ATTEMPT && id.equals(e.getJobId()))
                            .singleElement().satisfies(e -> {
                                assertThat(e.getAmountUsd()).isEqualTo(a.getCostEstimateUsd());
                                assertThat(e.getOutcome()).isEqualTo(a.getOutcome());
                            });
                    assertThat(a.getCostEstimateUsd()).isPositive();
                }
                // The idle lease is in the ledger
                assertThat(ledger).filteredOn(e -> e.getKind() == CostKind.IDLE).isNotEmpty();
                // Everything sums to the lease from its start (the fee's instant) to the last accounted instant
                CostEntry fee = ledger.stream().filter(e -> e.getKind() == CostKind.FEE).findFirst().orElseThrow();
                Instant end = ledger.stream().map(CostEntry::getPeriodEnd).max(Instant::compareTo).orElseThrow();
                double expected = Duration.between(fee.getPeriodStart(), end).toMillis() / 1000.0 * PRICE + FEE;
                double total = ledger.stream().mapToDouble(CostEntry::getAmountUsd).sum();
                assertThat(total).isCloseTo(expected, withinPercentage(1));
            } finally {
                worker.close(Duration.ofSeconds(10));
            }
        }
    }
}
