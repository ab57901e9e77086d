package io.beacon.lab;

import io.beacon.lab.engine.LabOptions;
import io.beacon.lab.engine.PolicyResult;
import io.beacon.lab.engine.PolicyRun;
import io.beacon.lab.policy.LabPolicy;
import io.beacon.lab.report.ScenarioResult;
import io.beacon.lab.scenario.Scenario;
import io.beacon.lab.workload.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs scenarios against policies: each scenario's workload is generated once and every policy meets it on a
 * virtual clock of its own, in parallel on {@code threads} threads (runs share nothing). The results come back in
 * the order of the scenarios and policies given, whatever order the runs finish in.
 */
public final class PolicyLab {

    private final LabOptions options;
    private final int threads;

    public PolicyLab(LabOptions options, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        this.options = options;
        this.threads = threads;
    }

    /** @param progress told of each finished run (from the run's thread) */
    public List<ScenarioResult> run(List<Scenario> scenarios, List<LabPolicy> policies, Consumer<String> progress) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread t = new Thread(runnable, "policy-lab");
            t.setDaemon(true);
            return t;
        });
        try {
            List<List<Future<PolicyResult>>> pending = new ArrayList<>();
            for (Scenario scenario : scenarios) {
                Workload workload = Workload.generate(scenario);
                List<Future<PolicyResult>> runs = new ArrayList<>();
                for (LabPolicy policy : policies) {
                    runs.add(pool.submit(() -> {
                        PolicyResult result = new PolicyRun(scenario, workload, policy, options).run();
                        progress.accept(String.format(java.util.Locale.ROOT, "%s / %s: %d jobs, %.0f virtual s, %.1f s",
                                scenario.name(), policy.name(), result.jobs(), result.virtualSeconds(),
                                result.wallMillis() / 1000.0));
                        return result;
                    }));
                }
                pending.add(runs);
            }
            List<ScenarioResult> out = new ArrayList<>();
            for (int i = 0; i < scenarios.size(); i++) {
                List<PolicyResult> results = new ArrayList<>();
                for (Future<PolicyResult> run : pending.get(i)) {
                    results.add(run.get());
                }
                out.add(new ScenarioResult(scenarios.get(i).name(), scenarios.get(i).description(), results));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the lab was interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
    }
}
