package io.mlcycle.bench;

import org.apache.spark.sql.SparkSession;

/** The baseline: Spark local, {@code groupBy(entity).pivot(key).sum(value)} written to Parquet. */
public final class SparkPivot {

    private SparkPivot() {}

    /** Args: input directory (Parquet, read recursively), output directory, threads. */
    public static void main(String[] args) {
        String in = args[0];
        String out = args[1];
        String threads = args.length > 2 ? args[2] : "2";
        SparkSession spark =
                SparkSession.builder()
                        .appName("pivot-baseline")
                        .master("local[" + threads + "]")
                        .config("spark.ui.enabled", "false")
                        .config("spark.sql.shuffle.partitions", "8")
                        .config("spark.sql.pivotMaxValues", "100000")
                        .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        long t0 = System.nanoTime();
        spark.read()
                .option("recursiveFileLookup", "true")
                .parquet(in)
                .groupBy("user_id")
                .pivot("event_id")
                .sum("cnt")
                .write()
                .mode("overwrite")
                .parquet(out);
        System.out.printf("spark_job_seconds=%.2f%n", (System.nanoTime() - t0) / 1e9);
        spark.stop();
    }
}
