package io.mlcycle.scorer.spark;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.common.TaskFailure;
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

    /** The session of spark-submit's configuration, or a local one on all cores without it. */
    static SparkSession session(SparkConf conf) {
        SparkSession.Builder b =
                SparkSession.builder()
                        .appName("mlcycle-scorer")
                        .config("spark.sql.session.timeZone", "UTC")
                        .config(conf);
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

    static Summary handle(Task task, SparkSession spark) {
        if (!(task instanceof ScoreTask t)) {
            throw TaskFailure.invalid(
                    "WrongTaskKind",
                    "the Spark scorer runs ScoreTask, not " + task.getClass().getSimpleName());
        }
        return SparkScore.run(t, spark);
    }
}
