package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.task.PivotSummary;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.mlcycle.pivot.Fixtures.EVENTS;
import static io.mlcycle.pivot.Fixtures.failure;
import static io.mlcycle.pivot.Fixtures.read;
import static io.mlcycle.pivot.Fixtures.snapshot;
import static io.mlcycle.pivot.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class PivotRunnerTest {

    @TempDir Path tmp;
    Path store;
    String rawUri;

    @BeforeEach
    void setUp() {
        store = tmp.resolve("store");
        write(tmp.resolve("raw/dt=2026-11-20/part-0.parquet"), EVENTS);
        rawUri = tmp.resolve("raw").toUri() + "dt={date}/";
    }

    Fixtures.TaskBuilder task() {
        return new Fixtures.TaskBuilder(rawUri, store);
    }

    Summary run(PivotTask t) throws IOException {
        return new PivotRunner(name -> null).run(t);
    }

    Path version(String asOf) {
        return new VersionedStore(store).versionDir(asOf);
    }

    // u1: a=2 (01h), a=5 (03h), b=1; u2: a=3 (05h), a=1 (02h, later in the file); u3: b=4.
    @ParameterizedTest(name = "{0} by time column ''{1}''")
    @CsvSource({
        "sum,   , 7,   1, 4,   4",
        "count, , 2,   1, 2,   1",
        "max,   , 5,   1, 3,   4",
        "min,   , 2,   1, 1,   4",
        "mean,  , 3.5, 1, 2,   4",
        "last,  , 5,   1, 1,   4",
        "last, ts, 5,  1, 3,   4"
    })
    void everyAggregateMatchesTheHandComputedCase(
            String aggregate, String time, float u1a, float u1b, float u2a, float u3b)
            throws IOException {
        var b = task();
        b.aggregate = aggregate;
        b.timeColumn = time;
        Summary s = run(b.build());

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(read(version("2026-11-21")))
                .isEqualTo(
                        Map.of(
                                "u1", Map.of("a", u1a, "b", u1b),
                                "u2", Map.of("a", u2a),
                                "u3", Map.of("b", u3b)));
        assertThat(s.figures())
                .containsEntry("sourceRows", 6.0)
                .containsEntry("filteredRows", 6.0)
                .containsEntry("entities", 3.0)
                .containsEntry("features", 2.0)
                .containsEntry("nonZeros", 4.0)
                .containsEntry("sparsity", 1 - 4 / 6.0);
    }

    @Test
    void severalOutputPassesGiveTheSameTable() throws IOException {
        var b = task();
        b.wide = 10;
        new PivotRunner(name -> null, 2).run(b.build());
        try (Stream<Path> files = Files.list(version("2026-11-21"))) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("sparse-")))
                    .hasSize(2);
        }
        assertThat(read(version("2026-11-21")))
                .isEqualTo(
                        Map.of(
                                "u1", Map.of("a", 7f, "b", 1f),
                                "u2", Map.of("a", 4f),
                                "u3", Map.of("b", 4f)));
        assertThat(version("2026-11-21").resolve("wide.parquet")).exists();
    }

    @Test
    void countWithoutValueColumnCountsRows() throws IOException {
        var b = task();
        b.aggregate = "count";
        b.value = null;
        run(b.build());
        assertThat(read(version("2026-11-21")).get("u1")).isEqualTo(Map.of("a", 2f, "b", 1f));
    }

    @Test
    void csvSourceGivesTheSameTable() throws IOException {
        write(tmp.resolve("csv/dt=2026-11-20/part-0.csv"), EVENTS);
        var b = new Fixtures.TaskBuilder(tmp.resolve("csv").toUri() + "dt={date}/", store);
        b.format = "csv";
        b.aggregate = "last";
        run(b.build());
        assertThat(read(version("2026-11-21")).get("u2")).isEqualTo(Map.of("a", 1f));
    }

    @Test
    void catalogAndStatsDescribeTheVersion() throws IOException {
        var b = task();
        b.prefix = "ev_";
        Summary s = run(b.build());

        Path v = version("2026-11-21");
        assertThat(s.uri()).isEqualTo(v.toUri().toString());
        FeatureCatalog cat = FeatureCatalog.read(v);
        assertThat(cat.entity()).isEqualTo("user_id");
        assertThat(cat.features())
                .containsExactly(
                        new FeatureCatalog.Feature(0, "ev_a", 2, 4, 7, 5.5),
                        new FeatureCatalog.Feature(1, "ev_b", 2, 1, 4, 2.5));
        var stats = TaskJson.MAPPER.readTree(v.resolve("stats.json").toFile());
        assertThat(stats.get("entities").asLong()).isEqualTo(3);
        assertThat(stats.get("nonZeros").asLong()).isEqualTo(4);
        assertThat(stats.get("seconds").asDouble()).isPositive();
        assertThat(v.resolve(VersionedStore.SUCCESS)).exists();
        try (Stream<Path> files = Files.list(v)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "sparse-0.parquet", "features.json", "stats.json", "_SUCCESS");
        }
    }

    @Test
    void whereExcludeListAndTimeColumnFilterRows() throws IOException {
        write(tmp.resolve("blacklist.csv"), "SELECT 'u2' AS user_id");
        var b = task();
        b.where = "channel <> 'test'";
        b.exclude =
                List.of(
                        new PivotTask.EntityList(
                                tmp.resolve("blacklist.csv").toUri().toString(), "user_id", null));
        Summary s = run(b.build());
        assertThat(read(version("2026-11-21"))).isEqualTo(Map.of("u1", Map.of("a", 7f, "b", 1f)));
        assertThat(s.figures()).containsEntry("sourceRows", 6.0).containsEntry("filteredRows", 3.0);

        var t = task();
        t.timeColumn = "ts";
        t.from = "2026-11-20";
        t.to = "2026-11-21";
        write(
                tmp.resolve("raw/dt=2026-11-20/part-1.parquet"),
                "SELECT 'u9' AS user_id, 'a' AS event_id, 1 AS cnt,"
                        + " TIMESTAMP '2026-11-19 23:00:00' AS ts, 'web' AS channel");
        s = run(t.build());
        assertThat(s.figures()).containsEntry("sourceRows", 7.0).containsEntry("filteredRows", 6.0);
        assertThat(read(version("2026-11-21"))).doesNotContainKey("u9");
    }

    @Test
    void windowReadsOnePartitionPerDateAndWaitsForMissingMarkers() throws IOException {
        write(tmp.resolve("raw/dt=2026-11-18/part-0.parquet"), EVENTS);
        write(tmp.resolve("raw/dt=2026-11-19/part-0.parquet"), EVENTS);
        var b = task();
        b.from = "2026-11-18";
        b.to = "2026-11-21";
        assertThat(run(b.build()).figures()).containsEntry("sourceRows", 18.0);

        b.from = "2026-11-19";
        b.to = "2026-11-20";
        b.asOf = "2026-11-20";
        assertThat(run(b.build()).figures()).containsEntry("sourceRows", 6.0);

        Files.writeString(tmp.resolve("raw/dt=2026-11-18/_SUCCESS"), "");
        Files.writeString(tmp.resolve("raw/dt=2026-11-19/_SUCCESS"), "");
        b.marker = "_SUCCESS";
        b.from = "2026-11-18";
        b.to = "2026-11-22";
        b.asOf = "2026-11-22";
        TaskFailure f = failure(b.build());
        assertThat(f.outcome()).isEqualTo(Summary.Outcome.WaitingForData);
        assertThat(f.reason()).isEqualTo("WaitingForData");
        assertThat(f.details()).isEqualTo(List.of("2026-11-20", "2026-11-21"));
        assertThat(f.getMessage()).contains("2 of 4 partitions").contains("dt=2026-11-20/");
        assertThat(version("2026-11-22")).doesNotExist();

        Files.writeString(tmp.resolve("raw/dt=2026-11-20/_SUCCESS"), "");
        b.to = "2026-11-21";
        assertThat(run(b.build()).figures()).containsEntry("sourceRows", 18.0);
    }

    @Test
    void minEntitiesAndMaxFeaturesPruneDeterministically() throws IOException {
        write(
                tmp.resolve("raw/dt=2026-11-20/part-1.parquet"),
                "SELECT * FROM (VALUES ('u4', 'c', 1), ('u5', 'c', 1), ('u6', 'c', 1),"
                        + " ('u4', 'z', 1), ('u4', 'y', 1)) t(user_id, event_id, cnt)");
        var b = task();
        b.minEntities = 2;
        b.maxFeatures = 2;
        run(b.build());
        FeatureCatalog cat = FeatureCatalog.read(version("2026-11-21"));
        // c has 3 entities; a and b tie at 2, a wins by name; y and z have 1.
        assertThat(cat.features())
                .extracting(FeatureCatalog.Feature::name)
                .containsExactly("c", "a");
        assertThat(read(version("2026-11-21")).get("u3")).isEmpty();
    }

    @Test
    void featuresKeepTheirIndexAcrossVersions() throws IOException {
        var b = task();
        b.asOf = "2026-11-21";
        run(b.build());
        assertThat(FeatureCatalog.read(version("2026-11-21")).indexByName())
                .isEqualTo(Map.of("a", 0, "b", 1));

        write(
                tmp.resolve("raw/dt=2026-11-21/part-0.parquet"),
                "SELECT * FROM (VALUES ('u1', 'n', 1), ('u2', 'n', 1), ('u3', 'n', 1),"
                        + " ('u1', 'b', 1)) t(user_id, event_id, cnt)");
        b.asOf = "2026-11-22";
        b.from = "2026-11-21";
        b.to = "2026-11-22";
        run(b.build());
        // n is the most supported now but is appended; b keeps index 1 although a is gone.
        FeatureCatalog cat = FeatureCatalog.read(version("2026-11-22"));
        assertThat(cat.indexByName()).isEqualTo(Map.of("n", 0, "b", 1));
        assertThat(read(version("2026-11-22")).get("u1")).isEqualTo(Map.of("n", 1f, "b", 1f));
    }

    @Test
    void keepPrunesOldVersions() throws IOException {
        var b = task();
        b.keep = 2;
        for (String asOf : List.of("2026-11-21", "2026-11-22", "2026-11-23")) {
            b.asOf = asOf;
            Summary s = run(b.build());
            assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        }
        assertThat(new VersionedStore(store).completeVersions())
                .containsExactly("2026-11-23", "2026-11-22");
        assertThat(version("2026-11-21")).doesNotExist();
    }

    @Test
    void summaryPublishesTheTablesColumnNamesWhileTheyFit() throws IOException {
        Summary s = run(task().build());
        assertThat(PivotSummary.columns(s)).containsExactlyInAnyOrder("a", "b");
        assertThat(PivotSummary.columnsDetail(List.of("x".repeat(3000)))).isNull();
    }

    @Test
    void wideExportHasOneColumnPerFeatureUnderTheLimit() throws Exception {
        var b = task();
        b.wide = 2;
        Summary s = run(b.build());
        assertThat(s.details()).containsEntry("wideExport", true);
        Path wide = version("2026-11-21").resolve("wide.parquet");
        try (var c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, a, b FROM read_parquet("
                                        + SparseTables.literal(wide.toString())
                                        + ") ORDER BY entity")) {
            StringBuilder sb = new StringBuilder();
            while (rs.next()) {
                sb.append(rs.getString(1))
                        .append(':')
                        .append(rs.getFloat(2))
                        .append(',')
                        .append(rs.getFloat(3))
                        .append(' ');
            }
            assertThat(sb.toString().trim()).isEqualTo("u1:7.0,1.0 u2:4.0,0.0 u3:0.0,4.0");
        }
        b.wide = 1;
        b.asOf = "2026-11-22";
        run(b.build());
        assertThat(version("2026-11-22").resolve("wide.parquet")).doesNotExist();

        // names equal but for case cannot be columns of one table: no wide export, no failure
        write(
                tmp.resolve("raw/dt=2026-11-20/part-1.parquet"),
                "SELECT 'u1' AS user_id, 'A' AS event_id, 1 AS cnt");
        b.wide = 10;
        b.asOf = "2026-11-23";
        assertThat(run(b.build()).details()).containsEntry("wideExport", false);
    }

    @Test
    void validationFailureNamesTheRuleAndKeepsTheLastGoodVersion() throws IOException {
        run(task().build());
        Map<Path, String> before = snapshot(store);
        var b = task();
        b.asOf = "2026-11-22";
        b.validation = new PivotTask.Validation(10, null, 0.1, List.of("a", "zz"));
        TaskFailure f = failure(b.build());
        assertThat(f.outcome()).isEqualTo(Summary.Outcome.ValidationFailed);
        assertThat(f.reason()).isEqualTo("ValidationFailed");
        assertThat(f.getMessage())
                .contains("validation.minEntities: 3 entities < 10")
                .contains("validation.maxSparsity: sparsity 0.333333 > 0.1")
                .contains("validation.requiredFeatures: missing zz");
        assertThat(snapshot(store)).isEqualTo(before);
    }

    @Test
    void missingColumnIsNamed() throws IOException {
        assertBadInput(b -> b.value = "amount", "MissingColumn", "pivot.value column 'amount'");
        assertBadInput(b -> b.entity = "player", "MissingColumn", "entity column 'player'");
    }

    @Test
    void nonNumericValueColumnIsRefused() throws IOException {
        write(
                tmp.resolve("text/dt=2026-11-20/part-0.parquet"),
                "SELECT 'u1' AS user_id, 'a' AS event_id, 'lots' AS cnt");
        assertBadInput(
                b -> b.uri = tmp.resolve("text").toUri() + "dt={date}/",
                "NonNumericValue",
                "'lots'");
        assertBadInput(b -> b.value = "ts", "NonNumericValue", "type TIMESTAMP");
    }

    @Test
    void emptySourceIsRefused() throws IOException {
        write(
                tmp.resolve("empty/dt=2026-11-20/part-0.parquet"),
                "SELECT 'u1' AS user_id, 'a' AS event_id, 1 AS cnt LIMIT 0");
        assertBadInput(
                b -> b.uri = tmp.resolve("empty").toUri() + "dt={date}/", "EmptySource", "no rows");
        Files.createDirectories(tmp.resolve("nofiles/dt=2026-11-20"));
        assertBadInput(
                b -> b.uri = tmp.resolve("nofiles").toUri() + "dt={date}/",
                "EmptySource",
                "no parquet files");
        assertBadInput(b -> b.where = "cnt > 100", "EmptySource", "filters removed all 6");
    }

    @Test
    void corruptParquetFileIsNamed() throws IOException {
        run(task().build());
        Files.writeString(tmp.resolve("raw/dt=2026-11-20/part-1.parquet"), "not parquet at all");
        assertBadInput(b -> {}, "CorruptFile", "part-1.parquet");
    }

    @Test
    void whereWithASecondStatementIsRefused() throws IOException {
        Path victim = tmp.resolve("pwned.csv");
        assertBadInput(
                b -> b.where = "1=1; COPY (SELECT 1) TO '" + victim + "'",
                "InvalidFilter",
                "filters.where");
        assertBadInput(b -> b.where = "1=1) UNION ALL (SELECT 1", "InvalidFilter", "filters.where");
        assertBadInput(b -> b.where = "user_id IN (SELECT 'u1')", "InvalidFilter", "subqueries");
        assertBadInput(b -> b.where = "1=1) LIMIT (1", "InvalidFilter", "filters.where");
        assertBadInput(b -> b.where = "nosuchcolumn = 1", "InvalidFilter", "nosuchcolumn");
        assertThat(victim).doesNotExist();
    }

    private void assertBadInput(
            java.util.function.Consumer<Fixtures.TaskBuilder> change, String reason, String text)
            throws IOException {
        if (new VersionedStore(store).latest().isEmpty()) {
            run(task().build());
        }
        Map<Path, String> before = snapshot(store);
        var b = task();
        b.asOf = "2026-11-22";
        change.accept(b);
        TaskFailure f = failure(b.build());
        assertThat(f.reason()).isEqualTo(reason);
        assertThat(f.getMessage()).contains(text);
        assertThat(snapshot(store)).as("store after a failed run").isEqualTo(before);
        try (Stream<Path> s = Files.list(store)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("asOf=2026-11-21");
        }
    }
}
