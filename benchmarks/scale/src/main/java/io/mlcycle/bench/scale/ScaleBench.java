package io.mlcycle.bench.scale;

import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One population through the single-pod engines and the Spark engines: the pivot (DuckDB vs
 * pivot-spark), XGBoost training on the same table and split (the pod trainer vs trainer-spark),
 * batch scoring (the server's BatchScore and scorer-spark), then the single pod's memory boundary
 * on a smaller population. Prints the {@code BENCH} line last.
 */
public final class ScaleBench {

    private final Options o;
    private final Path work;
    private final Engines engines;
    private final Path sparkHome;
    private final Map<String, String> env;

    private ScaleBench(Options o, Path work, Path root) throws Exception {
        this.o = o;
        this.work = work;
        this.engines = new Engines(root);
        this.sparkHome = Engines.sparkHome(work);
        this.env =
                Map.of(
                        "SPARK_HOME",
                        sparkHome.toString(),
                        "SPARK_SCALA_VERSION",
                        "2.12",
                        "SPARK_LOCAL_IP",
                        "127.0.0.1",
                        io.mlcycle.task.PodEnv.STAGE_DIR,
                        work.resolve("stage").toString());
    }

    /** Args: work dir, repository root, then the flags of {@link Options}. */
    public static void main(String[] args) throws Exception {
        Options o = Options.parse(java.util.Arrays.copyOfRange(args, 2, args.length));
        Path work = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(work);
        new ScaleBench(o, work, Path.of(args[1]).toAbsolutePath()).run();
    }

    private void run() throws Exception {
        System.out.println(Machine.describe());
        System.out.println(
                "engines: the runtime jars with the task JSON each pod gets (MLCYCLE_TASK), heaps"
                        + " derived from a "
                        + o.podLimitMb()
                        + " MB pod limit as the images do; Spark as spark-submit-equivalent"
                        + " processes (SparkSubmit, master local-cluster: executor JVMs are child"
                        + " processes of the driver), not local mode's k8s:// cluster-mode path");
        Map<String, String> bench = new LinkedHashMap<>();
        if (o.main()) {
            runMain(bench);
        }
        if (o.boundaryEntities() > 0) {
            new MemoryBoundary(this).run(bench);
        }
        bench.put("load1", Machine.load1());
        bench.put("spark_mode", "local-cluster");
        StringBuilder line = new StringBuilder("BENCH scale");
        bench.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
    }

    /** Every engine on the main population, the same table and split for both trainers. */
    private void runMain(Map<String, String> bench) throws Exception {
        Population p = o.population();
        Path data = generate(p);

        Launch.Result pivotPod = pivotPod("pivot-pod", data, o.podLimitMb());
        Summary pivot = require(pivotPod);
        bench.put("entities", fmt(pivot.figures().get("entities")));
        bench.put("features", fmt(pivot.figures().get("features")));
        bench.put("nonzeros", fmt(pivot.figures().get("nonZeros")));
        bench.put("log_rows", fmt(pivot.figures().get("sourceRows")));
        FeatureInput table = Engines.table(work.resolve("pivot-pod.store"));

        Map<Integer, Launch.Result> pivotSpark = new LinkedHashMap<>();
        for (int n : o.executors()) {
            Launch.Result r = pivotSpark("pivot-spark-" + n, data, n);
            Summary s = require(r);
            check(
                    "pivot-spark-" + n + " nonZeros",
                    s.figures().get("nonZeros"),
                    pivot.figures().get("nonZeros"));
            pivotSpark.put(n, r);
        }

        Launch.Result trainPod = trainPod("train-pod", table, data, o.podLimitMb(), 0);
        Summary single = require(trainPod);
        Map<Integer, Launch.Result> trainSpark = new LinkedHashMap<>();
        for (int n : o.executors()) {
            Engines.SparkSizing sizing =
                    Engines.SparkSizing.forPodLimit(o.podLimitMb(), o.executorPodMb());
            // a Spark run that fails (an executor out of memory) is a result, not the end
            trainSpark.put(
                    n, trainSpark("train-spark-" + n, table, data, n, sizing, Launch.Limits.NONE));
        }

        Launch.Result scorePod = scorePod("score-pod", table, trainPod, o.podLimitMb(), 0);
        require(scorePod);
        Launch.Result scoreSpark = scoreSpark(table, single);
        if (scoreSpark.succeeded()) {
            check(
                    "score-spark rows",
                    require(scoreSpark).figures().get("rows"),
                    require(scorePod).figures().get("rows"));
        }

        sparkFigures(bench, single, pivotPod, trainPod, scorePod, pivotSpark, trainSpark);
        bench.put("score_spark_s", seconds(scoreSpark));
        bench.put("score_spark_executor_peak_mb", String.valueOf(scoreSpark.peakMb("executor")));
    }

    /** The single pod's and the Spark engine's figures of the BENCH line. */
    private void sparkFigures(
            Map<String, String> bench,
            Summary single,
            Launch.Result pivotPod,
            Launch.Result trainPod,
            Launch.Result scorePod,
            Map<Integer, Launch.Result> pivotSpark,
            Map<Integer, Launch.Result> trainSpark) {
        int n = o.benchExecutors();
        Launch.Result sparkRun = trainSpark.get(n);
        Double aucSpark = sparkRun.succeeded() ? require(sparkRun).figures().get("auc") : null;
        bench.put("single_pod_peak_mb", String.valueOf(maxPeak(pivotPod, trainPod, scorePod)));
        bench.put(
                "spark_driver_peak_mb",
                String.valueOf(
                        Math.max(
                                pivotSpark.get(n).peakMb("driver"),
                                trainSpark.get(n).peakMb("driver"))));
        bench.put(
                "spark_executor_peak_mb",
                String.valueOf(
                        Math.max(
                                pivotSpark.get(n).peakMb("executor"),
                                trainSpark.get(n).peakMb("executor"))));
        bench.put("spark_executors", String.valueOf(n));
        bench.put("auc_single", fmt4(single.figures().get("auc")));
        bench.put("auc_spark", fmt4(aucSpark));
        bench.put(
                "auc_delta",
                aucSpark == null ? "NA" : fmt4(aucSpark - single.figures().get("auc")));
        bench.put("pivot_single_s", fmt1(pivotPod.seconds()));
        bench.put("pivot_spark_s", fmt1(pivotSpark.get(n).seconds()));
        bench.put("train_single_s", fmt1(trainPod.seconds()));
        bench.put("train_spark_s", seconds(sparkRun));
        bench.put("score_single_s", fmt1(scorePod.seconds()));
        bench.put("score_single_peak_mb", String.valueOf(scorePod.peakMb("pod")));
        if (o.executors().size() > 1) {
            StringBuilder byN = new StringBuilder();
            for (int k : o.executors()) {
                byN.append(byN.isEmpty() ? "" : "/")
                        .append(k)
                        .append(':')
                        .append(trainSpark.get(k).peakMb("executor"));
            }
            bench.put("train_executor_peak_mb_by_n", byN.toString());
        }
    }

    /**
     * Batch scoring on Spark (ModelDeployment {@code spec.batch.engine: spark}): scorer-spark with
     * the benchmark's executors scoring the single pod's model, as {@link #trainSpark} runs
     * trainer-spark; a failed run is a result, not the end.
     */
    private Launch.Result scoreSpark(FeatureInput table, Summary trained) throws Exception {
        Path out = work.resolve("score-spark.out");
        Population.deleteRecursively(out);
        String digest = String.valueOf(trained.details().get("artifactDigest"));
        return report(
                Launch.run(
                        "score-spark",
                        engines.spark(
                                "scorer-spark",
                                "scorer-spark.jar",
                                "io.mlcycle.scorer.spark.Main",
                                o.benchExecutors(),
                                Engines.SparkSizing.forPodLimit(o.podLimitMb(), o.executorPodMb()),
                                sparkHome),
                        Engines.scoreTask(table, work.resolve("train-pod.model"), digest, out),
                        env,
                        work,
                        "driver",
                        Launch.Limits.NONE,
                        o.timeoutSeconds()));
    }

    Path generate(Population p) throws Exception {
        Path data = work.resolve(p.name());
        long t0 = System.nanoTime();
        boolean fresh = !Files.exists(data.resolve("_DONE"));
        p.generate(data);
        System.out.printf(
                Locale.ROOT,
                "population %s: %s in %.1f s (%s)%n",
                p.name(),
                data,
                (System.nanoTime() - t0) / 1e9,
                fresh ? "generated" : "reused");
        return data;
    }

    Launch.Result pivotPod(String name, Path data, long podLimitMb) throws Exception {
        Path store = work.resolve(name + ".store");
        Population.deleteRecursively(store);
        return report(
                Launch.run(
                        name,
                        engines.pod("pivot", "pivot.jar", podLimitMb, Engines.PIVOT_HEAP_PERCENT),
                        Engines.pivotTask(
                                Population.sourceTemplate(data), store.toUri().toString()),
                        env,
                        work,
                        "pod",
                        Launch.Limits.NONE,
                        o.timeoutSeconds()));
    }

    private Launch.Result pivotSpark(String name, Path data, int executors) throws Exception {
        Path store = work.resolve(name + ".store");
        Population.deleteRecursively(store);
        Engines.SparkSizing sizing =
                Engines.SparkSizing.forPodLimit(o.podLimitMb(), o.executorPodMb());
        return report(
                Launch.run(
                        name,
                        engines.spark(
                                "pivot-spark",
                                "pivot-spark.jar",
                                "io.mlcycle.pivot.spark.Main",
                                executors,
                                sizing,
                                sparkHome),
                        Engines.pivotTask(
                                Population.sourceTemplate(data), store.toUri().toString()),
                        env,
                        work,
                        "driver",
                        Launch.Limits.NONE,
                        o.timeoutSeconds()));
    }

    Launch.Result trainPod(
            String name, FeatureInput table, Path data, long podLimitMb, long enforceMb)
            throws Exception {
        Path model = work.resolve(name + ".model");
        Population.deleteRecursively(model);
        return report(
                Launch.run(
                        name,
                        engines.pod(
                                "trainer", "trainer.jar", podLimitMb, Engines.TRAINER_HEAP_PERCENT),
                        Engines.trainTask(table, Population.labels(data), model),
                        env,
                        work,
                        "pod",
                        Launch.Limits.all(enforceMb),
                        o.timeoutSeconds()));
    }

    Launch.Result trainSpark(
            String name,
            FeatureInput table,
            Path data,
            int executors,
            Engines.SparkSizing sizing,
            Launch.Limits limits)
            throws Exception {
        Path model = work.resolve(name + ".model");
        Population.deleteRecursively(model);
        return report(
                Launch.run(
                        name,
                        engines.spark(
                                "trainer-spark",
                                "trainer-spark.jar",
                                "io.mlcycle.trainer.spark.Main",
                                executors,
                                sizing,
                                sparkHome),
                        Engines.trainTask(table, Population.labels(data), model),
                        env,
                        work,
                        "driver",
                        limits,
                        o.timeoutSeconds()));
    }

    /** Batch scoring of every entity with the model the pod trainer run {@code trainRun} wrote. */
    Launch.Result scorePod(
            String name,
            FeatureInput table,
            Launch.Result trainRun,
            long podLimitMb,
            long enforceMb)
            throws Exception {
        Path out = work.resolve(name + ".out");
        Population.deleteRecursively(out);
        Path model = work.resolve(trainRun.name() + ".model");
        String digest = String.valueOf(require(trainRun).details().get("artifactDigest"));
        return report(
                Launch.run(
                        name,
                        engines.pod(
                                "server", "server.jar", podLimitMb, Engines.TRAINER_HEAP_PERCENT),
                        Engines.scoreTask(table, model, digest, out),
                        env,
                        work,
                        "pod",
                        Launch.Limits.all(enforceMb),
                        o.timeoutSeconds()));
    }

    Options options() {
        return o;
    }

    Path work() {
        return work;
    }

    private static Launch.Result report(Launch.Result r) {
        System.out.printf(
                Locale.ROOT,
                "%-16s %s in %.1f s, peak RSS: %s; load %s%n",
                r.name(),
                r.succeeded()
                        ? "completed"
                        : r.oomKilled()
                                ? "OUT OF MEMORY (" + r.oomRole() + ")"
                                : r.timedOut() ? "TIMED OUT" : "FAILED (exit " + r.exit() + ")",
                r.seconds(),
                r.peaksText(),
                Machine.load1());
        return r;
    }

    static Summary require(Launch.Result r) {
        if (!r.succeeded() || r.summary().isBlank()) {
            throw new IllegalStateException(
                    r.name() + " did not complete; its log: " + r.name() + ".log; " + r.summary());
        }
        Summary s = TaskJson.readSummary(r.summary());
        if (s.outcome() != Summary.Outcome.Succeeded) {
            throw new IllegalStateException(
                    r.name() + " ended " + s.outcome() + ": " + s.message());
        }
        return s;
    }

    private static void check(String what, Double got, Double expected) {
        if (got == null || !got.equals(expected)) {
            throw new IllegalStateException(what + " is " + got + ", the single pod's " + expected);
        }
    }

    private static long maxPeak(Launch.Result... rs) {
        long m = 0;
        for (Launch.Result r : rs) {
            m = Math.max(m, r.peakMb("pod"));
        }
        return m;
    }

    /** Seconds of a completed run, or why it did not complete. */
    static String seconds(Launch.Result r) {
        if (r.succeeded()) {
            return fmt1(r.seconds());
        }
        return r.oomKilled()
                ? "out_of_memory:" + r.oomRole().replace(' ', '_')
                : r.timedOut() ? "timed_out" : "failed";
    }

    static String fmt(Double d) {
        return d == null ? "NA" : String.valueOf(Math.round(d));
    }

    static String fmt1(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    static String fmt4(Double d) {
        return d == null ? "NA" : String.format(Locale.ROOT, "%.4f", d);
    }
}
