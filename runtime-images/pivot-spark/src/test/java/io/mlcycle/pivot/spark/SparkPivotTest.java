package io.mlcycle.pivot.spark;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.examples.GameLogGenerator;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.UnitTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The Spark engine's outcomes besides a good run: waiting, refused input, failed validation. */
@UnitTier
class SparkPivotTest {

    @TempDir static Path data;
    static SparkSession spark;
    static String uri;

    static Path store;

    @TempDir Path tmp;

    @BeforeAll
    static void generate() throws IOException {
        spark = TestSpark.start();
        GameLogGenerator.generate(
                new GameLogGenerator.Config(100, 50, 2, LocalDate.of(2026, 11, 21), 3), data);
        uri = data.resolve("raw/item-events").toUri() + "dt={date}/";
        store = data.resolve("store");
        Summary s =
                TestSpark.spark(
                        spark, new Tasks(uri, store).day("2026-11-21", "2026-11-20").build());
        assertThat(s.outcome()).as(s.message()).isEqualTo(Summary.Outcome.Succeeded);
    }

    Tasks task() {
        return new Tasks(uri, store).day("2026-11-22", "2026-11-20");
    }

    TaskFailure failure(PivotTask t) {
        Map<Path, String> before = snapshot(store);
        TaskFailure f = catchThrowableOfType(TaskFailure.class, () -> TestSpark.spark(spark, t));
        assertThat(f).as("expected the task to fail").isNotNull();
        assertThat(snapshot(store)).as("the store after a failed run").isEqualTo(before);
        return f;
    }

    @Test
    void aMissingPartitionWaitsForDataNamingItsDate() {
        // the window [11-20, 11-22) needs 11-21, which the generator did not write
        TaskFailure f = failure(task().build());

        assertThat(f.outcome()).isEqualTo(Summary.Outcome.WaitingForData);
        assertThat(f.getMessage()).contains("1 of 2 partitions not ready", "dt=2026-11-21");
        assertThat(f.details()).isEqualTo(java.util.List.of("2026-11-21"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "channel = 'web'; DROP TABLE src",
                "channel = 'web' UNION SELECT 1",
                "channel = 'web') OR (1 = 1",
                "user_id IN (SELECT user_id FROM src)",
                "EXISTS (SELECT 1)",
                "no_such_column = 1",
                "sum(cnt) > 1",
                "cnt + 1"
            })
    void aWhereThatIsNotOneBooleanExpressionOverTheSourceIsRefused(String where) {
        Tasks t = new Tasks(uri, store).day("2026-11-21", "2026-11-20");
        t.asOf = "2026-11-22";
        t.where = where;

        TaskFailure f = failure(t.build());

        assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
        assertThat(f.reason()).isEqualTo("InvalidFilter");
        assertThat(f.getMessage()).startsWith("filters.where is refused: ");
    }

    @Test
    void aFailedValidationLeavesThePreviousVersionAsItWas() {
        Tasks t = new Tasks(uri, store).day("2026-11-21", "2026-11-20");
        t.asOf = "2026-11-23";
        t.validation = new PivotTask.Validation(1_000_000, null, null, java.util.List.of("nope"));

        TaskFailure f = failure(t.build());

        assertThat(f.outcome()).isEqualTo(Summary.Outcome.ValidationFailed);
        assertThat(f.getMessage())
                .contains("validation.minEntities", "validation.requiredFeatures");
        assertThat(new VersionedStore(store).versionDir("2026-11-23")).doesNotExist();
        assertThat(new VersionedStore(store).versionDir("2026-11-21").resolve("_SUCCESS")).exists();
    }

    @Test
    void badInputIsInvalidNamingTheFieldOrFile() throws IOException {
        Tasks missing = new Tasks(uri, store).day("2026-11-21", "2026-11-20");
        missing.value = "amount";
        TaskFailure f = failure(missing.build());
        assertThat(f.outcome()).isEqualTo(Summary.Outcome.Invalid);
        assertThat(f.getMessage()).startsWith("pivot.value column 'amount' not found");

        Tasks text = new Tasks(uri, store).day("2026-11-21", "2026-11-20");
        text.value = "channel";
        f = failure(text.build());
        assertThat(f.reason()).isEqualTo("NonNumericValue");
        assertThat(f.getMessage()).contains("pivot.value column 'channel' holds a non-numeric");

        Path bad = tmp.resolve("bad/dt=2026-11-20/part-0.parquet");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "not parquet");
        f =
                failure(
                        new Tasks(tmp.resolve("bad").toUri() + "dt={date}/", store)
                                .day("2026-11-21", "2026-11-20")
                                .withoutMarker()
                                .build());
        assertThat(f.reason()).isEqualTo("CorruptFile");
        assertThat(f.getMessage()).contains("part-0.parquet");
    }

    @Test
    void theRuntimeReportsTheSummaryWithEngineSparkAndExitsByOutcome() throws IOException {
        Path taskFile = tmp.resolve("task.json");
        Path result = tmp.resolve("result.json");
        Tasks t = new Tasks(uri, store).day("2026-11-21", "2026-11-20");
        t.asOf = "2026-11-22";
        Files.writeString(taskFile, TaskJson.write(t.build()));

        int code =
                RuntimeMain.run(
                        new String[] {"--task", taskFile.toString(), "--result", result.toString()},
                        task -> Main.handle(task, spark, name -> null));

        assertThat(code).isZero();
        Summary s = TaskJson.readSummary(Files.readString(result));
        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.details()).containsEntry("engine", "spark");
        assertThat(s.figures())
                .containsKeys(
                        "sourceRows",
                        "filteredRows",
                        "entities",
                        "features",
                        "nonZeros",
                        "sparsity",
                        "seconds");
        assertThat(s.uri()).endsWith("asOf=2026-11-22/");
        assertThat(Files.exists(store.resolve("asOf=2026-11-22/_SUCCESS"))).isTrue();

        t.where = "1 = 1; SELECT 1";
        Files.writeString(taskFile, TaskJson.write(t.build()));
        code =
                RuntimeMain.run(
                        new String[] {"--task", taskFile.toString(), "--result", result.toString()},
                        task -> Main.handle(task, spark, name -> null));
        assertThat(code).isEqualTo(Summary.Outcome.Invalid.exitCode());
    }

    /** Every file under a directory with a hash of its content. */
    static Map<Path, String> snapshot(Path dir) {
        Map<Path, String> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(
                        dir.relativize(p),
                        Integer.toHexString(java.util.Arrays.hashCode(Files.readAllBytes(p))));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
