package io.mlcycle.bench.scale;

import io.mlcycle.task.FeatureInput;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where the single pod's memory runs out, and whether the Spark engine still completes there. On a
 * smaller population (each probe is a whole training run), the pod trainer runs under a pod memory
 * limit (heap {@code MaxRAMPercentage=75} of it, RSS held to it by {@link RssSampler}); bisection
 * finds the smallest limit it completes under. Then trainer-spark runs with its driver and each
 * executor under the largest limit the pod failed at: the driver assembles the table as the pod
 * does, the executors hold the boosting's copy of the rows, each in its own pod.
 */
final class MemoryBoundary {

    private final ScaleBench bench;

    MemoryBoundary(ScaleBench bench) {
        this.bench = bench;
    }

    void run(Map<String, String> out) throws Exception {
        Options o = bench.options();
        Population main = o.population();
        Population small =
                new Population(o.boundaryEntities(), main.features(), main.eventsPerEntity());
        Path data = bench.generate(small);
        Launch.Result pivot = bench.pivotPod("boundary-pivot", data, o.podLimitMb(), 0);
        ScaleBench.require(pivot);
        FeatureInput table = Engines.table(data.getParent().resolve("boundary-pivot.store"));
        // unlimited first: the RSS the pod trainer reaches with the 4 GiB pod's heap
        Launch.Result free = bench.trainPod("boundary-free", table, data, o.podLimitMb(), 0);
        ScaleBench.require(free);
        long peak = free.peakMb("pod");
        long step = Math.max(64, peak / 16);
        Boundary.Found found =
                Boundary.search(
                        Math.max(256, peak / 4),
                        peak + step,
                        step,
                        limit ->
                                bench.trainPod("boundary-pod-" + limit, table, data, limit, limit)
                                        .succeeded());
        System.out.printf(
                Locale.ROOT,
                "single pod at %d entities: completes under a %d MB pod limit, runs out of memory"
                        + " under %d MB (tried: %s)%n",
                small.entities(),
                found.firstFittingMb(),
                found.lastFailingMb(),
                String.join(", ", found.tried()));
        out.put("boundary_entities", String.valueOf(small.entities()));
        out.put("boundary_pod_fits_mb", String.valueOf(found.firstFittingMb()));
        out.put("boundary_pod_fails_mb", String.valueOf(found.lastFailingMb()));
        if (found.lastFailingMb() <= 0) {
            out.put("boundary_spark", "NA");
            return;
        }
        long limit = found.lastFailingMb();
        Engines.SparkSizing sizing = Engines.SparkSizing.forPodLimit(limit, limit);
        Launch.Result spark =
                bench.trainSpark("boundary-spark-" + limit, table, data, 2, sizing, limit);
        System.out.printf(
                Locale.ROOT,
                "Spark, 2 executors, driver and each executor under the same %d MB limit"
                        + " (driver heap %d MB, executor heap %d MB): %s%n",
                limit,
                sizing.driverHeapMb(),
                sizing.executorHeapMb(),
                spark.succeeded()
                        ? "completes"
                        : "does not complete (" + Launch.why(spark, bench.work()) + ")");
        out.put("boundary_spark", spark.succeeded() ? "completes" : "fails");
        out.put("boundary_spark_driver_peak_mb", String.valueOf(spark.peakMb("driver")));
        out.put("boundary_spark_executor_peak_mb", String.valueOf(spark.peakMb("executor")));
    }
}
