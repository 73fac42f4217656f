package io.mlcycle.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.LocalS3;
import io.mlcycle.lake.LakeCatalog;
import io.mlcycle.lake.LakeTable;
import io.mlcycle.lake.ScanPlan;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.PostgresPerClass;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training on an Iceberg feature table in an {@code s3://} warehouse (JDBC catalog on a real
 * PostgreSQL, files on a real S3 server): the trainer plans the as-of's tag, reads the files the
 * scan lists from S3 and pins the snapshot in lineage.
 */
@RealServersTier
class IcebergS3FeaturesIT {

    @RegisterExtension static final PostgresPerClass postgres = new PostgresPerClass();

    @TempDir static Path root;
    static LocalS3 s3;

    @BeforeAll
    static void start() throws Exception {
        s3 =
                LocalS3.startStorage(
                        root.resolve("s3"), "trainer-access", "trainer-secret-7e02", "lake");
    }

    @AfterAll
    static void stop() throws Exception {
        LocalS3.closeStorage(s3);
    }

    @Test
    void anIcebergVersionOnS3TrainsLikeItsDirectoryAndLineageNamesItsSnapshot() throws Exception {
        SmallTable data = SmallTable.write(root, 400, 120, 7);
        // the URL carries the credentials: the trainer reads the catalog's from its environment
        String url = postgres.server().urlWithCredentials();
        TableCatalog catalog =
                new TableCatalog(
                        TableCatalog.JDBC,
                        "lake",
                        url,
                        "s3://lake/warehouse",
                        "features",
                        "t",
                        null,
                        null,
                        null);
        LakeTable table = LakeTable.openOrCreate(LakeCatalog.of(catalog, null, name -> null));
        Path dir = data.featureDir();
        Map<Path, String> uploaded = table.upload(dir, table.runLocation("2026-11-20"));
        Path part = dir.resolve("sparse-0.parquet");
        long snapshot =
                table.commit(
                        "2026-11-20",
                        Map.of(part, uploaded.get(part)),
                        Map.of(ScanPlan.FEATURES, uploaded.get(dir.resolve(FeatureCatalog.FILE))));
        FeatureInput iceberg = new FeatureInput("t", "2026-11-20", data.input.uri(), catalog, null);
        Path fromDir = root.resolve("models/small/v1");
        Path fromTable = root.resolve("models/small/v2");

        Trainer.run(data.task(fromDir, "logistic"));
        Trainer.run(data.withInput(iceberg).task(fromTable, "logistic"));

        JsonNode a = TaskJson.MAPPER.readTree(fromDir.resolve(Trainer.METRICS).toFile());
        JsonNode b = TaskJson.MAPPER.readTree(fromTable.resolve(Trainer.METRICS).toFile());
        assertThat(b.get("metrics")).isEqualTo(a.get("metrics"));
        try (ModelArtifact m = ModelArtifact.load(fromTable)) {
            assertThat(m.spec().lineage()).containsExactly(iceberg.withSnapshot(snapshot));
        }
    }
}
