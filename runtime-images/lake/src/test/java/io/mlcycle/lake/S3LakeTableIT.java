package io.mlcycle.lake;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.S3Settings;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.testing.PostgresPerClass;
import io.mlcycle.testing.PostgresServer;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Iceberg tables in an {@code s3://} warehouse: Iceberg's JDBC catalog on a real PostgreSQL, the
 * metadata and data files on a real S3 server (S3Proxy) through Iceberg's {@code S3FileIO}, with
 * the pod's S3 settings (endpoint, path-style, keys).
 */
@RealServersTier
class S3LakeTableIT {

    @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

    @TempDir static Path tmp;
    static LocalS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LocalS3.start(tmp.resolve("s3"), "lake-access", "lake-secret-5f2a");
        s3.createBucket("lake");
    }

    @AfterEach
    void freshSettings() {
        Storage.useS3(s3.settings("lake-creds"));
    }

    @AfterAll
    static void stopS3() throws Exception {
        Storage.useS3(null);
        s3.close();
    }

    private static LakeCatalog catalog(String type, String table) {
        Storage.useS3(s3.settings("lake-creds"));
        return new LakeCatalog(
                type,
                "lake",
                postgres.server().url(),
                "s3://lake/warehouse",
                PostgresServer.USER,
                PostgresServer.PASSWORD,
                "features",
                table,
                null);
    }

    private static List<String> objects(String prefix) throws IOException {
        return Versions.objects(tmp.resolve("s3/lake"), prefix);
    }

    @Test
    void versionsInAnS3WarehouseAreTaggedCommitsThatIcebergAndTheScanReadBack() throws IOException {
        LakeTable writer = LakeTable.openOrCreate(catalog(LakeCatalog.JDBC, "items"));
        List<SparseTables.Row> day1 = Versions.rows("a", 3, 1f);
        List<SparseTables.Row> day2 = Versions.rows("b", 2, 2f);
        ScanPlan first = Versions.upload(writer, "2026-11-20", "r1", day1, tmp.resolve("w1"));
        Versions.upload(writer, "2026-11-21", "r2", day2, tmp.resolve("w2"));

        Storage.useS3(s3.settings("lake-creds")); // a fresh reader: nothing staged yet
        LakeTable reader = LakeTable.open(catalog(LakeCatalog.JDBC, "items"));
        ScanPlan older = reader.plan("2026-11-20");

        assertThat(older.snapshotId()).isEqualTo(first.snapshotId());
        assertThat(older.dataFiles())
                .isNotEmpty()
                .allMatch(
                        f ->
                                f.startsWith(
                                        "s3://lake/warehouse/features/items/data/asOf=2026-11-20/"));
        assertThat(older.featuresUri()).startsWith("s3://lake/warehouse/features/items/data/");
        assertThat(Versions.lines(older.read())).isEqualTo(Versions.expected(day1));
        assertThat(Versions.lines(reader.planCurrent().read())).isEqualTo(Versions.expected(day2));
        assertThat(Versions.iceberg(reader.table(), older.snapshotId()))
                .as("Iceberg's own reader, through S3FileIO")
                .isEqualTo(Versions.expected(day1));
        assertThat(objects("warehouse/features/items/metadata"))
                .anyMatch(o -> o.endsWith(".metadata.json"));
    }

    @Test
    void keepNExpiresOlderVersionsAndDeletesTheirObjects() throws IOException {
        LakeTable table = LakeTable.openOrCreate(catalog(LakeCatalog.JDBC, "kept"));
        ScanPlan d1 = Versions.upload(table, "2026-11-18", "r1", Versions.rows("a", 2, 1f), tmp);
        Versions.upload(table, "2026-11-19", "r2", Versions.rows("b", 2, 2f), tmp.resolve("2"));
        ScanPlan d3 =
                Versions.upload(
                        table, "2026-11-20", "r3", Versions.rows("c", 2, 3f), tmp.resolve("3"));

        assertThat(table.expire(2)).containsExactly("2026-11-18");

        assertThat(table.asOfTags()).containsExactly("2026-11-20", "2026-11-19");
        assertThat(objects("warehouse/features/kept/data/asOf=2026-11-18"))
                .as("the expired run's data file and features.json")
                .isEmpty();
        assertThat(objects("warehouse/features/kept/data/asOf=2026-11-20"))
                .contains(key(d3.dataFiles().get(0)), key(d3.featuresUri()));
        assertThat(d1.dataFiles()).isNotEmpty();
    }

    @Test
    void theHadoopCatalogOnAnS3WarehouseIsRefusedNamingTheField() {
        TaskFailure f =
                catchThrowableOfType(
                        TaskFailure.class,
                        () -> LakeTable.openOrCreate(catalog(LakeCatalog.HADOOP, "items")));

        assertThat(f.reason()).isEqualTo("InvalidCatalog");
        assertThat(f.getMessage())
                .isEqualTo(
                        "store.catalog.type hadoop cannot keep a table in warehouse"
                                + " 's3://lake/warehouse': Iceberg's Hadoop catalog commits by an"
                                + " atomic rename, which S3 lacks; use store.catalog.type jdbc for"
                                + " an s3:// warehouse");
    }

    @Test
    void wrongKeysAreRefusedNamingTableAndSecretAndCommitNothing() throws IOException {
        LakeCatalog settings = catalog(LakeCatalog.JDBC, "guarded");
        ScanPlan good =
                Versions.upload(
                        LakeTable.openOrCreate(settings),
                        "2026-11-20",
                        "good",
                        Versions.rows("g", 2, 1f),
                        tmp.resolve("good"));
        Storage.useS3(
                new S3Settings(
                        s3.endpoint(), "us-east-1", true, "lake-access", "wrong", "lake-creds"));

        TaskFailure f =
                catchThrowableOfType(
                        TaskFailure.class,
                        () ->
                                Versions.upload(
                                        LakeTable.open(settings),
                                        "2026-11-21",
                                        "denied",
                                        Versions.rows("d", 2, 1f),
                                        tmp.resolve("denied")));

        assertThat(f.reason()).isEqualTo("StorageAccessDenied");
        assertThat(f.getMessage())
                .contains("jdbc catalog 'lake'", "table features.guarded", "Secret 'lake-creds'")
                .doesNotContain("lake-secret-5f2a");
        Storage.useS3(s3.settings("lake-creds"));
        LakeTable after = LakeTable.open(settings);
        assertThat(after.asOfTags()).containsExactly("2026-11-20");
        assertThat(after.planCurrent().snapshotId()).isEqualTo(good.snapshotId());
    }

    private static String key(String s3Uri) {
        return URI.create(s3Uri).getPath().substring(1);
    }
}
