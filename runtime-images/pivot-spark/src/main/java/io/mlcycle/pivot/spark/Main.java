package io.mlcycle.pivot.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.pivot.PivotRunner;
import io.mlcycle.spark.ExecutorWatch;
import io.mlcycle.spark.SparkRuntime;
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

    /** What the executor watch says of the pivot. */
    static final ExecutorWatch.Job JOB =
            new ExecutorWatch.Job(
                    "the pivot",
                    "spec.spark.executor (instances, cores, memory), spec.spark.image or sparkConf"
                            + " spark.kubernetes.executor.container.image",
                    "ExecutorsNotStarted",
                    "10min");

    public static void main(String[] args) {
        SparkRuntime.main(
                args,
                "mlcycle-pivot",
                new SparkConf(),
                JOB,
                (task, spark) -> handle(task, spark, System::getenv));
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
