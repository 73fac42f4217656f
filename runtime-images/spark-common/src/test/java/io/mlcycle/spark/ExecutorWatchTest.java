package io.mlcycle.spark;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.testing.UnitTier;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The driver's guard against executors that never register. */
@UnitTier
class ExecutorWatchTest {

    @Test
    void aDriverWithoutExecutorsFailsWithTheJobsReasonNamingItsSettingsAfterTheWait() {
        // a local[2] session: its only "executor" is the driver itself
        SparkSession spark =
                SparkRuntime.session(
                        "executor-watch-test",
                        new SparkConf(false)
                                .setMaster("local[2]")
                                .set("spark.ui.enabled", "false")
                                .set("spark.driver.host", "127.0.0.1")
                                .set("spark.driver.bindAddress", "127.0.0.1"));
        try {
            var sc = spark.sparkContext();
            long started = System.currentTimeMillis();
            ExecutorWatch.Job scoring =
                    new ExecutorWatch.Job(
                            "batch scoring",
                            "spec.batch.spark.executor or spec.batch.spark.image",
                            "ExecutorsUnavailable",
                            "5min");

            assertThatThrownBy(() -> new ExecutorWatch(scoring).awaitFirst(sc, 500))
                    .isInstanceOfSatisfying(
                            TaskFailure.class,
                            f -> assertThat(f.reason()).isEqualTo("ExecutorsUnavailable"))
                    .hasMessageContaining(ExecutorWatch.START_TIMEOUT)
                    .hasMessageContaining("spark.executor.instances")
                    .hasMessageContaining("spec.batch.spark.executor");
            assertThat(System.currentTimeMillis() - started).isGreaterThanOrEqualTo(500);
        } finally {
            spark.stop();
        }
    }

    @Test
    void onlyAKubernetesMasterIsWatched() {
        assertThat(
                        ExecutorWatch.cluster(
                                new SparkConf(false)
                                        .set("spark.master", "k8s://http://127.0.0.1:1")))
                .isTrue();
        assertThat(ExecutorWatch.cluster(new SparkConf(false).set("spark.master", "local[2]")))
                .isFalse();
    }
}
