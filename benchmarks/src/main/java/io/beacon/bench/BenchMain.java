package io.beacon.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of {@code ./benchmarks/run NAME}: dispatches to one benchmark by name. */
public final class BenchMain {

    /** A benchmark: runs, prints its table, writes {@code benchmarks/results/NAME.json}, returns an exit code. */
    public interface Benchmark {
        int run(String[] args) throws Exception;
    }

    private BenchMain() {
    }

    static Map<String, Benchmark> benchmarks() {
        Map<String, Benchmark> all = new LinkedHashMap<>();
        // Each benchmark registers itself here.
        return all;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Benchmark> all = benchmarks();
        if (args.length == 0 || !all.containsKey(args[0])) {
            System.err.println("usage: ./benchmarks/run NAME [args]; NAME is one of " + all.keySet());
            System.exit(2);
        }
        System.exit(all.get(args[0]).run(Arrays.copyOfRange(args, 1, args.length)));
    }
}
