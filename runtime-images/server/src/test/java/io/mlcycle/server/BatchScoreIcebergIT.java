package io.mlcycle.server;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainSummary;
import io.mlcycle.testing.PostgresPerClass;
import io.mlcycle.testing.PostgresServer;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Batch scoring of a FeatureView stored as an Iceberg table reads the as-of's tag through the
 * catalog (Hadoop on a temp dir, JDBC on a real PostgreSQL), never the version's directory.
 */
@RealServersTier
class BatchScoreIcebergIT {

    private static final Map<String, String> ENV =
            Map.of("CAT_USER", PostgresServer.USER, "CAT_PASSWORD", PostgresServer.PASSWORD);

    @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

    @TempDir Path tmp;

    private TableCatalog hadoop() {
        return new TableCatalog(
                TableCatalog.HADOOP,
                "lake",
                null,
                tmp.resolve("lake").toUri().toString(),
                "features",
                TestModels.VIEW,
                null,
                null,
                null);
    }

    private TableCatalog jdbc() {
        return new TableCatalog(
                TableCatalog.JDBC,
                "lake",
                postgres.server().url(),
                tmp.resolve("lake").toUri().toString(),
                "features",
                TestModels.VIEW,
                "CAT_USER",
                "CAT_PASSWORD",
                null);
    }

    /** Writes {@code rows} as a run's files and commits them as the as-of's tagged snapshot. */
    private long commit(TableCatalog catalog, String asOf, List<SparseTables.Row> rows)
            throws Exception {
        Path dir = tmp.resolve("runs/" + asOf);
        TestModels.writeFeatureTable(dir, rows);
        LakeTable table = LakeTable.openOrCreate(LakeCatalog.of(catalog, null, ENV::get));
        return table.commit(
                asOf,
                List.of(dir.resolve("sparse-0.parquet")),
                Map.of(ScanPlan.FEATURES, dir.resolve(FeatureCatalog.FILE).toUri().toString()));
    }

    /** A scoring of the table's {@code asOf} whose uri names a directory that does not exist. */
    private ScoreTask task(TableCatalog catalog, String asOf, Path out) {
        ScoreTask plain =
                TestModels.scoreTask(
                        TestModels.artifact().toUri().toString(),
                        tmp.resolve("no-such-dir/asOf=" + asOf).toUri().toString(),
                        out.toUri().toString());
        FeatureInput in = plain.features().get(0);
        return new ScoreTask(
                plain.owner(),
                plain.model(),
                plain.version(),
                plain.artifactUri(),
                plain.asOf(),
                plain.entity(),
                List.of(new FeatureInput(in.featureView(), asOf, in.uri(), catalog, null)),
                plain.outputUri(),
                null,
                null);
    }

    private static Map<String, Float> expected(List<SparseTables.Row> rows) {
        float[] p = TestModels.load().predict(TestModels.matrix(rows));
        Map<String, Float> byEntity = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byEntity.put(rows.get(i).entity(), p[i]);
        }
        return byEntity;
    }

    private void scoresTheTaggedVersionNotTheDirectory(
            TableCatalog catalog, Function<String, String> env) throws Exception {
        List<SparseTables.Row> older = TestModels.rows(40, 21);
        List<SparseTables.Row> newer = TestModels.rows(15, 22);
        long olderSnapshot = commit(catalog, "2026-11-19", older);
        commit(catalog, "2026-11-20", newer);
        Path out = tmp.resolve("scores/asOf=2026-11-21");

        Summary s = BatchScore.run(task(catalog, "2026-11-19", out), env);

        assertThat(s.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        assertThat(s.figures()).containsEntry("rows", 40.0);
        assertThat(TestModels.scores(out)).isEqualTo(expected(older));
        Summary reported = TaskJson.readSummary(TaskJson.writeSummary(s));
        assertThat(TrainSummary.snapshotIds(reported))
                .as("the termination message names the snapshot the scores came from")
                .containsExactly(
                        Map.entry(
                                TrainSummary.snapshotKey(TestModels.VIEW, "2026-11-19"),
                                olderSnapshot));
    }

    @Test
    void aHadoopCatalogVersionIsScoredFromItsTagsFiles() throws Exception {
        scoresTheTaggedVersionNotTheDirectory(hadoop(), name -> null);
    }

    @Test
    void aJdbcCatalogVersionIsScoredFromItsTagsFilesWithTheCredentialsFromTheEnvironment()
            throws Exception {
        scoresTheTaggedVersionNotTheDirectory(jdbc(), ENV::get);
    }

    @Test
    void anAsOfTheTableHasNoTagForIsRefusedNamingTableAndTagsAndNothingIsPublished()
            throws Exception {
        commit(hadoop(), "2026-11-20", TestModels.rows(10, 23));
        Path out = tmp.resolve("scores/asOf=2026-11-21");

        assertThatThrownBy(() -> BatchScore.run(task(hadoop(), "2026-11-18", out), name -> null))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("table features." + TestModels.VIEW)
                .hasMessageContaining("has no version asOf 2026-11-18 (tag asOf-2026-11-18)")
                .hasMessageEndingWith("it has [2026-11-20]")
                .satisfies(e -> assertThat(((TaskFailure) e).reason()).isEqualTo("AsOfNotInTable"));
        assertThat(out).doesNotExist();
    }
}
