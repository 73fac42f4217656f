package io.mlcycle.bench.scale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A run's outcome: an executor's OutOfMemoryError of this run, and how the BENCH line says it. */
class LaunchTest {

    @TempDir Path home;

    @Test
    void anExecutorsOutOfMemoryErrorCountsOnlyForTheRunThatWroteIt() throws Exception {
        Path old = home.resolve("work/app-1/0/stderr");
        Files.createDirectories(old.getParent());
        Files.writeString(
                old, "Exception in thread \"x\" java.lang.OutOfMemoryError: Java heap space");
        Files.setLastModifiedTime(old, FileTime.fromMillis(1_000));
        Path mine = home.resolve("work/app-2/1/stderr");
        Files.createDirectories(mine.getParent());
        Files.writeString(mine, "[03:40:15] Task 1 got rank 1\n");

        assertThat(Launch.executorHeapOom(home.toString(), 2_000)).isFalse();
        Files.writeString(mine, "java.lang.OutOfMemoryError: Java heap space\n");
        assertThat(Launch.executorHeapOom(home.toString(), 2_000)).isTrue();
        assertThat(Launch.executorHeapOom(home.resolve("none").toString(), 0)).isFalse();
        assertThat(Launch.executorHeapOom(null, 0)).isFalse();
    }

    @Test
    void aRunThatDidNotCompleteSaysWhyInPlaceOfItsSeconds() {
        List<RssSampler.Peak> none = List.of();
        assertThat(ScaleBench.seconds(new Launch.Result("a", 0, 12.34, false, "", false, none, "")))
                .isEqualTo("12.3");
        assertThat(
                        ScaleBench.seconds(
                                new Launch.Result(
                                        "b", 1, 9, true, "executor heap", false, none, "")))
                .isEqualTo("out_of_memory:executor_heap");
        assertThat(ScaleBench.seconds(new Launch.Result("c", -1, 9, false, "", true, none, "")))
                .isEqualTo("timed_out");
    }

    @Test
    void eachExecutorsPeakIsListedOnceByItsIdWithItsLargestProcess() {
        List<RssSampler.Peak> peaks =
                List.of(
                        new RssSampler.Peak(1, "driver", 500 * 1024),
                        new RssSampler.Peak(2, "executor-1", 1200 * 1024),
                        new RssSampler.Peak(3, "executor-0", 1300 * 1024),
                        new RssSampler.Peak(4, "executor-1", 300 * 1024));
        Launch.Result r = new Launch.Result("t", 0, 1, false, "", false, peaks, "");
        assertThat(r.peaksMb("executor")).isEqualTo("1300+1200");
        assertThat(r.peaksMb("driver")).isEqualTo("500");
        assertThat(r.peaksMb("pod")).isEqualTo("0");
    }

    @Test
    void aFailedRunIsExplainedByTheFirstExceptionOfItsLog(@TempDir Path work) throws Exception {
        Files.writeString(
                work.resolve("d.log"),
                "26/12/07 04:12:13 INFO SparkContext: Running Spark version 3.5.6\n"
                        + "26/12/07 04:12:13 ERROR SparkContext: Error initializing SparkContext.\n"
                        + "org.apache.spark.SparkIllegalArgumentException: [INVALID_DRIVER_MEMORY]"
                        + " System memory 201326592 must be at least 471859200.\n");
        List<RssSampler.Peak> none = List.of();
        assertThat(Launch.why(new Launch.Result("d", 1, 1, false, "", false, none, ""), work))
                .isEqualTo(
                        "org.apache.spark.SparkIllegalArgumentException: [INVALID_DRIVER_MEMORY]"
                                + " System memory 201326592 must be at least 471859200.");
        assertThat(
                        Launch.why(
                                new Launch.Result(
                                        "e",
                                        137,
                                        1,
                                        true,
                                        "executor-1 over 256 MB RSS",
                                        false,
                                        none,
                                        ""),
                                work))
                .isEqualTo("out of memory: executor-1 over 256 MB RSS");
        assertThat(Launch.why(new Launch.Result("f", 3, 1, false, "", false, none, ""), work))
                .isEqualTo("exit 3");
    }

    @Test
    void theTaskGoesInThroughTheEnvAndTheSummaryComesBackThroughTheResultFile(@TempDir Path work)
            throws Exception {
        Launch.Result r =
                Launch.run(
                        "sh",
                        List.of("sh", "-c", "echo \"$MLCYCLE_TASK\" > \"$2\"", "sh"),
                        "{\"x\":1}",
                        Map.of(),
                        work,
                        "pod",
                        Launch.Limits.NONE,
                        60);
        assertThat(r.succeeded()).isTrue();
        assertThat(r.summary().trim()).isEqualTo("{\"x\":1}");
    }
}
