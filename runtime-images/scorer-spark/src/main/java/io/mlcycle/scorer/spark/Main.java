package io.mlcycle.scorer.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.spark.ExecutorWatch;
import io.mlcycle.spark.SparkRuntime;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The batch scorer on Spark: runs one {@link ScoreTask} with its feature tables read and scored on
 * the executors ({@link SparkScore}) and publishes the single pod's {@code scores.parquet} and
 * summary. Under spark-submit the master comes from it; started with plain {@code java}, it runs
 * {@code local[*]}.
 */
public final class Main {

    private Main() {}

    /** What the executor watch says of batch scoring. */
    static final ExecutorWatch.Job JOB =
            new ExecutorWatch.Job(
                    "batch scoring", SparkScore.SETTINGS, "ExecutorsUnavailable", "5min");

    public static void main(String[] args) {
        SparkRuntime.main(args, "mlcycle-scorer", new SparkConf(), JOB, Main::handle);
    }

    /** The session of spark-submit's configuration, or a local one on all cores without it. */
    static SparkSession session(SparkConf conf) {
        return SparkRuntime.session("mlcycle-scorer", conf);
    }

    static Summary handle(Task task, SparkSession spark) {
        if (!(task instanceof ScoreTask t)) {
            throw TaskFailure.invalid(
                    "WrongTaskKind",
                    "the Spark scorer runs ScoreTask, not " + task.getClass().getSimpleName());
        }
        return SparkScore.run(t, spark);
    }
}
