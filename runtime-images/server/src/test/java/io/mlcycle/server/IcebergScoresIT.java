package io.mlcycle.server;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeSink;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScoreTableSchema;
import io.mlcycle.task.ScoreSummary;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.PostgresPerClass;
import io.mlcycle.testing.PostgresServer;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.testing.RestCatalogServer;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

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

/**
 * Batch scores committed to an Iceberg table ({@code ScoreTask.outputCatalog}): each run is one
 * commit tagged by its as-of, holding the same rows, columns and ranks as {@code scores.parquet};
 * the summary names the snapshot; a failed run commits nothing. Hadoop and JDBC catalogs on a
 * file:// warehouse, the JDBC catalog on an s3:// warehouse (real PostgreSQL and S3Proxy), and a
 * REST catalog (Iceberg's own REST server on SQLite, {@link RestCatalogServer}) with an OAuth2
 * client credential or a bearer token.
 */
@RealServersTier
class IcebergScoresIT {

    /** The pod's environment: the JDBC catalog's user and password, the REST catalog's secrets. */
    private static final Map<String, String> ENV =
            Map.of(
                    "CAT_USER", PostgresServer.USER,
                    "CAT_PASSWORD", PostgresServer.PASSWORD,
                    "REST_ID", RestCatalogServer.CLIENT_ID,
                    "REST_SECRET", RestCatalogServer.CLIENT_SECRET,
                    "REST_TOKEN", RestCatalogServer.TOKEN,
                    "WRONG_TOKEN", "not-the-token");

    @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

    static RestCatalogServer rest;

    @TempDir Path tmp;

    @BeforeAll
    static void startRestCatalog() throws Exception {
        rest = RestCatalogServer.start(Files.createTempDirectory("rest-scores"));
    }

    @AfterAll
    static void stopRestCatalog() throws Exception {
        if (rest != null) {
            rest.close();
        }
    }

    /** The catalog with table {@code scores.<table>}; warehouse: the parent of the outputUri. */
    private TableCatalog catalog(String type, String table) {
        boolean jdbc = TableCatalog.JDBC.equals(type);
        return new TableCatalog(
                type,
                "lake",
                jdbc ? postgres.server().url() : null,
                null,
                "scores",
                table,
                jdbc ? "CAT_USER" : null,
                jdbc ? "CAT_PASSWORD" : null,
                null);
    }

    /**
     * The REST catalog's table {@code scores.<table>} (the server places it) with the OAuth2 client
     * id and secret ({@code tokenEnv} null) or only the bearer token in {@code tokenEnv}.
     */
    private static TableCatalog restCatalog(String table, String tokenEnv) {
        boolean oauth = tokenEnv == null;
        return new TableCatalog(
                TableCatalog.REST,
                "lake",
                rest.uri(),
                null,
                "scores",
                table,
                oauth ? "REST_ID" : null,
                oauth ? "REST_SECRET" : null,
                tokenEnv);
    }

    /** The scoring of the {@link TestModels#VIEW} directory as of {@code asOf} into {@code out}. */
    private ScoreTask task(String asOf, String features, String out, TableCatalog catalog) {
        ScoreTask t = TestModels.scoreTask(TestModels.artifact().toUri().toString(), features, out);
        return new ScoreTask(
                t.owner(),
                t.model(),
                t.version(),
                t.artifactUri(),
                asOf,
                t.entity(),
                t.features(),
                out + "asOf=" + asOf + "/",
                t.artifactDigest(),
                catalog);
    }

    private String featureTable(int rows, long seed) throws Exception {
        Path dir = tmp.resolve("features-" + seed + "/asOf=2026-11-20");
        TestModels.writeFeatureTable(dir, TestModels.rows(rows, seed));
        return dir.toUri().toString();
    }

    /** entity, score, rank of Parquet files, by rank. */
    private static List<String> rows(List<Path> files) throws Exception {
        List<String> out = new ArrayList<>();
        StringBuilder list = new StringBuilder();
        for (Path f : files) {
            list.append(list.isEmpty() ? "" : ", ").append(SparseTables.literal(f.toString()));
        }
        try (Connection c = SparseTables.duckdb();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT entity, score, rank FROM read_parquet(["
                                        + list
                                        + "]) ORDER BY rank")) {
            while (rs.next()) {
                out.add(rs.getString(1) + "," + rs.getFloat(2) + "," + rs.getLong(3));
            }
        }
        return out;
    }

    /** The rows of the table's {@code asOf} tag, read from the files its scan plans. */
    private static List<String> tagged(LakeTable table, String asOf) throws Exception {
        List<Path> local = new ArrayList<>();
        for (String f : table.plan(asOf).dataFiles()) {
            local.add(
                    Storage.isS3(f) ? Storage.stage(f, "scores") : Path.of(java.net.URI.create(f)));
        }
        return rows(local);
    }

    private static LakeTable open(TableCatalog catalog, String warehouse) {
        return LakeTable.open(LakeCatalog.of(catalog, warehouse, ENV::get), ScoreTableSchema.KIND);
    }

    private void eachRunIsOneTaggedCommitWithTheDirectorysRows(
            TableCatalog catalog, String warehouse) throws Exception {
        String features = featureTable(40, 31);
        Path dirOut = tmp.resolve("dir");
        Summary plain = BatchScore.run(task("2026-11-21", features, dirOut.toUri() + "/", null));
        Summary first = BatchScore.run(task("2026-11-21", features, warehouse, catalog), ENV::get);
        Summary second =
                BatchScore.run(
                        task("2026-11-22", featureTable(25, 32), warehouse, catalog), ENV::get);

        assertThat(first.outcome()).isEqualTo(Summary.Outcome.Succeeded);
        for (String figure :
                List.of(
                        ScoreSummary.ROWS,
                        ScoreSummary.POSITIVES,
                        ScoreSummary.THRESHOLD,
                        ScoreSummary.MATCHED_FEATURES)) {
            assertThat(first.figures().get(figure))
                    .as(figure)
                    .isEqualTo(plain.figures().get(figure));
        }
        LakeTable table = open(catalog, warehouse);
        assertThat(table.asOfTags()).containsExactly("2026-11-22", "2026-11-21");
        List<String> expected = rows(List.of(dirOut.resolve("asOf=2026-11-21/scores.parquet")));
        assertThat(expected).hasSize(40);
        assertThat(tagged(table, "2026-11-21"))
                .as("the tag holds the same entities, scores and ranks as scores.parquet")
                .isEqualTo(expected);
        assertThat(tagged(table, "2026-11-22")).hasSize(25);
        Summary reported = TaskJson.readSummary(TaskJson.writeSummary(second));
        ScoreSummary.Committed committed = ScoreSummary.committed(reported);
        assertThat(committed.snapshotId())
                .as("the termination message names the committed snapshot")
                .isEqualTo(table.table().currentSnapshot().snapshotId())
                .isEqualTo(table.plan("2026-11-22").snapshotId());
        assertThat(committed.table()).endsWith("table scores." + catalog.table());
        assertThat(committed.asOf()).isEqualTo("2026-11-22");
        Snapshot snapshot = table.table().currentSnapshot();
        assertThat(snapshot.summary())
                .containsEntry(LakeSink.MODEL, TestModels.MODEL)
                .containsEntry(LakeSink.VERSION, String.valueOf(TestModels.VERSION));
    }

    @Test
    void aHadoopCatalogGetsOneTaggedCommitPerRunWithTheRowsOfScoresParquet() throws Exception {
        String warehouse = tmp.resolve("lake").toUri() + "/";
        eachRunIsOneTaggedCommitWithTheDirectorysRows(
                catalog(TableCatalog.HADOOP, "churn_scores"), warehouse);
    }

    @Test
    void aJdbcCatalogGetsOneTaggedCommitPerRunWithTheCredentialsFromTheEnvironment()
            throws Exception {
        String warehouse = tmp.resolve("lake").toUri() + "/";
        eachRunIsOneTaggedCommitWithTheDirectorysRows(
                catalog(TableCatalog.JDBC, "churn_scores"), warehouse);
    }

    @Test
    void aJdbcCatalogOnAnS3WarehouseCommitsTheUploadedScores() throws Exception {
        LocalS3 s3 =
                LocalS3.startStorage(
                        tmp.resolve("s3"), "scores-access", "scores-secret-4d1", "lake");
        try {
            eachRunIsOneTaggedCommitWithTheDirectorysRows(
                    catalog(TableCatalog.JDBC, "churn_s3"), "s3://lake/scores/churn/");
            LakeTable table =
                    open(catalog(TableCatalog.JDBC, "churn_s3"), "s3://lake/scores/churn/");
            assertThat(table.plan("2026-11-21").dataFiles())
                    .allSatisfy(f -> assertThat(f).startsWith("s3://lake/scores/churn/"));
        } finally {
            LocalS3.closeStorage(s3);
        }
    }

    @Test
    void aRestCatalogGetsOneTaggedCommitPerRunReadBackAtTheTagWithABearerToken() throws Exception {
        String out = tmp.resolve("rest-out").toUri() + "/";
        eachRunIsOneTaggedCommitWithTheDirectorysRows(restCatalog("churn_rest", null), out);

        LakeTable bearer = open(restCatalog("churn_rest", "REST_TOKEN"), out);
        assertThat(bearer.asOfTags()).containsExactly("2026-11-22", "2026-11-21");
        assertThat(tagged(bearer, "2026-11-21")).hasSize(40);
        // the commits went through the REST API: the server's own catalog holds them
        var behind = rest.backend().loadTable(TableIdentifier.of("scores", "churn_rest"));
        assertThat(behind.refs()).containsKeys("asOf-2026-11-21", "asOf-2026-11-22");
        assertThat(behind.currentSnapshot().snapshotId())
                .isEqualTo(bearer.plan("2026-11-22").snapshotId());
        assertThat(bearer.plan("2026-11-22").dataFiles())
                .as("the server's warehouse holds the files, not the outputUri's parent")
                .noneMatch(f -> f.startsWith(out));
    }

    @Test
    void aRestCatalogRefusingTheTokenIsCatalogAccessDeniedAndTheLastScoresStayCurrent()
            throws Exception {
        String out = tmp.resolve("rest-out").toUri() + "/";
        Summary good =
                BatchScore.run(
                        task(
                                "2026-11-21",
                                featureTable(30, 36),
                                out,
                                restCatalog("churn_denied", null)),
                        ENV::get);
        LakeTable table = open(restCatalog("churn_denied", "REST_TOKEN"), out);
        List<String> before = tagged(table, "2026-11-21");
        ScoreTask wrongToken =
                task(
                        "2026-11-22",
                        featureTable(30, 37),
                        out,
                        restCatalog("churn_denied", "WRONG_TOKEN"));

        assertThatThrownBy(() -> BatchScore.run(wrongToken, ENV::get))
                .isInstanceOf(TaskFailure.class)
                .hasMessageStartingWith(
                        "rest catalog 'lake' ("
                                + rest.uri()
                                + "), table scores.churn_denied: the catalog refused its"
                                + " credentials")
                .hasMessageNotContaining("not-the-token")
                .satisfies(
                        e ->
                                assertThat(((TaskFailure) e).reason())
                                        .isEqualTo("CatalogAccessDenied"));

        table.table().refresh();
        assertThat(table.asOfTags()).containsExactly("2026-11-21");
        assertThat(table.table().currentSnapshot().snapshotId())
                .isEqualTo(ScoreSummary.committed(good).snapshotId());
        assertThat(tagged(table, "2026-11-21")).isEqualTo(before);
    }

    @Test
    void aFailedRunCommitsNothingAndTheLastGoodScoresStayCurrent() throws Exception {
        TableCatalog catalog = catalog(TableCatalog.JDBC, "churn_failed");
        String warehouse = tmp.resolve("lake").toUri() + "/";
        Summary good =
                BatchScore.run(
                        task("2026-11-21", featureTable(30, 33), warehouse, catalog), ENV::get);
        LakeTable table = open(catalog, warehouse);
        List<String> before = tagged(table, "2026-11-21");
        ScoreTask broken = task("2026-11-22", featureTable(30, 34), warehouse, catalog);
        ScoreTask wrongModel =
                new ScoreTask(
                        broken.owner(),
                        "not-churn",
                        broken.version(),
                        broken.artifactUri(),
                        broken.asOf(),
                        broken.entity(),
                        broken.features(),
                        broken.outputUri(),
                        null,
                        catalog);

        assertThatThrownBy(() -> BatchScore.run(wrongModel, ENV::get))
                .isInstanceOf(TaskFailure.class)
                .satisfies(e -> assertThat(((TaskFailure) e).reason()).isEqualTo("ModelMismatch"));

        table.table().refresh();
        assertThat(table.asOfTags()).containsExactly("2026-11-21");
        assertThat(table.table().currentSnapshot().snapshotId())
                .isEqualTo(ScoreSummary.committed(good).snapshotId());
        assertThat(tagged(table, "2026-11-21")).isEqualTo(before);
    }

    @Test
    void aTableWithOtherColumnsIsRefusedNamingTableAndColumnBeforeAnythingIsScored()
            throws Exception {
        String warehouse = tmp.resolve("lake").toUri() + "/";
        TableCatalog catalog = catalog(TableCatalog.HADOOP, "churn_scores");
        // a feature table under the scores table's name: someone else's table
        LakeTable.openOrCreate(LakeCatalog.of(catalog, warehouse, name -> null));

        assertThatThrownBy(
                        () ->
                                BatchScore.run(
                                        task(
                                                "2026-11-21",
                                                featureTable(10, 35),
                                                warehouse,
                                                catalog),
                                        name -> null))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("table scores.churn_scores")
                .hasMessageContaining("column 'score' is missing")
                .satisfies(
                        e ->
                                assertThat(((TaskFailure) e).reason())
                                        .isEqualTo("TableSchemaMismatch"));
    }
}
