package io.mlcycle.bench.scale;

import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.Layout;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command lines and tasks of each engine, as the pods run them: the runtime jars the images
 * carry, the JVM heap each image's entrypoint derives from its pod's memory limit, and for Spark
 * the runtime's {@code Main} under {@code SparkSubmit} with the driver and executor settings a
 * SparkApplication gets. Spark runs with master {@code local-cluster[N,cores,MB]}: Spark's own
 * standalone launcher starts N executor JVMs ({@code CoarseGrainedExecutorBackend}) as child
 * processes of the driver, each with {@code spark.executor.memory} as its heap; on Kubernetes the
 * same executors run as pods ({@code KubernetesExecutorBackend}).
 */
final class Engines {

    /** The pivot image's entrypoint: {@code -XX:MaxRAMPercentage=25} of the pod's limit. */
    static final int PIVOT_HEAP_PERCENT = 25;

    /** The trainer's and server's entrypoints: {@code -XX:MaxRAMPercentage=75}. */
    static final int TRAINER_HEAP_PERCENT = 75;

    static final String[] JDK17_OPENS = {
        "-XX:+IgnoreUnrecognizedVMOptions",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.net=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
        "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
        "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
        "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
        "-Djdk.reflect.useDirectMethodHandle=false"
    };

    private final Path root;

    /**
     * @param root the repository (runtime jars under runtime-images/NAME/target)
     */
    Engines(Path root) {
        this.root = root;
    }

    Path jar(String module, String name) {
        return root.resolve("runtime-images").resolve(module).resolve("target").resolve(name);
    }

    /** A single-pod runtime: {@code java -Xmx<percent of limit> -jar <runtime>.jar}. */
    List<String> pod(String module, String jar, long podLimitMb, int heapPercent) {
        long heap = podLimitMb * heapPercent / 100;
        return List.of(
                "java",
                "-Xmx" + heap + "m",
                "-Dai.djl.offline=true",
                "-jar",
                jar(module, jar).toString());
    }

    /**
     * A Spark runtime's driver under spark-submit (client deploy mode in the driver's process, as
     * the Spark images' entrypoint runs it) with {@code executors} executors.
     */
    List<String> spark(
            String module,
            String jar,
            String mainClass,
            int executors,
            SparkSizing sizing,
            Path sparkHome) {
        Path runtime = jar(module, jar);
        String classPath = runtime + ":" + runtime.getParent().resolve("lib") + "/*";
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx" + sizing.driverHeapMb() + "m"));
        cmd.addAll(List.of(JDK17_OPENS));
        cmd.addAll(
                List.of(
                        "-cp",
                        classPath,
                        "org.apache.spark.deploy.SparkSubmit",
                        "--master",
                        String.format(
                                Locale.ROOT,
                                "local-cluster[%d,%d,%d]",
                                executors,
                                sizing.executorCores(),
                                sizing.executorHeapMb()),
                        "--deploy-mode",
                        "client",
                        "--conf",
                        "spark.executor.instances=" + executors,
                        "--conf",
                        "spark.executor.cores=" + sizing.executorCores(),
                        "--conf",
                        "spark.executor.memory=" + sizing.executorHeapMb() + "m",
                        "--conf",
                        "spark.executor.extraClassPath=" + classPath,
                        "--conf",
                        "spark.driver.host=127.0.0.1",
                        "--conf",
                        "spark.driver.bindAddress=127.0.0.1",
                        "--conf",
                        "spark.ui.enabled=false",
                        "--conf",
                        "spark.sql.session.timeZone=UTC",
                        // the trainer's SparkApplication: barrier checks 10 s apart, 30 times
                        "--conf",
                        "spark.scheduler.barrier.maxConcurrentTasksCheck.interval=10s",
                        "--conf",
                        "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures=30",
                        "--class",
                        mainClass,
                        runtime.toString()));
        return cmd;
    }

    /**
     * Spark's standalone launcher builds each executor's class path from {@code $SPARK_HOME/jars}:
     * an empty one (with the RELEASE marker of a distribution) leaves exactly {@code
     * spark.executor.extraClassPath}, the runtime jar and its {@code lib/}.
     */
    static Path sparkHome(Path work) throws IOException {
        Path home = work.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        Files.writeString(home.resolve("RELEASE"), "Spark 3.5.6 (the runtime jars' lib/)\n");
        return home;
    }

    /** Driver and executor sizes, each derived from a pod memory limit as on Kubernetes. */
    record SparkSizing(long driverHeapMb, long executorHeapMb, int executorCores) {

        /**
         * Executors whose pods fit {@code podLimitMb}: the Spark Operator asks for {@code memory +
         * max(384 MiB, 10%)} per executor pod, so the heap is what is left; the driver's heap is
         * {@code MaxRAMPercentage=75} of its pod's limit, as the images' entrypoint sets it.
         */
        static SparkSizing forPodLimit(long driverPodMb, long executorPodMb) {
            return new SparkSizing(
                    driverPodMb * TRAINER_HEAP_PERCENT / 100, executorHeapMb(executorPodMb), 1);
        }

        /**
         * Executors whose pods fit {@code executorPodMb} with {@code spark.executor.memoryOverhead}
         * set to {@code overheadMb}: the heap is the rest of the pod's limit.
         */
        static SparkSizing withOverhead(long driverPodMb, long executorPodMb, long overheadMb) {
            if (overheadMb >= executorPodMb) {
                throw new IllegalArgumentException(
                        "the executor overhead "
                                + overheadMb
                                + " MB leaves no heap in a "
                                + executorPodMb
                                + " MB executor pod");
            }
            return new SparkSizing(
                    driverPodMb * TRAINER_HEAP_PERCENT / 100, executorPodMb - overheadMb, 1);
        }

        /** The heap h with h + max(384, h / 10) = the executor pod's limit. */
        static long executorHeapMb(long executorPodMb) {
            long heap = executorPodMb >= 3840 + 384 ? executorPodMb * 10 / 11 : executorPodMb - 384;
            return Math.max(heap, 128);
        }
    }

    /** The benchmark's pivot task: a week of partitions, sum per (user, event id). */
    static String pivotTask(String sourceUri, String storeUri) {
        return String.format(
                Locale.ROOT,
                "{\"kind\":\"pivot\",\"owner\":{\"kind\":\"FeatureView\",\"namespace\":"
                        + "\"bench\",\"name\":\"events\"},\"asOf\":\"%s\","
                        + "\"entity\":\"user_id\",\"source\":{\"uri\":\"%s\","
                        + "\"format\":\"parquet\",\"successMarker\":\"_SUCCESS\"},"
                        + "\"window\":{\"from\":\"%s\",\"to\":\"%s\"},"
                        + "\"pivot\":{\"key\":\"event_id\",\"value\":\"cnt\","
                        + "\"aggregate\":\"sum\",\"prefix\":\"\",\"minEntities\":1,"
                        + "\"maxFeatures\":0},\"store\":{\"uri\":\"%s\",\"keep\":1},"
                        + "\"wideExportMaxFeatures\":0}",
                Population.AS_OF,
                sourceUri,
                Population.FROM,
                Population.AS_OF,
                storeUri);
    }

    /** The pivoted table a pivot task with {@code store} publishes. */
    static FeatureInput table(Path store) {
        return new FeatureInput(
                "events",
                Population.AS_OF,
                store.resolve(Layout.asOfDir(Population.AS_OF)).toUri().toString());
    }

    /** XGBoost on the table with the TrainingRun defaults: hold-out 0.2, seed 42, SHAP. */
    static String trainTask(FeatureInput table, Path labels, Path out) {
        return TaskJson.writeTask(
                TrainTask.builder()
                        .model("scale")
                        .version(1)
                        .entity("user_id")
                        .features(List.of(table))
                        .labels(
                                new TrainTask.Labels(
                                        labels.toString(), "csv", "user_id", "returned"))
                        .algorithm("xgboost")
                        .validation(new TrainTask.Validation("holdout", 0.2, 0, 42L))
                        .selectionMetric("auc")
                        .outputUri(out.toUri().toString())
                        .build());
    }

    /** Batch scoring of every entity of the table with the model in {@code artifact}. */
    static String scoreTask(FeatureInput table, Path artifact, String digest, Path out) {
        return TaskJson.writeTask(
                new ScoreTask(
                        null,
                        "scale",
                        1,
                        artifact.toUri().toString(),
                        Population.AS_OF,
                        "user_id",
                        List.of(table),
                        out.resolve(Layout.asOfDir(Population.AS_OF)).toUri().toString(),
                        digest,
                        null));
    }
}
