package io.mlcycle.trainer.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.spark.ExecutorWatch;
import io.mlcycle.spark.SparkRuntime;
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

    /** What the executor watch says of training. */
    static final ExecutorWatch.Job JOB =
            new ExecutorWatch.Job(
                    "the training",
                    "spec.spark.executor (instances, cores, memory) or spec.spark.image",
                    "ExecutorsUnavailable",
                    "5min");

    public static void main(String[] args) {
        SparkRuntime.main(args, APP, defaults(new SparkConf()), JOB, Main::handle);
    }

    static final String APP = "mlcycle-trainer";

    /** The session of {@code conf} with the trainer's {@link #defaults}. */
    static SparkSession session(SparkConf conf) {
        return SparkRuntime.session(APP, defaults(conf));
    }

    /**
     * Dynamic allocation off, and a barrier stage that cannot get all its slots retried for {@code
     * spark.scheduler.barrier.maxConcurrentTasksCheck.*} (here 10 s apart, 30 times: five minutes
     * for executors to start) before the run fails with ExecutorsUnavailable.
     */
    static SparkConf defaults(SparkConf conf) {
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "10s");
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "30");
        return conf.set("spark.dynamicAllocation.enabled", "false");
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
