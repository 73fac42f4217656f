package io.mlcycle.scorer.spark;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.lake.ScoreTableSchema;
import io.mlcycle.model.BatchScores;
import io.mlcycle.spark.FeatureParts;
import io.mlcycle.spark.SparkRuntime;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.ScoreSummary;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import io.mlcycle.trainer.PlantedData;
import io.mlcycle.trainer.Trainer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Spark scorer on {@code local[2]} against the server image's single-pod scorer. */
@UnitTier
class SparkScoreTest {

    @TempDir static Path root;
    static SparkSession spark;
    static PlantedData data;

    @BeforeAll
    static void start() throws Exception {
        spark = Main.session(SparkRuntime.local("2"));
        spark.sparkContext().setLogLevel("WARN");
        data = PlantedData.write(root, 1200, 300, 5);
        writeSecondView(root.resolve("features/extra/asOf=2026-11-20"));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /**
     * A second FeatureView in two parts: some of the planted entities (in another order) and some
     * only it has, which the outer join adds after the first table's entities.
     */
    static void writeSecondView(Path dir) throws Exception {
        List<SparseTables.Row> first = new ArrayList<>();
        List<SparseTables.Row> second = new ArrayList<>();
        for (int r = 1100; r < 1300; r += 3) {
            SparseTables.Row row =
                    new SparseTables.Row("u" + r, new int[] {0, 2}, new float[] {r % 7, 1f});
            (r % 2 == 0 ? first : second).add(row);
        }
        SparseTables.write(dir, first);
        Path tmp = dir.resolveSibling("tmp-part");
        SparseTables.write(tmp, second);
        Files.move(tmp.resolve("sparse-0.parquet"), dir.resolve("sparse-1.parquet"));
        List<FeatureCatalog.Feature> fs = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
            fs.add(new FeatureCatalog.Feature(j, "x" + j, 1, 0, 7, 3));
        }
        new FeatureCatalog("user_id", "2026-11-20", fs).write(dir);
    }

    static TrainTask training(String algorithm, Path out) {
        return ScoringFixtures.training(data, algorithm, out);
    }

    static ScoreTask scoring(Path model, String digest, List<FeatureInput> features, Path out) {
        return new ScoreTask(
                null,
                "m",
                1,
                model.toUri().toString(),
                "2026-11-21",
                "user_id",
                features,
                out.resolve("asOf=2026-11-21").toUri() + "",
                digest,
                null);
    }

    static List<FeatureInput> bothViews() {
        return List.of(
                data.input(),
                new FeatureInput(
                        "extra",
                        "2026-11-20",
                        root.resolve("features/extra/asOf=2026-11-20").toUri().toString()));
    }

    @Test
    void xgboostScoresOnExecutorsEqualTheSinglePodsScoresRanksAndOrder() throws Exception {
        assertSameAsSinglePod("xgboost");
    }

    @Test
    void logisticScoresOnExecutorsEqualTheSinglePodsScoresRanksAndOrder() throws Exception {
        assertSameAsSinglePod("logistic");
    }

    private void assertSameAsSinglePod(String algorithm) throws Exception {
        Path model = root.resolve("models/" + algorithm);
        Summary trained = Trainer.run(training(algorithm, model));
        assertThat(trained.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        String digest = (String) trained.details().get("artifactDigest");
        Path single = root.resolve("scores/" + algorithm + "/pod");
        Path onSpark = root.resolve("scores/" + algorithm + "/spark");

        Summary one = BatchScores.runInOnePod(scoring(model, digest, bothViews(), single));
        Summary s = Main.handle(scoring(model, digest, bothViews(), onSpark), spark);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.uri()).endsWith("spark/asOf=2026-11-21/");
        assertThat(onSpark.resolve("asOf=2026-11-21/_SUCCESS")).exists();
        assertThat(s.figures().keySet()).isEqualTo(one.figures().keySet());
        // 1200 planted entities and the 33 the second view alone has
        assertThat(s.figures().get("rows")).isEqualTo(1233.0).isEqualTo(one.figures().get("rows"));
        assertThat(s.figures().get("positives")).isEqualTo(one.figures().get("positives"));
        assertThat(s.figures().get("matchedFeatures"))
                .isEqualTo(one.figures().get("matchedFeatures"));
        List<String> expected =
                ScoringFixtures.rows(single.resolve("asOf=2026-11-21/scores.parquet"));
        List<String> actual =
                ScoringFixtures.rows(onSpark.resolve("asOf=2026-11-21/scores.parquet"));
        assertThat(actual).hasSize(1233).containsExactlyElementsOf(expected);
        assertThat(schema(onSpark.resolve("asOf=2026-11-21/scores.parquet")))
                .isEqualTo(schema(single.resolve("asOf=2026-11-21/scores.parquet")));
        // ties exist and are broken the same way (first appearance in the tables)
        assertThat(distinctScores(actual)).isLessThan(actual.size());
    }

    @Test
    void scoresOnExecutorsCommittedToAnIcebergTableHoldTheSinglePodsRowsAndRanks()
            throws Exception {
        Path model = root.resolve("models/scores-table");
        Summary trained = Trainer.run(training("logistic", model));
        String digest = (String) trained.details().get("artifactDigest");
        Path single = root.resolve("scores/table/pod");
        Path lake = root.resolve("scores/table/lake");
        TableCatalog catalog =
                new TableCatalog(
                        TableCatalog.HADOOP,
                        "lake",
                        null,
                        null,
                        "scores",
                        "m_scores",
                        null,
                        null,
                        null);
        ScoreTask plain = scoring(model, digest, bothViews(), lake);

        BatchScores.runInOnePod(scoring(model, digest, bothViews(), single));
        Summary s =
                Main.handle(
                        new ScoreTask(
                                plain.owner(),
                                plain.model(),
                                plain.version(),
                                plain.artifactUri(),
                                plain.asOf(),
                                plain.entity(),
                                plain.features(),
                                plain.outputUri(),
                                plain.artifactDigest(),
                                catalog),
                        spark);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        LakeTable table =
                LakeTable.open(
                        LakeCatalog.of(catalog, lake.toUri().toString(), name -> null),
                        ScoreTableSchema.KIND);
        ScanPlan tagged = table.plan("2026-11-21");
        assertThat(ScoreSummary.committed(s).snapshotId()).isEqualTo(tagged.snapshotId());
        assertThat(tagged.dataFiles()).hasSize(1);
        assertThat(ScoringFixtures.rows(Path.of(URI.create(tagged.dataFiles().get(0)))))
                .hasSize(1233)
                .containsExactlyElementsOf(
                        ScoringFixtures.rows(single.resolve("asOf=2026-11-21/scores.parquet")));
        assertThat(lake.resolve("asOf=2026-11-21")).doesNotExist();
    }

    @Test
    void anIcebergViewIsScoredFromThePlannedFilesAsItsDirectoryInOnePod() throws Exception {
        Path model = root.resolve("models/iceberg");
        Summary trained = Trainer.run(training("xgboost", model));
        String digest = (String) trained.details().get("artifactDigest");
        FeatureInput in = data.input();
        PlantedData.IcebergView view = data.iceberg(root.resolve("lake"));
        FeatureInput iceberg = view.input();
        Path single = root.resolve("scores/iceberg/pod");
        Path onSpark = root.resolve("scores/iceberg/spark");

        BatchScores.runInOnePod(scoring(model, digest, List.of(in), single));
        Summary s = Main.handle(scoring(model, digest, List.of(iceberg), onSpark), spark);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(TrainSummary.snapshotIds(s))
                .containsExactly(
                        Map.entry(
                                TrainSummary.snapshotKey(in.featureView(), in.asOf()),
                                view.snapshotId()));
        assertThat(ScoringFixtures.rows(onSpark.resolve("asOf=2026-11-21/scores.parquet")))
                .hasSize(1200)
                .containsExactlyElementsOf(
                        ScoringFixtures.rows(single.resolve("asOf=2026-11-21/scores.parquet")));
    }

    @Test
    void anEntityTwiceInOneViewFailsOnTheExecutorsAndTheLastGoodScoresStay() throws Exception {
        Path model = root.resolve("models/dup");
        Summary trained = Trainer.run(training("xgboost", model));
        String digest = (String) trained.details().get("artifactDigest");
        Path out = root.resolve("scores/dup");
        Main.handle(scoring(model, digest, List.of(data.input()), out), spark);
        byte[] before = Files.readAllBytes(out.resolve("asOf=2026-11-21/scores.parquet"));

        Path dup = root.resolve("features/dup/asOf=2026-11-20");
        SparseTables.write(
                dup,
                List.of(
                        new SparseTables.Row("u1", new int[] {7}, new float[] {1}),
                        new SparseTables.Row("u1", new int[] {7}, new float[] {2})));
        FeatureCatalog.read(data.featureDir).write(dup);
        List<FeatureInput> bad =
                List.of(new FeatureInput("events", "2026-11-20", dup.toUri() + ""));

        assertThatThrownBy(() -> Main.handle(scoring(model, digest, bad, out), spark))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.reason()).isEqualTo("DuplicateEntity");
                            assertThat(f.getMessage())
                                    .isEqualTo("featureView 'events' has entity 'u1' twice");
                        });
        assertThat(Files.readAllBytes(out.resolve("asOf=2026-11-21/scores.parquet")))
                .isEqualTo(before);
        assertThat(out.resolve("asOf=2026-11-21/_SUCCESS")).exists();
    }

    @Test
    void aTableWrittenAsOnePartIsSlicedSoEveryCoreScores() {
        FeatureParts.Table one =
                new FeatureParts.Table(
                        0,
                        "events",
                        new FeatureCatalog("user_id", "d", List.of()),
                        List.of("file:///t/sparse-0.parquet"));
        assertThat(FeatureParts.slices(List.of(one), 4))
                .extracting(FeatureParts.Slice::slice, FeatureParts.Slice::slices)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0, 4),
                        org.assertj.core.groups.Tuple.tuple(1, 4),
                        org.assertj.core.groups.Tuple.tuple(2, 4),
                        org.assertj.core.groups.Tuple.tuple(3, 4));
    }

    @Test
    void executorsThatNeverStartEndTheRunNamingTheSettingsToChange() {
        // on local[2] the driver is the only "executor": none ever registers
        var watch = new io.mlcycle.spark.ExecutorWatch(Main.JOB);
        assertThatThrownBy(() -> watch.awaitFirst(spark.sparkContext(), 300))
                .isInstanceOfSatisfying(
                        TaskFailure.class,
                        f -> {
                            assertThat(f.reason()).isEqualTo("ExecutorsUnavailable");
                            assertThat(f.getMessage())
                                    .contains("spark.mlcycle.executorStartTimeout")
                                    .contains("spec.batch.spark.executor")
                                    .contains("spec.batch.spark.image");
                        });
    }

    static String schema(Path parquet) throws Exception {
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT string_agg(column_name || ' ' || column_type, ', ') FROM"
                                        + " (DESCRIBE SELECT * FROM read_parquet("
                                        + SparseTables.literal(parquet.toString())
                                        + "))")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static long distinctScores(List<String> rows) {
        return rows.stream().map(r -> r.split("\\|")[1]).distinct().count();
    }
}
