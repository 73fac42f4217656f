package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;

/** spec.store.format and spec.store.catalog: checked naming the field, carried into the task. */
@UnitTier
class IcebergStoreSpecTest {

    private static FeatureView iceberg(IcebergCatalog.Type type) {
        FeatureView fv = Fixtures.featureView("items");
        fv.getSpec().store.format = StoreFormat.iceberg;
        fv.getSpec().store.catalog = new IcebergCatalog();
        fv.getSpec().store.catalog.type = type;
        return fv;
    }

    @Test
    void withoutAFormatTheStoreIsTheParquetLayout() {
        PivotTask task = PivotTasks.task(Fixtures.featureView("items"), LocalDate.of(2026, 11, 20));

        assertThat(task.store().format()).isEqualTo(TableCatalog.FORMAT_PARQUET);
        assertThat(task.store().catalog()).isNull();
    }

    @Test
    void anIcebergStoreCarriesItsCatalogWithDefaultsAndTheCredentialsAsSecretReferences() {
        FeatureView fv = iceberg(IcebergCatalog.Type.jdbc);
        fv.getSpec().store.catalog.uri = "jdbc:postgresql://pg:5432/lake";
        fv.getSpec().store.catalog.credentialsSecret = new FeatureViewSpec.SecretRef();
        fv.getSpec().store.catalog.credentialsSecret.name = "lake-catalog";

        PivotTask.Store store = PivotTasks.task(fv, LocalDate.of(2026, 11, 20)).store();

        assertThat(PivotTasks.invalid(fv.getSpec())).isEmpty();
        assertThat(store.format()).isEqualTo(TableCatalog.FORMAT_ICEBERG);
        assertThat(store.catalog())
                .isEqualTo(
                        new TableCatalog(
                                "jdbc",
                                "mlcycle",
                                "jdbc:postgresql://pg:5432/lake",
                                "file:///data/features/items/",
                                "features",
                                "items",
                                PodEnv.CATALOG_USER,
                                PodEnv.CATALOG_PASSWORD,
                                null));
        assertThat(PivotTasks.env(fv.getSpec()))
                .filteredOn(e -> e.getName().startsWith("MLCYCLE_CATALOG_"))
                .extracting(
                        EnvVar::getName,
                        e -> e.getValueFrom().getSecretKeyRef().getName(),
                        e -> e.getValueFrom().getSecretKeyRef().getKey())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                PodEnv.CATALOG_USER, "lake-catalog", "username"),
                        org.assertj.core.groups.Tuple.tuple(
                                PodEnv.CATALOG_PASSWORD, "lake-catalog", "password"));
    }

    @Test
    void badIcebergSettingsAreRefusedNamingTheField() {
        FeatureView noCatalog = Fixtures.featureView("items");
        noCatalog.getSpec().store.format = StoreFormat.iceberg;
        FeatureView jdbcWithoutUri = iceberg(IcebergCatalog.Type.jdbc);
        FeatureView hadoopOnS3 = iceberg(IcebergCatalog.Type.hadoop);
        hadoopOnS3.getSpec().store.catalog.warehouse = "s3://lake/warehouse";
        FeatureView hdfs = iceberg(IcebergCatalog.Type.jdbc);
        hdfs.getSpec().store.catalog.uri = "jdbc:postgresql://pg:5432/lake";
        hdfs.getSpec().store.catalog.warehouse = "hdfs://nn/lake";

        assertThat(PivotTasks.invalid(noCatalog.getSpec()))
                .hasValue("spec.store.catalog is required with spec.store.format iceberg");
        assertThat(PivotTasks.invalid(jdbcWithoutUri.getSpec()))
                .hasValue("spec.store.catalog.uri is required");
        assertThat(PivotTasks.invalid(hadoopOnS3.getSpec()))
                .hasValue(
                        "spec.store.catalog.type hadoop cannot keep a table in"
                                + " spec.store.catalog.warehouse 's3://lake/warehouse': Iceberg's"
                                + " Hadoop catalog commits by an atomic rename, which S3 lacks;"
                                + " use spec.store.catalog.type jdbc for an s3:// warehouse");
        assertThat(PivotTasks.invalid(hdfs.getSpec()))
                .hasValue(
                        "spec.store.catalog.warehouse: 'hdfs://nn/lake' is neither file:// nor"
                                + " s3://; an Iceberg store writes those warehouses only");
    }

    @Test
    void anS3StoreWithTheJdbcCatalogIsAcceptedAndItsWarehouseIsTheStore() {
        FeatureView fv = iceberg(IcebergCatalog.Type.jdbc);
        fv.getSpec().store.uri = "s3://lake/features/items";
        fv.getSpec().store.catalog.uri = "jdbc:postgresql://pg:5432/lake";

        PivotTask.Store store = PivotTasks.task(fv, LocalDate.of(2026, 11, 20)).store();

        assertThat(PivotTasks.invalid(fv.getSpec())).isEmpty();
        assertThat(store.catalog().warehouse()).isEqualTo("s3://lake/features/items");
    }

    @Test
    void theSparkEngineTakesTheWarehousesTheDuckdbEngineTakesAndTheSameRefusals() {
        FeatureView fileHadoop = iceberg(IcebergCatalog.Type.hadoop);
        FeatureView s3Jdbc = iceberg(IcebergCatalog.Type.jdbc);
        s3Jdbc.getSpec().store.uri = "s3://lake/features/items";
        s3Jdbc.getSpec().store.catalog.uri = "jdbc:postgresql://pg:5432/lake";
        FeatureView s3Hadoop = iceberg(IcebergCatalog.Type.hadoop);
        s3Hadoop.getSpec().store.uri = "s3://lake/features/items";
        for (FeatureView fv : new FeatureView[] {fileHadoop, s3Jdbc, s3Hadoop}) {
            fv.getSpec().engine = FeatureViewSpec.Engine.spark;
        }

        assertThat(PivotTasks.invalid(fileHadoop.getSpec())).isEmpty();
        assertThat(PivotTasks.invalid(s3Jdbc.getSpec())).isEmpty();
        assertThat(PivotTasks.task(s3Jdbc, LocalDate.of(2026, 11, 20)).store().format())
                .isEqualTo(TableCatalog.FORMAT_ICEBERG);
        assertThat(PivotTasks.invalid(s3Hadoop.getSpec()))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .startsWith(
                                                "spec.store.catalog.type hadoop cannot keep a"
                                                        + " table in spec.store.uri"
                                                        + " 's3://lake/features/items'"));
    }
}
