package io.mlcycle.lake;

import io.mlcycle.common.LocalS3;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.Storage;
import io.mlcycle.testing.RealServersTier;
import io.mlcycle.testing.RestCatalogServer;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.aws.s3.S3FileIO;
import org.apache.iceberg.aws.s3.S3FileIOProperties;
import org.apache.iceberg.io.ResolvingFileIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A REST catalog whose warehouse is {@code s3://}: the server keeps the metadata in the bucket (a
 * real S3Proxy), the pod uploads and reads the data files through Iceberg's resolving FileIO, which
 * hands {@code s3://} to {@code S3FileIO} on the pod's own S3 client.
 */
@RealServersTier
class RestS3LakeTableIT {

    @TempDir static Path tmp;
    static LocalS3 s3;
    static RestCatalogServer rest;

    @BeforeAll
    static void startS3AndRestCatalog() throws Exception {
        s3 = LocalS3.start(tmp.resolve("s3"), "lake-access", "lake-secret-5f2a");
        s3.createBucket("lake");
        Storage.useS3(s3.settings("lake-creds"));
        rest =
                RestCatalogServer.start(
                        "s3://lake/rest-warehouse",
                        Map.of(
                                CatalogProperties.FILE_IO_IMPL, S3FileIO.class.getName(),
                                S3FileIOProperties.CLIENT_FACTORY, PodS3Clients.class.getName()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (rest != null) {
            rest.close();
        }
        Storage.useS3(null);
        s3.close();
    }

    private static LakeCatalog catalog(String table) {
        return new LakeCatalog(
                LakeCatalog.REST,
                "lake",
                rest.uri(),
                null,
                null,
                null,
                "features",
                table,
                RestCatalogServer.TOKEN);
    }

    private static List<String> objects(String prefix) throws IOException {
        return Versions.objects(tmp.resolve("s3/lake"), prefix);
    }

    @Test
    void versionsUploadedToAnS3WarehouseThroughTheRestCatalogReadBackByTagAndKeepNDeletes()
            throws IOException {
        LakeTable writer = LakeTable.openOrCreate(catalog("items"));
        List<SparseTables.Row> day1 = Versions.rows("a", 3, 1f);
        List<SparseTables.Row> day2 = Versions.rows("b", 2, 2f);
        ScanPlan first = Versions.upload(writer, "2026-11-20", "r1", day1, tmp.resolve("w1"));
        Versions.upload(writer, "2026-11-21", "r2", day2, tmp.resolve("w2"));

        Storage.useS3(s3.settings("lake-creds")); // a fresh reader: nothing staged yet
        LakeTable reader = LakeTable.open(catalog("items"));
        ScanPlan older = reader.plan("2026-11-20");

        assertThat(reader.table().io()).isInstanceOf(ResolvingFileIO.class);
        assertThat(older.snapshotId()).isEqualTo(first.snapshotId());
        assertThat(older.dataFiles())
                .isNotEmpty()
                .allMatch(f -> f.startsWith("s3://lake/rest-warehouse/features/items/data/"));
        assertThat(Versions.lines(older.read())).isEqualTo(Versions.expected(day1));
        assertThat(Versions.lines(reader.planCurrent().read())).isEqualTo(Versions.expected(day2));
        assertThat(Versions.iceberg(reader.table(), older.snapshotId()))
                .isEqualTo(Versions.expected(day1));
        assertThat(objects("rest-warehouse/features/items/metadata"))
                .anyMatch(o -> o.endsWith(".metadata.json"));

        assertThat(reader.expire(1)).containsExactly("2026-11-20");
        assertThat(objects("rest-warehouse/features/items/data/asOf=2026-11-20"))
                .as("the expired run's data file and features.json")
                .isEmpty();
        assertThat(objects("rest-warehouse/features/items/data/asOf=2026-11-21")).isNotEmpty();
    }
}
