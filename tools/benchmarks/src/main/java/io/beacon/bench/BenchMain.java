package io.beacon.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of {@code ./tools/benchmarks/run NAME}: dispatches to one benchmark by name. */
public final class BenchMain {

    /** A benchmark: runs, prints its table, writes {@code tools/benchmarks/results/NAME.json}, returns an exit code. */
    public interface Benchmark {
        int run(String[] args) throws Exception;
    }

    private BenchMain() {
    }

    /** Benchmark name to implementing class (a public no-argument constructor). */
    static Map<String, String> benchmarks() {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("router", "io.beacon.bench.RouterBenchmark");
        all.put("worker", "io.beacon.bench.WorkerBenchmark");
        all.put("facade", "io.beacon.bench.FacadeBenchmark");
        return all;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> all = benchmarks();
        if (args.length == 0 || !all.containsKey(args[0])) {
            System.err.println("usage: ./tools/benchmarks/run NAME [args]; NAME is one of " + all.keySet());
            System.exit(2);
        }
        Benchmark benchmark = (Benchmark) Class.forName(all.get(args[0])).getDeclaredConstructor().newInstance();
        System.exit(benchmark.run(Arrays.copyOfRange(args, 1, args.length)));
    }
}
