package io.mlcycle.pivot.spark;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.examples.GameLogGenerator;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.UnitTier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key check: the DuckDB and the Spark engine, run on the same generated event log with
 * the same task (filters, every aggregate, two as-of days so the second reuses the first's feature
 * indices), publish identical versions — the same files byte for byte, stats.json apart from its
 * timing.
 */
@UnitTier
class EnginesAgreeTest {

    @TempDir static Path tmp;
    static SparkSession spark;
    static String parquetUri;
    static String csvUri;
    static PivotTask.EntityList blacklist;

    @BeforeAll
    static void generate() throws IOException, SQLException {
        spark = TestSpark.start();
        Path data = tmp.resolve("data");
        GameLogGenerator.Result r =
                GameLogGenerator.generate(
                        new GameLogGenerator.Config(300, 200, 3, LocalDate.of(2026, 11, 21), 7),
                        data);
        assertThat(r.blacklisted()).isPositive();
        parquetUri = data.resolve("raw/item-events").toUri() + "dt={date}/";
        blacklist =
                new PivotTask.EntityList(
                        data.resolve("blacklist.csv").toUri().toString(), "user_id", null);
        // the same events as CSV, each day split over two files so 'last' sees file order
        Path csv = data.resolve("raw/item-events-csv");
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement()) {
            for (String day : r.dates()) {
                Path dir = Files.createDirectories(csv.resolve("dt=" + day));
                for (int part = 0; part < 2; part++) {
                    st.execute(
                            "COPY (SELECT * FROM read_parquet("
                                    + SparseTables.literal(
                                            data.resolve(
                                                            "raw/item-events/dt="
                                                                    + day
                                                                    + "/part-0.parquet")
                                                    .toString())
                                    + ") WHERE cnt % 2 = "
                                    + part
                                    + ") TO "
                                    + SparseTables.literal(
                                            dir.resolve("part-" + part + ".csv").toString())
                                    + " (FORMAT csv, HEADER)");
                }
                Files.writeString(dir.resolve(VersionedStore.SUCCESS), "");
            }
        }
        csvUri = csv.toUri() + "dt={date}/";
    }

    @ParameterizedTest(name = "{0} of {1} over {3}, time column ''{2}''")
    @CsvSource({
        "sum,   cnt, ,   parquet",
        "count,    , ,   parquet",
        "max,   cnt, ,   parquet",
        "mean,  cnt, ,   parquet",
        "last,  cnt, ts, parquet",
        "last,  cnt, ,   parquet",
        "last,  cnt, ,   csv",
        "mean,  cnt, ts, csv"
    })
    void bothEnginesPublishIdenticalVersions(
            String aggregate, String value, String time, String format) throws IOException {
        Path duckStore = tmp.resolve("duck-" + aggregate + value + time + format);
        Path sparkStore = tmp.resolve("spark-" + aggregate + value + time + format);
        Map<String, Integer> firstIndices = null;
        for (String[] day :
                new String[][] {{"2026-11-20", "2026-11-18"}, {"2026-11-21", "2026-11-19"}}) {
            Summary duck = TestSpark.duckdb(task(aggregate, value, time, format, duckStore, day));
            Summary onSpark =
                    TestSpark.spark(spark, task(aggregate, value, time, format, sparkStore, day));
            assertThat(duck.outcome()).isEqualTo(Summary.Outcome.Succeeded);
            assertThat(onSpark.outcome())
                    .as(onSpark.message())
                    .isEqualTo(Summary.Outcome.Succeeded);
            assertThat(EngineOutputs.withoutSeconds(onSpark.figures()))
                    .isEqualTo(EngineOutputs.withoutSeconds(duck.figures()));
            assertThat(onSpark.details()).containsEntry("engine", "spark");
            // the filters did remove rows: the 'test' channel and the blacklist
            assertThat(duck.figures().get("filteredRows"))
                    .isLessThan(duck.figures().get("sourceRows"));

            Path d = new VersionedStore(duckStore).versionDir(day[0]);
            Path s = new VersionedStore(sparkStore).versionDir(day[0]);
            EngineOutputs.assertSameRows(d, s);
            EngineOutputs.assertSameFiles(d, s);
            Map<String, Integer> indices = FeatureCatalog.read(s).indexByName();
            if (firstIndices == null) {
                firstIndices = indices;
            } else {
                int n = indices.size();
                firstIndices.forEach(
                        (name, i) -> {
                            if (indices.containsKey(name) && i < n) {
                                assertThat(indices.get(name)).as(name).isEqualTo(i);
                            }
                        });
            }
        }
    }

    private static PivotTask task(
            String aggregate, String value, String time, String format, Path store, String[] day) {
        Tasks t = new Tasks(format.equals("csv") ? csvUri : parquetUri, store).day(day[0], day[1]);
        t.format = format;
        t.aggregate = aggregate;
        t.value = value;
        t.timeColumn = time;
        t.where = "channel <> 'test' AND cnt < 4";
        t.exclude.add(blacklist);
        t.minEntities = 2;
        t.maxFeatures = 150;
        t.wide = 1000;
        return t.build();
    }
}
