package io.mlcycle.bench.scale;

import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The single pod and the Spark engine under the same per-pod memory limit L: on a population the
 * pod trainer cannot hold in L (its RSS held to L by {@link RssSampler}, its heap {@code
 * MaxRAMPercentage=75} of L), trainer-spark runs with each executor pod held to L (its heap what
 * the Spark Operator's overhead leaves of L) and the driver, which never holds the table, to its
 * own limit. The pod trainer also runs without a limit, for the AUC both are compared on (the same
 * split) and for what it took.
 */
final class MemoryBoundary {

    private final ScaleBench bench;

    MemoryBoundary(ScaleBench bench) {
        this.bench = bench;
    }

    void run(Map<String, String> out) throws Exception {
        Options o = bench.options();
        Population pop =
                new Population(
                        o.boundaryEntities(),
                        o.boundaryFeatures(),
                        o.population().eventsPerEntity());
        Path data = bench.generate(pop);
        Summary pivot = ScaleBench.require(bench.pivotPod("boundary-pivot", data, o.podLimitMb()));
        FeatureInput table = Engines.table(data.getParent().resolve("boundary-pivot.store"));
        long limit = o.boundaryLimitMb();
        out.put("boundary_entities", ScaleBench.fmt(pivot.figures().get("entities")));
        out.put("boundary_features", ScaleBench.fmt(pivot.figures().get("features")));
        out.put("boundary_nonzeros", ScaleBench.fmt(pivot.figures().get("nonZeros")));
        out.put("boundary_limit_mb", String.valueOf(limit));
        out.put("boundary_driver_limit_mb", String.valueOf(o.boundaryDriverMb()));
        out.put("boundary_executor_overhead_mb", String.valueOf(o.boundaryOverheadMb()));

        Launch.Result free = bench.trainPod("boundary-pod-free", table, data, o.podLimitMb(), 0);
        Summary single = ScaleBench.require(free);
        Launch.Result held = bench.trainPod("boundary-pod-" + limit, table, data, limit, limit);
        System.out.printf(
                Locale.ROOT,
                "single pod at %d entities: %s under a %d MB pod limit (heap %d MB); without a"
                        + " limit it took %d MB%n",
                pop.entities(),
                outcome(held),
                limit,
                limit * Engines.TRAINER_HEAP_PERCENT / 100,
                free.peakMb("pod"));
        out.put("boundary_pod", held.succeeded() ? "completes" : "fails");
        out.put("boundary_pod_free_peak_mb", String.valueOf(free.peakMb("pod")));
        out.put("boundary_auc_single", ScaleBench.fmt4(single.figures().get("auc")));

        Map<Integer, Launch.Result> spark = new LinkedHashMap<>();
        Engines.SparkSizing sizing =
                Engines.SparkSizing.withOverhead(
                        o.boundaryDriverMb(), limit, o.boundaryOverheadMb());
        boolean sparkHeld = o.boundarySparkHeld();
        Launch.Limits sparkLimits =
                sparkHeld ? new Launch.Limits(o.boundaryDriverMb(), limit) : Launch.Limits.NONE;
        out.put("boundary_spark_limit", sparkHeld ? "held" : "none");
        for (int n : o.boundaryExecutors()) {
            Launch.Result r =
                    bench.trainSpark(
                            (sparkHeld ? "boundary-spark-" : "boundary-spark-free-") + n,
                            table,
                            data,
                            n,
                            sizing,
                            sparkLimits);
            System.out.printf(
                    Locale.ROOT,
                    "Spark, %d executor(s) each %s (heap %d MB), driver %s (heap %d MB): %s%n",
                    n,
                    sparkHeld ? "under " + limit + " MB" : "without a limit",
                    sizing.executorHeapMb(),
                    sparkHeld ? "under " + o.boundaryDriverMb() + " MB" : "without a limit",
                    sizing.driverHeapMb(),
                    outcome(r));
            spark.put(n, r);
        }
        sparkFigures(out, single, spark);
        scoring(out, table, free, limit);
    }

    /** Per executor count: completes or not, the largest executor's peak, the driver's, the AUC. */
    private void sparkFigures(
            Map<String, String> out, Summary single, Map<Integer, Launch.Result> spark) {
        StringBuilder outcome = new StringBuilder();
        StringBuilder executors = new StringBuilder();
        StringBuilder each = new StringBuilder();
        StringBuilder auc = new StringBuilder();
        long driver = 0;
        for (Map.Entry<Integer, Launch.Result> e : spark.entrySet()) {
            Launch.Result r = e.getValue();
            String sep = outcome.isEmpty() ? "" : "/";
            outcome.append(sep).append(e.getKey()).append(':').append(ScaleBench.seconds(r));
            executors.append(sep).append(e.getKey()).append(':').append(r.peakMb("executor"));
            each.append(sep).append(e.getKey()).append(':').append(r.peaksMb("executor"));
            Double a = r.succeeded() ? ScaleBench.require(r).figures().get("auc") : null;
            Double delta = a == null ? null : a - single.figures().get("auc");
            auc.append(sep).append(e.getKey()).append(':').append(ScaleBench.fmt4(delta));
            driver = Math.max(driver, r.peakMb("driver"));
        }
        out.put("boundary_spark_s_by_n", outcome.toString());
        out.put("boundary_executor_peak_mb_by_n", executors.toString());
        out.put("boundary_executor_peaks_mb_by_n", each.toString());
        out.put("boundary_auc_delta_by_n", auc.toString());
        out.put("boundary_driver_peak_mb", String.valueOf(driver));
    }

    /**
     * Batch scoring under the same limit: the pod scorer with the unlimited pod's model; whether it
     * runs out of memory under L says whether scoring has a boundary at this size.
     */
    private void scoring(
            Map<String, String> out, FeatureInput table, Launch.Result trained, long limit)
            throws Exception {
        Launch.Result held =
                bench.scorePod("boundary-score-" + limit, table, trained, limit, limit);
        System.out.printf(
                Locale.ROOT,
                "pod batch scoring of every entity: %s under a %d MB pod limit%n",
                outcome(held),
                limit);
        out.put("boundary_score_pod", held.succeeded() ? "completes" : "fails");
        out.put("boundary_score_pod_peak_mb", String.valueOf(held.peakMb("pod")));
    }

    private String outcome(Launch.Result r) throws Exception {
        return r.succeeded()
                ? "completes"
                : "does not complete (" + Launch.why(r, bench.work()) + ")";
    }
}
