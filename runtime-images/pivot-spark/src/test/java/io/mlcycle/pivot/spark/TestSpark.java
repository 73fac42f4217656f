package io.mlcycle.pivot.spark;

import io.mlcycle.pivot.PivotRunner;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.function.Function;

/** One light local Spark for the module's tests, and runs of either engine on it. */
final class TestSpark {

    private static SparkSession spark;

    private TestSpark() {}

    /** The shared session: test classes use it in turn; Spark's shutdown hook stops it. */
    static synchronized SparkSession start() {
        if (spark != null) {
            return spark;
        }
        spark =
                SparkSession.builder()
                        .appName("mlcycle-pivot-spark-test")
                        .master("local[2]")
                        .config("spark.ui.enabled", "false")
                        .config("spark.sql.shuffle.partitions", "3")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }

    static Summary spark(SparkSession spark, PivotTask task) throws IOException {
        return spark(spark, task, name -> null);
    }

    /** The Spark runtime's handler with the pod's environment {@code env}. */
    static Summary spark(SparkSession spark, PivotTask task, Function<String, String> env)
            throws IOException {
        return Main.handle(task, spark, env);
    }

    static Summary duckdb(PivotTask task) throws IOException {
        return new PivotRunner(name -> null).run(task);
    }
}
