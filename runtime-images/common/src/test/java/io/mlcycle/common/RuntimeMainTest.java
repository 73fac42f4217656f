package io.mlcycle.common;

import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class RuntimeMainTest {

    @TempDir Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream print = new PrintStream(out, true);

    @Test
    void missingTaskIsInvalidWithExitCodeTwoAndResultFile() throws Exception {
        Path result = dir.resolve("result.json");
        int code =
                RuntimeMain.run(
                        new String[] {"--result", result.toString()},
                        Map.of(),
                        t -> Summary.succeeded("x", null, null),
                        print,
                        print);

        assertThat(code).isEqualTo(2);
        Summary s = TaskJson.readSummary(Files.readString(result));
        assertThat(s.reason()).isEqualTo("MissingTask");
        assertThat(s.message()).contains("MLCYCLE_TASK");
    }

    @Test
    void aTaskOfANewerContractExitsInvalidNamingBothVersionsWithoutRunningTheHandler() {
        int newer = TaskJson.CONTRACT_VERSION + 1;
        String task =
                "{\"kind\":\"serve\",\"model\":\"m\",\"version\":3,\"contractVersion\":"
                        + newer
                        + "}";
        int code =
                RuntimeMain.run(
                        new String[0],
                        Map.of(TaskJson.TASK_ENV, task),
                        t -> {
                            throw new AssertionError("a task of a newer contract must not run");
                        },
                        print,
                        print);

        assertThat(code).isEqualTo(2);
        Summary s = TaskJson.readSummary(out.toString().trim());
        assertThat(s.reason()).isEqualTo("UnsupportedTaskContract");
        assertThat(s.message())
                .contains("contract version " + newer)
                .contains("implements contract version " + TaskJson.CONTRACT_VERSION);
    }

    @Test
    void taskFromEnvironmentReachesHandlerAndFailureKeepsReason() {
        String task =
                "{\"kind\":\"serve\",\"owner\":{\"kind\":\"ModelDeployment\",\"namespace\":\"ns\",\"name\":\"d\"},"
                        + "\"model\":\"m\",\"version\":3}";
        int code =
                RuntimeMain.run(
                        new String[0],
                        Map.of(TaskJson.TASK_ENV, task),
                        t -> {
                            throw new TaskFailure(
                                    Summary.Outcome.WaitingForData, "MissingPartition", "dt=1");
                        },
                        print,
                        print);

        assertThat(code).isEqualTo(3);
        assertThat(out.toString()).contains("\"reason\":\"MissingPartition\"");
    }

    @Test
    void oversizedSummaryIsTrimmedUnderFourKibKeepingFigures() {
        String big = "x".repeat(10_000);
        Summary s =
                new Summary(
                        Summary.Outcome.Failed,
                        "Big",
                        big,
                        "file:///u",
                        Map.of("rows", 3.0),
                        Map.of("list", big));
        String json = TaskJson.writeSummary(s);
        assertThat(json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(Summary.MAX_BYTES);
        Summary back = TaskJson.readSummary(json);
        assertThat(back.figures()).containsEntry("rows", 3.0);
        assertThat(back.details()).isNull();
    }
}
