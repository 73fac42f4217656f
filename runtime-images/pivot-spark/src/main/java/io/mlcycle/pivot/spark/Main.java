package io.mlcycle.pivot.spark;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.pivot.PivotRunner;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.Task;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.function.Function;

/**
 * The pivot runtime on Spark: runs one {@link PivotTask} with its aggregation in Spark SQL and
 * reports the same summary as the DuckDB pivot, plus {@code engine: spark} in its details. Under
 * spark-submit the master comes from it; started with plain {@code java}, it runs {@code local[*]}.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        int code;
        // before the session: Spark may give up on its executors (and exit) while it starts
        ExecutorWatch watch =
                ExecutorWatch.cluster(new SparkConf()) ? ExecutorWatch.install(args) : null;
        SparkSession spark = session();
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
                                return handle(task, spark, System::getenv);
                            });
        } finally {
            if (watch != null) {
                watch.finished();
            }
            spark.stop();
        }
        System.exit(code);
    }

    /** The session of spark-submit's configuration, or a local one on all cores without it. */
    static SparkSession session() {
        SparkSession.Builder b =
                SparkSession.builder()
                        .appName("mlcycle-pivot")
                        .config("spark.sql.session.timeZone", "UTC");
        boolean local = !new SparkConf().contains("spark.master");
        if (local) {
            b.master("local[*]")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1");
        }
        SparkSession spark = b.getOrCreate();
        if (local) {
            // spark-submit brings its log4j2 configuration; a plain start logs warnings only
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    static Summary handle(Task task, SparkSession spark, Function<String, String> env) {
        if (!(task instanceof PivotTask pivot)) {
            throw TaskFailure.invalid(
                    "WrongTaskKind",
                    "the pivot runtime runs pivot tasks, not " + task.getClass().getSimpleName());
        }
        try {
            PivotRunner runner = new PivotRunner(env);
            return runner.run(pivot, new SparkPivot(spark, runner), SparkPivot.ENGINE);
        } catch (IOException e) {
            throw new TaskFailure(Summary.Outcome.Failed, "IOError", e.getMessage());
        }
    }
}
