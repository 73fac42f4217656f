package io.mlcycle.spark;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.function.BiFunction;

/**
 * The {@code main} every Spark runtime shares: the session of spark-submit's configuration (or a
 * local one), the executor watch on a cluster master, one task from {@code MLCYCLE_TASK} with its
 * summary through the termination message ({@link RuntimeMain}), and the exit code.
 */
public final class SparkRuntime {

    private SparkRuntime() {}

    /**
     * Runs one task with {@code handler} and exits. On a {@code k8s://} master the driver first
     * waits for an executor ({@link ExecutorWatch#awaitFirst}) and reports a driver that Spark
     * stops early; {@code conf} is spark-submit's with the runtime's own defaults.
     */
    public static void main(
            String[] args,
            String appName,
            SparkConf conf,
            ExecutorWatch.Job job,
            BiFunction<Task, SparkSession, Summary> handler) {
        int code;
        // before the session: Spark may give up on its executors (and exit) while it starts
        ExecutorWatch watch = ExecutorWatch.cluster(conf) ? ExecutorWatch.install(args, job) : null;
        SparkSession spark = session(appName, conf);
        if (watch != null) {
            spark.sparkContext().addSparkListener(watch);
        }
        try {
            code =
                    RuntimeMain.run(
                            args,
                            task -> {
                                if (watch != null) {
                                    watch.awaitFirst(spark.sparkContext());
                                }
                                return handler.apply(task, spark);
                            });
        } finally {
            if (watch != null) {
                watch.finished();
            }
            spark.stop();
        }
        System.exit(code);
    }

    /**
     * A local master of {@code threads} task slots ({@code *}: one per core) bound to 127.0.0.1,
     * with the UI off.
     */
    public static SparkConf local(String threads) {
        return new SparkConf()
                .setMaster("local[" + threads + "]")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
    }

    /**
     * The session of {@code conf} (spark-submit's), in UTC; without a master, a local one on all
     * cores bound to 127.0.0.1 with the UI off, logging warnings only.
     */
    public static SparkSession session(String appName, SparkConf conf) {
        SparkSession.Builder b =
                SparkSession.builder()
                        .appName(appName)
                        .config("spark.sql.session.timeZone", "UTC")
                        .config(conf);
        boolean local = !conf.contains("spark.master");
        if (local) {
            b.config(local("*"));
        }
        SparkSession spark = b.getOrCreate();
        if (local) {
            // spark-submit brings its log4j2 configuration; a plain start logs warnings only
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }
}
