package io.mlcycle.bench.scale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The sampler on a proc tree written by the test: a driver, its executor, a stranger. */
class RssSamplerTest {

    @TempDir Path proc;

    void process(long pid, long ppid, String cmdline, long hwmKb, long rssKb) throws IOException {
        Path d = proc.resolve(String.valueOf(pid));
        Files.createDirectories(d);
        Files.writeString(d.resolve("stat"), pid + " (java) S " + ppid + " 1 1 0 -1 0");
        Files.writeString(d.resolve("cmdline"), cmdline.replace(' ', '\0'));
        Files.writeString(
                d.resolve("status"),
                "Name:\tjava\nVmPeak:\t 9999 kB\nVmHWM:\t "
                        + hwmKb
                        + " kB\nVmRSS:\t "
                        + rssKb
                        + " kB\nThreads:\t12\n");
    }

    @Test
    void keepsEachDescendantsPeakSeparatelyWithItsExecutorId() throws IOException {
        process(100, 1, "java -cp x org.apache.spark.deploy.SparkSubmit", 500_000, 400_000);
        process(
                101,
                100,
                "java -cp x o.a.s.CoarseGrainedExecutorBackend --executor-id 1 --cores 1",
                300_000,
                300_000);
        process(102, 101, "bash -c true", 1_000, 1_000);
        process(200, 1, "java -jar other.jar", 9_000_000, 9_000_000);
        RssSampler s = new RssSampler(proc, "driver", 0, 0);

        assertThat(s.sample(100)).isEqualTo(-1);
        process(
                101,
                100,
                "java -cp x o.a.s.CoarseGrainedExecutorBackend --executor-id 1 --cores 1",
                700_000,
                200_000);
        Files.delete(proc.resolve("102/status")); // ended
        s.sample(100);

        assertThat(s.peaks())
                .extracting(RssSampler.Peak::pid, RssSampler.Peak::role, RssSampler.Peak::peakKb)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(100L, "driver", 500_000L),
                        org.assertj.core.groups.Tuple.tuple(101L, "executor-1", 700_000L),
                        org.assertj.core.groups.Tuple.tuple(102L, "child", 1_000L));
        assertThat(s.peakMb("executor")).isEqualTo(700_000 / 1024);
        assertThat(s.peakMb("driver")).isEqualTo(500_000 / 1024);
    }

    @Test
    void namesTheFirstProcessWhoseCurrentRssPassesTheLimit() throws IOException {
        process(100, 1, "java -jar trainer.jar", 900_000, 100_000);
        process(101, 100, "java CoarseGrainedExecutorBackend --executor-id 0", 100_000, 100_000);
        RssSampler s = new RssSampler(proc, "pod", 512 * 1024, 512 * 1024);

        // a high-water mark above the limit from the past is not an overrun; the current RSS is
        assertThat(s.sample(100)).isEqualTo(-1);
        process(101, 100, "java CoarseGrainedExecutorBackend --executor-id 0", 600_000, 600_000);
        assertThat(s.sample(100)).isEqualTo(101);
        assertThat(s.overLimitPid()).isEqualTo(101);
    }

    @Test
    void holdsTheRootAndItsDescendantsToTheirOwnLimits() throws IOException {
        // a driver pod of 1 GiB, executor pods of 512 MiB: the driver's 700 MB is within its pod
        process(100, 1, "java SparkSubmit", 700_000, 700_000);
        process(101, 100, "java CoarseGrainedExecutorBackend --executor-id 0", 500_000, 500_000);
        RssSampler s = new RssSampler(proc, "driver", 1024 * 1024, 512 * 1024);

        assertThat(s.sample(100)).isEqualTo(-1);
        process(101, 100, "java CoarseGrainedExecutorBackend --executor-id 0", 600_000, 600_000);
        assertThat(s.sample(100)).isEqualTo(101);
    }

    @Test
    void aProcessFirstSeenBeforeItExecdTheExecutorIsNamedOnceItHas() throws IOException {
        process(100, 1, "java SparkSubmit", 400_000, 400_000);
        process(101, 100, "/usr/lib/jvm/lib/jspawnhelper 20:21", 1_000, 1_000);
        RssSampler s = new RssSampler(proc, "driver", 0, 0);

        s.sample(100);
        process(101, 100, "java CoarseGrainedExecutorBackend --executor-id 1", 300_000, 300_000);
        s.sample(100);

        assertThat(s.peaks())
                .extracting(RssSampler.Peak::pid, RssSampler.Peak::role, RssSampler.Peak::peakKb)
                .contains(org.assertj.core.groups.Tuple.tuple(101L, "executor-1", 300_000L));
        assertThat(s.peakMb("executor")).isEqualTo(300_000 / 1024);
    }
}
