package io.mlcycle.pivot.spark;

import io.mlcycle.common.TaskFailure;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The driver's guard against executors that never register. */
class ExecutorWatchTest {

    @Test
    void aDriverWithoutExecutorsFailsNamingTheSettingsAfterTheWait() {
        // the shared local[2] session: its only "executor" is the driver itself
        var sc = TestSpark.start().sparkContext();
        long started = System.currentTimeMillis();

        assertThatThrownBy(() -> new ExecutorWatch().awaitFirst(sc, 500))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> assertThat(f.reason()).isEqualTo("ExecutorsNotStarted"))
                .hasMessageContaining(ExecutorWatch.START_TIMEOUT)
                .hasMessageContaining("spark.executor.instances")
                .hasMessageContaining("spec.spark.executor");
        assertThat(System.currentTimeMillis() - started).isGreaterThanOrEqualTo(500);
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
