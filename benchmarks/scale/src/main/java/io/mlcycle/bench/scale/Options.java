package io.mlcycle.bench.scale;

import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's knobs ({@code benchmarks/run scale --help}).
 *
 * @param population the main run's population
 * @param executors the Spark runs' executor counts (the BENCH line's Spark figures are of the count
 *     closest to 2)
 * @param podLimitMb the single pods' memory limit (their heap is derived from it)
 * @param executorPodMb each Spark executor pod's memory limit
 * @param boundaryEntities the population of the memory-boundary search (0: none)
 * @param timeoutSeconds per run
 */
record Options(
        Population population,
        List<Integer> executors,
        long podLimitMb,
        long executorPodMb,
        long boundaryEntities,
        long timeoutSeconds) {

    static final String USAGE =
            "usage: benchmarks/run scale [--entities N] [--features N] [--events-per-entity N]"
                    + " [--executors 2|1,2,3] [--pod-limit-mb N] [--executor-pod-mb N]"
                    + " [--boundary-entities N (0: skip)] [--timeout-s N]";

    static Options parse(String... args) {
        long entities = 100_000;
        int features = 5_000;
        int perEntity = 50;
        List<Integer> executors = List.of(2);
        long podLimit = 4096;
        long executorPod = 4096;
        long boundary = -1;
        long timeout = 1800;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value; " + USAGE);
            }
            String v = args[++i];
            switch (flag) {
                case "--entities" -> entities = positive(flag, v);
                case "--features" -> features = (int) positive(flag, v);
                case "--events-per-entity" -> perEntity = (int) positive(flag, v);
                case "--executors" -> executors = counts(v);
                case "--pod-limit-mb" -> podLimit = positive(flag, v);
                case "--executor-pod-mb" -> executorPod = positive(flag, v);
                case "--boundary-entities" -> boundary = Long.parseLong(v);
                case "--timeout-s" -> timeout = positive(flag, v);
                default ->
                        throw new IllegalArgumentException("unknown flag " + flag + "; " + USAGE);
            }
        }
        return new Options(
                new Population(entities, features, perEntity),
                executors,
                podLimit,
                executorPod,
                boundary < 0 ? entities / 4 : boundary,
                timeout);
    }

    /** The executor count whose figures go into the BENCH line: 2 if run, else the first. */
    int benchExecutors() {
        return executors.contains(2) ? 2 : executors.get(0);
    }

    private static List<Integer> counts(String v) {
        List<Integer> out = new ArrayList<>();
        for (String s : v.split(",")) {
            out.add((int) positive("--executors", s.trim()));
        }
        return List.copyOf(out);
    }

    private static long positive(String flag, String v) {
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number, got '" + v + "'");
        }
        if (n < 1) {
            throw new IllegalArgumentException(flag + " must be positive, got " + n);
        }
        return n;
    }
}
