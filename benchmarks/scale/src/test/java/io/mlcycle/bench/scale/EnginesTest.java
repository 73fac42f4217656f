package io.mlcycle.bench.scale;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Heaps derived from pod limits, the Spark command line and the flags. */
class EnginesTest {

    @Test
    void executorHeapLeavesTheOperatorsOverheadInsideThePodLimit() {
        // memory + max(384 MiB, 10%) = the pod's limit
        assertThat(Engines.SparkSizing.executorHeapMb(2048)).isEqualTo(1664);
        assertThat(Engines.SparkSizing.executorHeapMb(4224)).isEqualTo(3840);
        assertThat(Engines.SparkSizing.executorHeapMb(11000)).isEqualTo(10000);
        Engines.SparkSizing s = Engines.SparkSizing.forPodLimit(4096, 2048);
        assertThat(s.driverHeapMb()).isEqualTo(3072);
        assertThat(s.executorCores()).isEqualTo(1);
        // an XGBoost executor needs more than the operator's overhead outside its heap
        assertThat(Engines.SparkSizing.withOverhead(1024, 1024, 512))
                .isEqualTo(new Engines.SparkSizing(768, 512, 1));
        assertThatThrownBy(() -> Engines.SparkSizing.withOverhead(1024, 1024, 1024))
                .hasMessageContaining("overhead 1024 MB leaves no heap in a 1024 MB executor pod");
    }

    @Test
    void podsGetTheirImagesHeapShareOfTheLimit() {
        Engines e = new Engines(Path.of("/repo"));
        assertThat(e.pod("trainer", "trainer.jar", 4096, Engines.TRAINER_HEAP_PERCENT))
                .containsSequence("java", "-Xmx3072m")
                .endsWith("-jar", "/repo/runtime-images/trainer/target/trainer.jar");
        assertThat(e.pod("pivot", "pivot.jar", 4096, Engines.PIVOT_HEAP_PERCENT))
                .contains("-Xmx1024m");
    }

    @Test
    void sparkRunsTheRuntimeMainUnderSparkSubmitWithNExecutorJvms() {
        Engines e = new Engines(Path.of("/repo"));
        List<String> cmd =
                e.spark(
                        "trainer-spark",
                        "trainer-spark.jar",
                        "io.mlcycle.trainer.spark.Main",
                        3,
                        new Engines.SparkSizing(3072, 1664, 1),
                        Path.of("/w/spark-home"));
        assertThat(cmd).containsSequence("java", "-Xmx3072m");
        assertThat(cmd)
                .containsSequence("--master", "local-cluster[3,1,1664]")
                .contains(
                        "spark.executor.instances=3",
                        "spark.executor.memory=1664m",
                        "spark.executor.extraClassPath="
                                + "/repo/runtime-images/trainer-spark/target/trainer-spark.jar:"
                                + "/repo/runtime-images/trainer-spark/target/lib/*")
                .endsWith(
                        "--class",
                        "io.mlcycle.trainer.spark.Main",
                        "/repo/runtime-images/trainer-spark/target/trainer-spark.jar");
    }

    @Test
    void flagsHaveDefaultsAndABadValueNamesItsFlag() {
        Options d = Options.parse();
        assertThat(d.population()).isEqualTo(new Population(100_000, 5_000, 50));
        assertThat(d.main()).isTrue();
        assertThat(d.boundaryEntities()).isEqualTo(600_000);
        assertThat(d.boundaryFeatures()).isEqualTo(500);
        assertThat(d.boundaryLimitMb()).isEqualTo(1280);
        assertThat(d.boundaryDriverMb()).isEqualTo(1024);
        assertThat(d.boundaryOverheadMb()).isEqualTo(768);
        assertThat(d.boundaryExecutors()).containsExactly(1, 2, 3);
        assertThat(d.boundarySparkHeld()).isTrue();
        assertThat(d.benchExecutors()).isEqualTo(2);
        Options o =
                Options.parse(
                        "--executors",
                        "1,3",
                        "--boundary-entities",
                        "0",
                        "--main",
                        "no",
                        "--boundary-features",
                        "5000",
                        "--boundary-limit-mb",
                        "900",
                        "--boundary-driver-mb",
                        "1536",
                        "--boundary-overhead-mb",
                        "600",
                        "--boundary-executors",
                        "2,4",
                        "--boundary-spark-limit",
                        "no");
        assertThat(o.executors()).containsExactly(1, 3);
        assertThat(o.benchExecutors()).isEqualTo(1);
        assertThat(o.boundaryEntities()).isZero();
        assertThat(o.main()).isFalse();
        assertThat(o.boundaryFeatures()).isEqualTo(5000);
        assertThat(o.boundaryLimitMb()).isEqualTo(900);
        assertThat(o.boundaryDriverMb()).isEqualTo(1536);
        assertThat(o.boundaryOverheadMb()).isEqualTo(600);
        assertThat(o.boundaryExecutors()).containsExactly(2, 4);
        assertThat(o.boundarySparkHeld()).isFalse();
        assertThatThrownBy(() -> Options.parse("--boundary-spark-limit", "off"))
                .hasMessageContaining("--boundary-spark-limit must be yes or no, got 'off'");
        assertThatThrownBy(() -> Options.parse("--main", "maybe"))
                .hasMessageContaining("--main must be yes or no, got 'maybe'");
        assertThatThrownBy(() -> Options.parse("--boundary-executors", "2,0"))
                .hasMessageContaining("--boundary-executors must be positive, got 0");
        assertThatThrownBy(() -> Options.parse("--boundary-entities", "-1"))
                .hasMessageContaining("--boundary-entities must not be negative, got -1");
        assertThatThrownBy(() -> Options.parse("--entities", "lots"))
                .hasMessageContaining("--entities must be a number, got 'lots'");
        assertThatThrownBy(() -> Options.parse("--entities"))
                .hasMessageContaining("--entities needs a value");
    }
}
