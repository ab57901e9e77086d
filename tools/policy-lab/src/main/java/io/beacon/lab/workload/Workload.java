package io.beacon.lab.workload;

import io.beacon.lab.scenario.Scenario;
import io.beacon.lab.scenario.Scenario.Arrivals;
import io.beacon.lab.scenario.Scenario.JobClass;
import io.beacon.lab.scenario.Scenario.Stream;
import io.beacon.schemas.avro.ProviderKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A scenario's jobs, generated once from its seed and shared by every policy of a lab run, so that all of
 * them meet exactly the same jobs at the same instants. Streams are merged in time until the scenario's job
 * count is reached.
 */
public final class Workload {

    private final List<JobSpec> jobs;

    private Workload(List<JobSpec> jobs) {
        this.jobs = List.copyOf(jobs);
    }

    public List<JobSpec> jobs() {
        return jobs;
    }

    public JobSpec job(int index) {
        return jobs.get(index);
    }

    public int size() {
        return jobs.size();
    }

    /** The last arrival, in virtual nanoseconds from the first instant of the workload. */
    public long lastArrivalNanos() {
        return jobs.isEmpty() ? 0 : jobs.get(jobs.size() - 1).arrivalNanos();
    }

    public static Workload generate(Scenario scenario) {
        List<Source> sources = new ArrayList<>();
        for (int i = 0; i < scenario.streams().size(); i++) {
            sources.add(new Source(scenario.streams().get(i), new Random(scenario.seed() * 31 + i)));
        }
        PriorityQueue<Source> next = new PriorityQueue<>((a, b) -> a.nextNanos != b.nextNanos
                ? Long.compare(a.nextNanos, b.nextNanos) : Integer.compare(sources.indexOf(a), sources.indexOf(b)));
        for (Source s : sources) {
            s.advance();
            next.add(s);
        }
        List<JobSpec> out = new ArrayList<>(scenario.jobs());
        while (out.size() < scenario.jobs()) {
            Source s = next.poll();
            out.add(s.job(out.size()));
            s.advance();
            next.add(s);
        }
        return new Workload(out);
    }

    /** One stream's arrival process and job mix, each with its own random source. */
    private static final class Source {
        private final Stream stream;
        private final Random random;
        private final double totalWeight;
        private long nextNanos = -1;
        private int leftInBatch;
        private long batchIndex;

        Source(Stream stream, Random random) {
            this.stream = stream;
            this.random = random;
            this.totalWeight = stream.mix().stream().mapToDouble(JobClass::weight).sum();
        }

        void advance() {
            Arrivals a = stream.arrivals();
            switch (a.process()) {
                case POISSON -> nextNanos = Math.max(0, nextNanos) + exponential(a.ratePerSecond());
                case DIURNAL -> {
                    // Thinning: draw at the peak rate, keep each draw with the rate's share of the peak then.
                    double swing = (a.peakToTrough() - 1) / (a.peakToTrough() + 1);
                    double peak = a.ratePerSecond() * (1 + swing);
                    long t = Math.max(0, nextNanos);
                    do {
                        t += exponential(peak);
                    } while (random.nextDouble() * peak > rate(a, swing, t));
                    nextNanos = t;
                }
                case BURSTS -> {
                    double peak = a.ratePerSecond() * a.burstFactor();
                    long t = Math.max(0, nextNanos);
                    do {
                        t += exponential(peak);
                    } while (random.nextDouble() * peak > burstRate(a, t));
                    nextNanos = t;
                }
                case BATCHES -> {
                    if (leftInBatch == 0) {
                        nextNanos = a.firstAt().toNanos() + batchIndex * a.every().toNanos();
                        batchIndex++;
                        leftInBatch = a.batchSize();
                    }
                    leftInBatch--;
                    if (nextNanos < 0) {
                        nextNanos = 0;
                    }
                }
                default -> throw new IllegalStateException("unknown process " + a.process());
            }
        }

        private static double rate(Arrivals a, double swing, long t) {
            double phase = 2 * Math.PI * t / (double) a.period().toNanos();
            return a.ratePerSecond() * (1 + swing * Math.sin(phase));
        }

        private static double burstRate(Arrivals a, long t) {
            long since = t - a.firstAt().toNanos();
            boolean inBurst = since >= 0 && since % a.every().toNanos() < a.burstLength().toNanos();
            return inBurst ? a.ratePerSecond() * a.burstFactor() : a.ratePerSecond();
        }

        private long exponential(double perSecond) {
            return Math.round(-Math.log(1 - random.nextDouble()) / perSecond * 1e9);
        }

        JobSpec job(int index) {
            JobClass c = pickClass();
            String model = pick(c.models());
            int maxTokens = Integer.parseInt(pick(toText(c.maxTokens())));
            int natural = c.outputTokensMin() + random.nextInt(c.outputTokensMax() - c.outputTokensMin() + 1);
            String region = pick(c.regions());
            String order = pick(c.providerPreference());
            List<ProviderKind> preference = new ArrayList<>();
            if (!order.equals("none")) {
                for (String p : order.split(",")) {
                    preference.add(ProviderKind.valueOf(p.trim().toUpperCase(Locale.ROOT)));
                }
            }
            return new JobSpec(index, nextNanos, model, maxTokens, Math.min(maxTokens, natural), c.costPriority(),
                    c.latencyClass(), c.deadline().toNanos(), region.equals("none") ? null : region,
                    List.copyOf(preference));
        }

        private JobClass pickClass() {
            double roll = random.nextDouble() * totalWeight;
            for (JobClass c : stream.mix()) {
                roll -= c.weight();
                if (roll < 0) {
                    return c;
                }
            }
            return stream.mix().get(stream.mix().size() - 1);
        }

        private String pick(Map<String, Double> weights) {
            double total = 0;
            for (double w : weights.values()) {
                total += w;
            }
            double roll = random.nextDouble() * total;
            String last = null;
            for (Map.Entry<String, Double> e : weights.entrySet()) {
                roll -= e.getValue();
                last = e.getKey();
                if (roll < 0) {
                    return e.getKey();
                }
            }
            return last;
        }

        private static Map<String, Double> toText(Map<Integer, Double> weights) {
            Map<String, Double> out = new java.util.LinkedHashMap<>();
            weights.forEach((k, v) -> out.put(Integer.toString(k), v));
            return out;
        }
    }
}
