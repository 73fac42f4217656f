package io.mlcycle.pivot.spark;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.S3Settings;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.examples.GameLogGenerator;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.RealServersTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Spark engine on {@code s3://}: event log and exclusion list in a bucket of a real S3 server
 * (S3Proxy on 127.0.0.1), read by Spark through s3a, the version published to an {@code s3://}
 * store; it equals what the DuckDB engine publishes from the same objects.
 */
@RealServersTier
class SparkPivotS3IT {

    private static final String SECRET_KEY = "spark-secret-5e7a";

    @TempDir static Path tmp;
    static LocalS3 s3;
    static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        spark = TestSpark.start();
        s3 = LocalS3.startStorage(tmp.resolve("s3"), "spark-access", SECRET_KEY, "lake");
        Path data = tmp.resolve("data");
        GameLogGenerator.Result r =
                GameLogGenerator.generate(
                        new GameLogGenerator.Config(300, 200, 3, LocalDate.of(2026, 11, 21), 7),
                        data);
        for (String day : r.dates()) {
            ObjectDirs.publish(
                    data.resolve("raw/item-events/dt=" + day),
                    Storage.locate("s3://lake/raw/item-events/dt=" + day, "t"),
                    VersionedStore.SUCCESS);
        }
        Storage.locate("s3://lake/lists/blacklist.csv", "t")
                .store()
                .put(data.resolve("blacklist.csv"), "lists/blacklist.csv");
    }

    @AfterAll
    static void stop() throws Exception {
        LocalS3.closeStorage(s3);
    }

    private static PivotTask task(String aggregate, String time, String store) {
        Tasks t =
                new Tasks("s3://lake/raw/item-events/dt={date}/", null)
                        .day("2026-11-21", "2026-11-19");
        t.storeUri = store;
        t.aggregate = aggregate;
        t.timeColumn = time;
        t.where = "channel <> 'test' AND cnt < 4";
        t.exclude.add(new PivotTask.EntityList("s3://lake/lists/blacklist.csv", "user_id", null));
        t.minEntities = 2;
        t.maxFeatures = 150;
        t.wide = 1000;
        return t.build();
    }

    @ParameterizedTest(name = "{0}, time column ''{1}''")
    @CsvSource({"sum, ", "last, ts"})
    void sparkReadsAndPublishesS3LikeTheDuckdbEngine(String aggregate, String time)
            throws Exception {
        String name = aggregate + (time == null ? "" : "-" + time);
        // a fresh process: nothing staged (the DuckDB engine stages the source it reads)
        Storage.useS3(s3.settings("lake-creds"));
        Path mirror = Storage.localMirror("s3://lake/raw/item-events");
        VersionedStore.deleteRecursively(mirror);
        Summary onSpark =
                TestSpark.spark(spark, task(aggregate, time, "s3://lake/tables/spark-" + name));
        // Spark read the objects where they are: nothing of the source came to the driver's disk
        assertThat(mirror).doesNotExist();
        Summary duck = TestSpark.duckdb(task(aggregate, time, "s3://lake/tables/duck-" + name));

        assertThat(onSpark.outcome()).as(onSpark.message()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(onSpark.uri()).isEqualTo("s3://lake/tables/spark-" + name + "/asOf=2026-11-21/");
        assertThat(EngineOutputs.withoutSeconds(onSpark.figures()))
                .isEqualTo(EngineOutputs.withoutSeconds(duck.figures()));
        assertThat(duck.figures().get("filteredRows")).isLessThan(duck.figures().get("sourceRows"));
        // each version as a reader sees it: the generation its marker names
        Path d = Storage.stage("s3://lake/tables/duck-" + name + "/asOf=2026-11-21/", "duck");
        Path s = Storage.stage("s3://lake/tables/spark-" + name + "/asOf=2026-11-21/", "spark");
        EngineOutputs.assertSameRows(d, s);
        EngineOutputs.assertSameFiles(d, s);
        // Spark's work prefix (aggregate, exclusion list) is gone; only the version remains
        assertThat(
                        Storage.locate("s3://lake/tables/spark-" + name, "t")
                                .store()
                                .list("tables/spark-" + name + "/"))
                .extracting(e -> e.key().substring(("tables/spark-" + name + "/").length()))
                .allMatch(k -> k.startsWith("asOf=2026-11-21/"), "only the published version");
    }

    @Test
    void wrongKeysFailNamingTheUriAndTheSecretAndKeepTheLastGoodVersion() throws Exception {
        String store = "s3://lake/tables/kept";
        assertThat(TestSpark.spark(spark, task("sum", null, store)).outcome())
                .isEqualTo(Summary.Outcome.Succeeded);
        S3Settings wrong =
                new S3Settings(
                        s3.endpoint(), "us-east-1", true, "spark-access", "wrong", "lake-creds");
        Storage.useS3(wrong);
        try {
            assertThatThrownBy(() -> TestSpark.spark(spark, task("sum", null, store)))
                    .isInstanceOfSatisfying(
                            TaskFailure.class,
                            f -> {
                                assertThat(f.reason()).isEqualTo("StorageAccessDenied");
                                assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
                            })
                    .hasMessageContaining("s3://lake/")
                    .hasMessageContaining("Secret 'lake-creds'")
                    .hasMessageNotContaining(SECRET_KEY)
                    .hasMessageNotContaining("wrong");

            // and where s3a itself is refused (Spark's own read), the same reason and naming
            // the SDK's and S3A's retries would take minutes to give up on a 403 from S3Proxy
            var conf = spark.sparkContext().hadoopConfiguration();
            conf.set("fs.s3a.attempts.maximum", "1");
            conf.set("fs.s3a.retry.limit", "1");
            SparkS3.configure(spark, wrong);
            String object = "s3://lake/raw/item-events/dt=2026-11-20/part-0.parquet";
            Exception e =
                    org.junit.jupiter.api.Assertions.assertThrows(
                            Exception.class,
                            () -> spark.read().parquet(SparkS3.s3a(object)).count());
            TaskFailure f =
                    SparkFailures.of(e, List.of(SparkFailures.Input.ofObject(object)), wrong);
            assertThat(f.reason()).as(f.getMessage()).isEqualTo("StorageAccessDenied");
            assertThat(f.getMessage())
                    .startsWith(object)
                    .contains("Secret 'lake-creds'")
                    .doesNotContain(SECRET_KEY);
        } finally {
            spark.sparkContext().hadoopConfiguration().unset("fs.s3a.attempts.maximum");
            spark.sparkContext().hadoopConfiguration().unset("fs.s3a.retry.limit");
            Storage.useS3(s3.settings("lake-creds"));
        }
        assertThat(VersionedStore.open(store, "store.uri").completeVersions())
                .containsExactly("2026-11-21");
    }

    @Test
    void aMissingBucketFailsNamingIt() {
        Tasks t = new Tasks("s3://no-such-lake/raw/dt={date}/", null);
        t.storeUri = "s3://lake/tables/none";
        assertThatThrownBy(() -> TestSpark.spark(spark, t.build()))
                .isInstanceOfSatisfying(
                        TaskFailure.class, f -> assertThat(f.reason()).isEqualTo("BucketNotFound"))
                .hasMessageContaining("no-such-lake");
    }
}
