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
 * @param main whether the main run (every engine on {@code population}) runs
 * @param boundaryEntities the population of the memory-boundary comparison (0: none)
 * @param boundaryFeatures its background event ids
 * @param boundaryLimitMb the limit L of the comparison: the single pod's and each executor pod's
 * @param boundaryDriverMb the Spark driver pod's limit in the comparison
 * @param boundaryOverheadMb the executors' {@code spark.executor.memoryOverhead} there: the part of
 *     L that is not heap
 * @param boundaryExecutors the comparison's Spark runs' executor counts
 * @param boundarySparkHeld whether those Spark runs are held to their limits ({@code no}: the same
 *     heaps without any RSS limit, to see what each executor takes as executors are added)
 * @param timeoutSeconds per run
 */
record Options(
        Population population,
        List<Integer> executors,
        long podLimitMb,
        long executorPodMb,
        boolean main,
        long boundaryEntities,
        int boundaryFeatures,
        long boundaryLimitMb,
        long boundaryDriverMb,
        long boundaryOverheadMb,
        List<Integer> boundaryExecutors,
        boolean boundarySparkHeld,
        long timeoutSeconds) {

    static final String USAGE =
            "usage: benchmarks/run scale [--entities N] [--features N] [--events-per-entity N]"
                    + " [--executors 2|1,2,3] [--pod-limit-mb N] [--executor-pod-mb N]"
                    + " [--main yes|no] [--boundary-entities N (0: skip)] [--boundary-features N]"
                    + " [--boundary-limit-mb N]"
                    + " [--boundary-driver-mb N] [--boundary-overhead-mb N]"
                    + " [--boundary-executors 1,2,3] [--boundary-spark-limit yes|no]"
                    + " [--timeout-s N]";

    /** The comparison's population, limit L and driver pod limit, as measured in the README. */
    static final long BOUNDARY_ENTITIES = 600_000;

    static final int BOUNDARY_FEATURES = 500;

    static final long BOUNDARY_LIMIT_MB = 1280;

    static final long BOUNDARY_DRIVER_MB = 1024;

    static final long BOUNDARY_OVERHEAD_MB = 768;

    static Options parse(String... args) {
        long entities = 100_000;
        int features = 5_000;
        int perEntity = 50;
        List<Integer> executors = List.of(2);
        long podLimit = 4096;
        long executorPod = 4096;
        boolean main = true;
        long boundary = BOUNDARY_ENTITIES;
        int boundaryFeatures = BOUNDARY_FEATURES;
        long boundaryLimit = BOUNDARY_LIMIT_MB;
        long boundaryDriver = BOUNDARY_DRIVER_MB;
        long boundaryOverhead = BOUNDARY_OVERHEAD_MB;
        List<Integer> boundaryExecutors = List.of(1, 2, 3);
        boolean boundarySparkHeld = true;
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
                case "--executors" -> executors = counts(flag, v);
                case "--pod-limit-mb" -> podLimit = positive(flag, v);
                case "--executor-pod-mb" -> executorPod = positive(flag, v);
                case "--main" -> main = yesNo(flag, v);
                case "--boundary-entities" -> boundary = nonNegative(flag, v);
                case "--boundary-features" -> boundaryFeatures = (int) positive(flag, v);
                case "--boundary-limit-mb" -> boundaryLimit = positive(flag, v);
                case "--boundary-driver-mb" -> boundaryDriver = positive(flag, v);
                case "--boundary-overhead-mb" -> boundaryOverhead = positive(flag, v);
                case "--boundary-executors" -> boundaryExecutors = counts(flag, v);
                case "--boundary-spark-limit" -> boundarySparkHeld = yesNo(flag, v);
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
                main,
                boundary,
                boundaryFeatures,
                boundaryLimit,
                boundaryDriver,
                boundaryOverhead,
                boundaryExecutors,
                boundarySparkHeld,
                timeout);
    }

    /** The executor count whose figures go into the BENCH line: 2 if run, else the first. */
    int benchExecutors() {
        return executors.contains(2) ? 2 : executors.get(0);
    }

    private static List<Integer> counts(String flag, String v) {
        List<Integer> out = new ArrayList<>();
        for (String s : v.split(",")) {
            out.add((int) positive(flag, s.trim()));
        }
        return List.copyOf(out);
    }

    private static boolean yesNo(String flag, String v) {
        return switch (v) {
            case "yes" -> true;
            case "no" -> false;
            default ->
                    throw new IllegalArgumentException(
                            flag + " must be yes or no, got '" + v + "'");
        };
    }

    private static long positive(String flag, String v) {
        long n = nonNegative(flag, v);
        if (n < 1) {
            throw new IllegalArgumentException(flag + " must be positive, got " + n);
        }
        return n;
    }

    private static long nonNegative(String flag, String v) {
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number, got '" + v + "'");
        }
        if (n < 0) {
            throw new IllegalArgumentException(flag + " must not be negative, got " + n);
        }
        return n;
    }
}
