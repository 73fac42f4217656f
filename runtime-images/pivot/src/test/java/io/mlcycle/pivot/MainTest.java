package io.mlcycle.pivot;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class MainTest {

    @TempDir Path tmp;

    @Test
    void aTaskOfAnotherKindIsInvalid() throws Exception {
        Path task = tmp.resolve("task.json");
        Files.writeString(task, "{\"kind\":\"serve\",\"model\":\"m\",\"version\":1}");
        Path result = tmp.resolve("result.json");
        int code =
                RuntimeMain.run(
                        new String[] {"--task", task.toString(), "--result", result.toString()},
                        Main::handle);
        Summary s = TaskJson.readSummary(Files.readString(result));
        assertThat(code).isEqualTo(2);
        assertThat(s.reason()).isEqualTo("WrongTaskKind");
    }

    @Test
    void aPivotTaskRunsAndReportsItsFigures() throws Exception {
        Fixtures.write(tmp.resolve("raw/dt=2026-11-20/part-0.parquet"), Fixtures.EVENTS);
        var b =
                new Fixtures.TaskBuilder(
                        tmp.resolve("raw").toUri() + "dt={date}/", tmp.resolve("store"));
        Path task = tmp.resolve("task.json");
        Files.writeString(task, TaskJson.write(b.build()));
        Path result = tmp.resolve("result.json");
        int code =
                RuntimeMain.run(
                        new String[] {"--task", task.toString(), "--result", result.toString()},
                        Main::handle);
        Summary s = TaskJson.readSummary(Files.readString(result));
        assertThat(code).isZero();
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.figures()).containsEntry("entities", 3.0);
        assertThat(s.uri()).endsWith("/store/asOf=2026-11-21/");
    }
}
