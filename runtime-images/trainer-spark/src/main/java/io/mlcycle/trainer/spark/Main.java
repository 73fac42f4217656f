package io.mlcycle.trainer.spark;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import io.mlcycle.task.TrainTask;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;

/**
 * The trainer runtime on Spark: runs one xgboost {@link TrainTask} with its boosting rounds on
 * XGBoost4J-Spark and publishes the single-pod trainer's artifact and summary. Under spark-submit
 * the master comes from it; started with plain {@code java}, it runs {@code local[*]}.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        int code;
        SparkSession spark = session(new SparkConf());
        try {
            code = RuntimeMain.run(args, task -> handle(task, spark));
        } finally {
            spark.stop();
        }
        System.exit(code);
    }

    /**
     * The session of spark-submit's configuration, or a local one on all cores without it. A
     * barrier stage that cannot get all its slots is retried for {@code
     * spark.scheduler.barrier.maxConcurrentTasksCheck.*} (here 10 s apart, 30 times: five minutes
     * for executors to start) before the run fails with ExecutorsUnavailable.
     */
    static SparkSession session(SparkConf conf) {
        SparkSession.Builder b =
                SparkSession.builder()
                        .appName("mlcycle-trainer")
                        .config("spark.sql.session.timeZone", "UTC")
                        .config(conf)
                        .config("spark.dynamicAllocation.enabled", "false");
        if (!conf.contains("spark.scheduler.barrier.maxConcurrentTasksCheck.interval")) {
            b.config("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "10s");
        }
        if (!conf.contains("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures")) {
            b.config("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "30");
        }
        boolean local = !conf.contains("spark.master");
        if (local) {
            b.master("local[*]")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1");
        }
        SparkSession spark = b.getOrCreate();
        if (local) {
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    /**
     * XGBoost's workers: every executor core ({@code spark.executor.instances} × {@code
     * spark.executor.cores}) on a cluster, the local master's threads otherwise.
     */
    static int workers(SparkSession spark) {
        SparkConf conf = spark.sparkContext().getConf();
        if (conf.contains("spark.executor.instances")) {
            int instances = conf.getInt("spark.executor.instances", 1);
            int cores = conf.getInt("spark.executor.cores", 1);
            int taskCpus = conf.getInt("spark.task.cpus", 1);
            return Math.max(1, instances * cores / Math.max(1, taskCpus));
        }
        return Math.max(1, spark.sparkContext().defaultParallelism());
    }

    static Summary handle(Task task, SparkSession spark) {
        if (!(task instanceof TrainTask t)) {
            throw TaskFailure.invalid(
                    "WrongTaskKind",
                    "the trainer runs TrainTask, not " + task.getClass().getSimpleName());
        }
        try {
            return SparkTrainer.run(t, spark, workers(spark));
        } catch (IOException e) {
            throw new TaskFailure(Summary.Outcome.Failed, "IOError", e.toString());
        }
    }
}
